"""Order links, poll cursors and the loop guard: PrestaShop → Picqer order state."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop
from sync.leases import RowLease
from sync.mappers.orders import picqer_reference
from sync.prestashop.records import OrderHistory


class OrderLink(models.Model):
    """One PrestaShop order ↔ at most one Picqer order (the exactly-once anchor).

    `claimed_until`/`claim_token` is a lease: one worker at a time works on an order. `state`
    is the create lifecycle; it becomes `pushing` *before* Picqer is called, so a worker that
    finds `pushing` knows an earlier create may have reached Picqer and looks it up by
    reference before creating again.

    The `applied_*` fields record which Picqer status has been applied to the PrestaShop
    order. Posting an order history is not idempotent (it re-sends e-mails and re-runs stock
    side effects), so duplicate or out-of-order webhooks are stopped here: a status is applied
    at most once, never one of a lower rank, and only by the worker holding the status lease
    (`claimed_status`, `status_claimed_until`, `status_claim_token`). It is a lease of its
    own: applying a status never waits for the order's push, nor the push for it.
    """

    # Longer than a task may run (hard time limit), so a live worker never loses its lease;
    # a crashed worker's lease expires and the next one takes over.
    LEASE = RowLease(timedelta(seconds=settings.ORDER_LEASE_SECONDS))
    # Longer than one status apply takes (a few HTTP calls with timeouts); a crashed worker's
    # lease runs out after this and the next delivery re-reads PrestaShop before posting.
    STATUS_LEASE = RowLease(
        timedelta(seconds=300), token="status_claim_token", until="status_claimed_until"
    )

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be pushed")
        PUSHING = "pushing", _("Push in progress")
        CREATED = "created", _("Created in Picqer")
        SKIPPED = "skipped", _("Not sent")
        FAILED = "failed", _("Failed")

    # PROTECT: the link is the only proof that a Picqer order belongs to this shop's order.
    # Cascading it away would let a shop re-created with the same prefix receive the old
    # orders' status updates; a shop that has sent orders is switched off, not deleted.
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="order_links", verbose_name=_("shop")
    )
    ps_order_id = models.PositiveIntegerField(_("PrestaShop order id"))
    ps_reference = models.CharField(_("PrestaShop reference"), max_length=32, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    picqer_idorder = models.PositiveIntegerField(_("Picqer order id"), null=True, blank=True)
    picqer_orderid = models.CharField(_("Picqer order number"), max_length=32, blank=True)
    picqer_status = models.CharField(_("Picqer status"), max_length=20, blank=True)
    # Highest order_histories id whose rules have been applied, and highest one seen by the
    # poller; seen > applied means work is outstanding (the reconciler re-enqueues it).
    last_history_id = models.PositiveIntegerField(_("last history id"), default=0)
    seen_history_id = models.PositiveIntegerField(_("seen history id"), default=0)
    # The rule rows the poller found, [[id, id_order_state], …]: the rules apply them without
    # reading the order's order_histories again (see rules._rows_known).
    history_rows = models.JSONField(_("status changes found by the poll"), default=list, blank=True)
    # Follow-up steps after the create that are done (tags, allocate, comment, message,
    # backref), so a retry repeats only what is missing; "message:<hash>" marks a private
    # PrestaShop message as sent or on its way (backref.order_message_add_once).
    done_steps = models.JSONField(_("done steps"), default=list, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    # Create attempts so far: after one, a create may have reached Picqer unseen (timeout,
    # crash), so the next attempt looks the order up by reference first.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Products that could not be matched, as written to PrestaShop and Picqer.
    warning = models.TextField(_("warning"), blank=True)
    last_error = models.TextField(_("reason"), blank=True)
    # While a task retry is scheduled: when it is due, and how many tries of the current work
    # failed in a row (`attempts` above counts creates only). Cleared when the work succeeds.
    next_attempt_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    retries = models.PositiveIntegerField(_("failed tries"), default=0)
    applied_status = models.CharField(_("applied Picqer status"), max_length=20, blank=True)
    applied_state_id = models.PositiveIntegerField(
        _("applied PrestaShop status"), null=True, blank=True
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    claimed_status = models.CharField(_("claimed status"), max_length=20, blank=True)
    status_claimed_until = models.DateTimeField(_("status claimed until"), null=True, blank=True)
    status_claim_token = models.CharField(_("status claim token"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "ps_order_id"], name="order_link_unique"),
        ]
        indexes = [models.Index(fields=["picqer_idorder"]), models.Index(fields=["state"])]
        verbose_name = _("order link")
        verbose_name_plural = _("order links")

    def __str__(self) -> str:
        return f"{self.shop.prefix} #{self.ps_order_id}"

    @property
    def picqer_reference(self) -> str:
        return picqer_reference(
            prefix=self.shop.prefix, ps_order_id=self.ps_order_id, ps_reference=self.ps_reference
        )

    # State transitions. Each saves only the fields it changes (and `updated_at`).

    def _save(self, *fields: str) -> None:
        self.save(update_fields=[*fields, "updated_at"])

    def push_started(self, *, warning: str) -> None:
        """The create is claimed and counted, committed before Picqer is called: any later
        attempt looks the order up by reference first."""
        self.state, self.attempts, self.warning = self.State.PUSHING, self.attempts + 1, warning
        self._save("state", "attempts", "warning")

    def created(self, *, idorder: int, orderid: str, status: str) -> None:
        """The Picqer order exists (created now, or found from an earlier attempt)."""
        self.picqer_idorder, self.picqer_orderid, self.picqer_status = idorder, orderid, status
        self.state, self.last_error = self.State.CREATED, ""
        self._save("picqer_idorder", "picqer_orderid", "picqer_status", "state", "last_error")

    def skipped(self, reason: str, *, warning: str | None = None) -> None:
        """Nothing was, or will be, sent to Picqer (until the operator pushes it again)."""
        self.state, self.last_error = self.State.SKIPPED, reason
        if warning is None:
            self._save("state", "last_error")
        else:
            self.warning = warning
            self._save("state", "last_error", "warning")

    def failed(self, reason: str) -> None:
        """Work stops until the operator pushes the order again."""
        self.state, self.last_error = self.State.FAILED, reason
        self._save("state", "last_error")

    def gave_up(self, reason: str, *, attempts: int) -> None:
        """The retries ran out: failed, with no retry pending."""
        self.state, self.last_error = self.State.FAILED, reason
        self.next_attempt_at, self.retries = None, attempts
        self._save("state", "last_error", "next_attempt_at", "retries")

    def pushed_again(self) -> None:
        """The operator's "Push again" of a failed or skipped link: back to work. A link
        whose Picqer order exists keeps it; a skipped one runs its rules from the first row
        (nothing reached Picqer); a failed row was never marked applied, so it is read
        again by itself. A pending link with earlier attempts looks itself up in Picqer
        before creating."""
        if self.state == self.State.SKIPPED:
            self.last_history_id = 0
        self.state = self.State.CREATED if self.picqer_idorder else self.State.PENDING
        self.last_error, self.next_attempt_at, self.retries = "", None, 0
        self._save("state", "last_error", "next_attempt_at", "retries", "last_history_id")

    def retry_cleared(self) -> None:
        """The order's work went through: a retry reason it showed is history now. A reason
        of a final state (failed, not sent) stays: it is what the operator has to act on."""
        if self.next_attempt_at is None and not self.retries:
            return
        if self.state not in (self.State.FAILED, self.State.SKIPPED):
            self.last_error = ""
        self.next_attempt_at, self.retries = None, 0
        self._save("last_error", "next_attempt_at", "retries")

    def status_claim(self, status: str) -> str | None:
        """Take the status lease for applying Picqer `status`; its token, or None when
        another worker holds it. Reloads the applied and claimed fields either way."""
        token = self.STATUS_LEASE.take(OrderLink.objects.filter(pk=self.pk), claimed_status=status)
        self.refresh_from_db(
            fields=[
                "applied_status",
                "applied_state_id",
                "applied_at",
                "claimed_status",
                "status_claimed_until",
                "status_claim_token",
            ]
        )
        return token

    def status_released(self, token: str, *, applied: tuple[str, int] | None = None) -> None:
        """Give the status lease back; with `applied`, record (Picqer status, PrestaShop
        state) as applied in the same UPDATE. A lease that ran out and was taken over is not
        ours: nothing is written."""
        fields = {"claimed_status": ""}
        if applied:
            fields |= {
                "applied_status": applied[0],
                "applied_state_id": applied[1],
                "applied_at": timezone.now(),
            }
        self.STATUS_LEASE.release(OrderLink.objects.filter(pk=self.pk), token, **fields)


class PollCursor(models.Model):
    """How far the PrestaShop order_histories have been read, per shop.

    `start_history_id` is where this shop's sync began: rows up to it predate the
    middleware and are never acted on (no flood of old orders on first start)."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="poll_cursor", verbose_name=_("shop")
    )
    start_history_id = models.PositiveIntegerField(_("first history id"), null=True, blank=True)
    last_history_id = models.PositiveIntegerField(_("last history id"), default=0)
    # The newest order when the order poll began watching new orders: orders above it were
    # placed since, and their units count until Picqer has them (sync.services.stock.pending).
    start_order_id = models.PositiveIntegerField(_("first new order after"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_reconciled_at = models.DateTimeField(_("last reconciled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("poll cursor")
        verbose_name_plural = _("poll cursors")

    def __str__(self) -> str:
        return f"{self.shop}: history #{self.last_history_id}"


class OwnHistory(models.Model):
    """An order status change the middleware itself made in PrestaShop (loop guard): rows it
    matches never trigger the PrestaShop → Picqer rules.

    Contract for code that posts an order_history (the Picqer → PrestaShop status mapping):

        from sync.models import OwnHistory

        OwnHistory.record(shop_id=shop.pk, ps_order_id=73, state_id=4)     # 1. before POST
        row = client.order_history_create(73, 4)
        OwnHistory.record(shop_id=shop.pk, ps_order_id=73, state_id=4,
                          history_id=row.id)                               # 2. after POST

        OwnHistory.record(*, shop_id: int, ps_order_id: int, state_id: int,
                          history_id: int | None = None) -> None

    Call 1 announces the change, so a poller that reads the new row before call 2 has run still
    recognises it (the first unbound announcement for the same order and state, younger than
    ANNOUNCE_TTL, is bound to that row). Call 2 binds the announcement to PrestaShop's id; it is
    also correct on its own, only with that small race left open. Both calls are cheap and
    idempotent; if the POST fails the announcement simply expires.
    """

    ANNOUNCE_TTL = timedelta(minutes=30)
    KEEP_FOR = timedelta(days=30)

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="own_histories", verbose_name=_("shop")
    )
    ps_order_id = models.PositiveIntegerField(_("PrestaShop order id"))
    state_id = models.PositiveIntegerField(_("PrestaShop status"))
    history_id = models.PositiveIntegerField(_("history id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "ps_order_id", "state_id"])]
        verbose_name = _("own status change")
        verbose_name_plural = _("own status changes")

    def __str__(self) -> str:
        return f"#{self.ps_order_id} → state {self.state_id} (history {self.history_id})"

    # The loop guard's bookkeeping (see the class docstring).

    @classmethod
    def record(
        cls, *, shop_id: int, ps_order_id: int, state_id: int, history_id: int | None = None
    ) -> None:
        """Record that the middleware is setting (history_id None) or has set (history_id given)
        PrestaShop order `ps_order_id` to `state_id`. See the class docstring."""
        if history_id is None:
            cls.objects.create(shop_id=shop_id, ps_order_id=ps_order_id, state_id=state_id)
            return
        with transaction.atomic():
            if cls.objects.filter(shop_id=shop_id, history_id=history_id).exists():
                return  # the poller already bound the announcement to this row
            pending = (
                cls._announcements(shop_id)
                .filter(ps_order_id=ps_order_id, state_id=state_id)
                .select_for_update()
                .first()
            )
            if pending is not None:
                pending.history_id = history_id
                pending.save(update_fields=["history_id"])
            else:
                cls.objects.create(
                    shop_id=shop_id,
                    ps_order_id=ps_order_id,
                    state_id=state_id,
                    history_id=history_id,
                )

    @classmethod
    def ids(cls, *, shop_id: int, rows: Iterable[OrderHistory]) -> set[int]:
        """Ids of the order_histories `rows` that the middleware made itself. Binds matching
        announcements to their rows, so later reads give the same answer."""
        rows = list(rows)
        ids = [r.id for r in rows]
        own = set(
            cls.objects.filter(shop_id=shop_id, history_id__in=ids).values_list(
                "history_id", flat=True
            )
        )
        wanted = {(r.id_order, r.id_order_state) for r in rows if r.id not in own}
        announced = {(a.ps_order_id, a.state_id) for a in cls._announcements(shop_id)}
        for row in rows:
            key = (row.id_order, row.id_order_state)
            if row.id in own or key not in wanted & announced:
                continue
            with transaction.atomic():
                pending = (
                    cls._announcements(shop_id)
                    .filter(ps_order_id=key[0], state_id=key[1])
                    .select_for_update()
                    .first()
                )
                if pending is not None:
                    pending.history_id = row.id
                    pending.save(update_fields=["history_id"])
                    own.add(row.id)
        return own

    @classmethod
    def prune(cls) -> int:
        """Forget records older than KEEP_FOR (their rows are far behind every cursor)."""
        deleted, _ = cls.objects.filter(created_at__lt=timezone.now() - cls.KEEP_FOR).delete()
        return deleted

    @classmethod
    def _announcements(cls, shop_id: int) -> models.QuerySet:
        """Unbound, still fresh announcements of a shop, oldest first."""
        return cls.objects.filter(
            shop_id=shop_id,
            history_id__isnull=True,
            created_at__gte=timezone.now() - cls.ANNOUNCE_TTL,
        ).order_by("id")
