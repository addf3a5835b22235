"""Full stock sync runs and the references they list."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop
from sync.leases import rows_claim_unique


class SyncRun(models.Model):
    """One full stock sync of one shop, with its counts.

    At most one run per shop is running and at most one is queued: both are enforced by
    partial unique constraints, so two web requests or workers racing cannot start two."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="sync_runs", verbose_name=_("shop")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField(_("trigger"), max_length=20, blank=True)
    checked = models.PositiveIntegerField(_("checked"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    missing_in_prestashop = models.PositiveIntegerField(_("missing in PrestaShop"), default=0)
    missing_in_picqer = models.PositiveIntegerField(_("missing in Picqer"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    unchanged = models.PositiveIntegerField(_("already equal"), default=0)
    ambiguous = models.PositiveIntegerField(
        _("ambiguous"),
        default=0,
        help_text=_(
            "In Picqer, but PrestaShop has no single writable stock row for the "
            "reference (see ambiguous_kinds)"
        ),
    )
    ambiguous_kinds = models.JSONField(_("ambiguous, by kind"), default=dict, blank=True)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    near_misses = models.PositiveIntegerField(
        _("near misses"),
        default=0,
        help_text=_(
            "References equal on both sides only when case or surrounding spaces are ignored"
        ),
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # The last sign of life of the worker running it (a retry waiting for its turn sets the
    # time it is due): a run whose worker died stops beating and is failed as stale.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Why the last try failed and when the retry is due (cleared when the run is done), and
    # how many tries have failed; a failed run keeps its final reason here and in `message`.
    last_error = models.TextField(_("reason"), blank=True)
    next_attempt_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed tries"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock sync run")
        verbose_name_plural = _("stock sync runs")
        constraints = [
            models.UniqueConstraint(
                fields=["shop"], condition=Q(state="running"), name="sync_run_one_running"
            ),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(state="queued"), name="sync_run_one_queued"
            ),
        ]

    def __str__(self) -> str:
        return f"Stock sync {self.pk} of {self.shop} ({self.state})"

    # State transitions: queued → running → done or failed. Each saves only what it changes.

    def _mine(self, state: str) -> models.QuerySet:
        return SyncRun.objects.filter(pk=self.pk, state=state)

    def start(self) -> bool:
        """Queued → running. False when it is not queued any more, or another run of the shop
        is running (the partial unique constraint refuses: the finishing run starts it)."""
        now = timezone.now()
        if not rows_claim_unique(
            self._mine(self.State.QUEUED),
            state=self.State.RUNNING,
            started_at=now,
            heartbeat_at=now,
        ):
            return False
        self.state, self.started_at, self.heartbeat_at = self.State.RUNNING, now, now
        return True

    def beat(self) -> bool:
        """A sign of life of the worker running it. False when it is not running any more."""
        return bool(self._mine(self.State.RUNNING).update(heartbeat_at=timezone.now()))

    def went_stale(self, message: str) -> bool:
        """Running → failed, as its worker showed no sign of life; conditional on the beat it
        was judged by, so a beat that arrived meanwhile keeps it alive."""
        now = timezone.now()
        if (
            not self._mine(self.State.RUNNING)
            .filter(heartbeat_at=self.heartbeat_at)
            .update(
                state=self.State.FAILED,
                message=message,
                last_error=message,
                next_attempt_at=None,
                finished_at=now,
            )
        ):
            return False
        self.state, self.message, self.last_error = self.State.FAILED, message, message
        self.next_attempt_at, self.finished_at = None, now
        return True

    def finished(self, state: str, message: str, *, counts: tuple[str, ...] = ()) -> None:
        """Running → done or failed, saving `counts` (the fields the sync counted into) with
        it. Done clears the reason of an earlier failed try; failed keeps its final one."""
        self.state, self.message, self.finished_at = state, message, timezone.now()
        self.last_error, self.next_attempt_at = ("" if state == self.State.DONE else message), None
        self.save(
            update_fields=[
                *counts,
                "state",
                "message",
                "last_error",
                "next_attempt_at",
                "finished_at",
            ]
        )

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def waiting_to_retry(self) -> bool:
        """Running, but between tries: the last one failed and the next is not due yet."""
        return (
            self.state == self.State.RUNNING
            and self.next_attempt_at is not None
            and self.next_attempt_at > timezone.now()
        )


class SyncRunItem(models.Model):
    """One listed reference of a run (missing on a side, ambiguous, duplicate, near miss,
    refused): what each count links to. At most MAX_ITEMS per run; the counts stay complete,
    so "and N more" is the count minus the rows kept."""

    MAX_ITEMS = 10_000

    class Kind(models.TextChoices):
        MISSING_IN_PRESTASHOP = "missing_in_prestashop", _("In Picqer, not in PrestaShop")
        MISSING_IN_PICQER = "missing_in_picqer", _("In PrestaShop, not in Picqer")
        AMBIGUOUS = "ambiguous", _("Ambiguous in PrestaShop")
        DUPLICATE = "duplicate", _("Duplicate reference")
        NEAR_MISS = "near_miss", _("Near miss (case or spaces differ)")
        ERROR = "error", _("Refused by PrestaShop")

    run = models.ForeignKey(
        SyncRun, on_delete=models.CASCADE, related_name="items", verbose_name=_("stock sync run")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=128)
    detail = models.CharField(_("what to do"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("listed reference")
        verbose_name_plural = _("listed references")
        indexes = [models.Index(fields=["run", "kind"], name="sync_run_item_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}"
