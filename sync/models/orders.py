"""Order links, poll cursors and the loop guard: PrestaShop → Picqer order state."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop
from sync.mappers.orders import picqer_reference


class OrderLink(models.Model):
    """One PrestaShop order ↔ at most one Picqer order (the exactly-once anchor).

    `claimed_until`/`claim_token` is a lease: one worker at a time works on an order. `state`
    is the create lifecycle; it becomes `pushing` *before* Picqer is called, so a worker that
    finds `pushing` knows an earlier create may have reached Picqer and looks it up by
    reference before creating again.
    """

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
    # backref), so a retry repeats only what is missing.
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
    """An order status change the middleware itself made in PrestaShop (loop guard).

    Written by `sync.services.orders.loop_guard.own_history_record` before and after posting
    an order_history; rows it matches never trigger the PrestaShop → Picqer rules."""

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
