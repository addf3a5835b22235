"""Order links and poll cursors: PrestaShop → Picqer order state."""

from django.db import models

from prestapicqer.models import Shop


class OrderLink(models.Model):
    """One PrestaShop order ↔ at most one Picqer order (the exactly-once anchor).

    The row is claimed *before* Picqer is called, so a second worker sees the claim and a
    crashed one leaves a trace that is resolved by looking the order up in Picqer by reference.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be pushed"
        PUSHING = "pushing", "Push in progress"
        CREATED = "created", "Created in Picqer"
        SKIPPED = "skipped", "Not sent (no matching products)"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="order_links")
    ps_order_id = models.PositiveIntegerField()
    ps_reference = models.CharField(max_length=32, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    picqer_idorder = models.PositiveIntegerField(null=True, blank=True)
    picqer_orderid = models.CharField(max_length=32, blank=True)
    picqer_status = models.CharField(max_length=20, blank=True)
    # Ids of the PrestaShop order_histories rows whose rules have been applied.
    last_history_id = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "ps_order_id"], name="order_link_unique"),
        ]
        indexes = [models.Index(fields=["picqer_idorder"])]

    def __str__(self) -> str:
        return f"{self.shop.prefix} #{self.ps_order_id}"

    @property
    def picqer_reference(self) -> str:
        return f"{self.shop.prefix} #{self.ps_order_id} / {self.ps_reference}"



class PollCursor(models.Model):
    """How far the PrestaShop order_histories have been read, per shop."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="poll_cursor")
    last_history_id = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.shop}: history #{self.last_history_id}"

