"""State the engine keeps: order links, poll cursors, sync runs, the activity log, heartbeats."""

from django.db import models

from prestapicqer.models import PicqerAccount, Shop


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


class SyncRun(models.Model):
    """One full stock sync of one shop, with its counts."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_runs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField(max_length=20, blank=True)
    checked = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    missing_in_prestashop = models.PositiveIntegerField(default=0)
    missing_in_picqer = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Stock sync {self.pk} of {self.shop} ({self.state})"


class ActivityEntry(models.Model):
    """The guide's Logs: every action and error, per order or product, searchable in admin."""

    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    action = models.CharField(max_length=50)
    message = models.TextField()
    account = models.ForeignKey(PicqerAccount, null=True, blank=True, on_delete=models.CASCADE)
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.CASCADE)
    ps_order_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    ps_reference = models.CharField(max_length=32, blank=True, db_index=True)
    picqer_orderid = models.CharField(max_length=32, blank=True, db_index=True)
    product_reference = models.CharField(max_length=64, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activity log"

    def __str__(self) -> str:
        return f"{self.action}: {self.message[:60]}"


class Heartbeat(models.Model):
    """Last sign of life of a process kind ("worker", "beat"), shown by /health and admin."""

    name = models.CharField(max_length=20, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%H:%M:%S}"
