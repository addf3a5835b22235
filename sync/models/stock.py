"""Picqer → PrestaShop state: full stock sync runs and applied order statuses."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop


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


class OrderStatusState(models.Model):
    """Which Picqer status has been applied to one PrestaShop order (keyed like OrderLink).

    Posting an order history is not idempotent (it re-sends e-mails and re-runs stock side
    effects), so duplicate or out-of-order webhooks are stopped here: a status is applied at
    most once, never one of a lower rank, and only by the worker holding the claim."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="order_statuses", verbose_name=_("shop")
    )
    ps_order_id = models.PositiveIntegerField(_("PrestaShop order id"))
    picqer_idorder = models.PositiveIntegerField(_("Picqer order id"), null=True, blank=True)
    applied_status = models.CharField(_("applied Picqer status"), max_length=20, blank=True)
    applied_state_id = models.PositiveIntegerField(
        _("applied PrestaShop status"), null=True, blank=True
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    claimed_status = models.CharField(_("claimed status"), max_length=20, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "ps_order_id"], name="order_status_state_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.prefix} #{self.ps_order_id}: {self.applied_status or '-'}"
