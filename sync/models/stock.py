"""Picqer → PrestaShop state: full stock sync runs and applied order statuses."""

from django.db import models
from django.db.models import Q

from prestapicqer.models import Shop


class SyncRun(models.Model):
    """One full stock sync of one shop, with its counts.

    At most one run per shop is running and at most one is queued: both are enforced by
    partial unique constraints, so two web requests or workers racing cannot start two."""

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
    unchanged = models.PositiveIntegerField(default=0)
    ambiguous = models.PositiveIntegerField(
        default=0, help_text="In Picqer, but PrestaShop has no single writable stock row for "
                             "the reference (see ambiguous_kinds)")
    ambiguous_kinds = models.JSONField(default=dict, blank=True)
    duplicates = models.PositiveIntegerField(default=0)
    near_misses = models.PositiveIntegerField(
        default=0, help_text="References equal on both sides only when case or surrounding "
                             "spaces are ignored")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
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


class SyncRunItem(models.Model):
    """One listed reference of a run (missing on a side, ambiguous, duplicate, near miss,
    refused): what each count links to. At most MAX_ITEMS per run; the counts stay complete,
    so "and N more" is the count minus the rows kept."""

    MAX_ITEMS = 10_000

    class Kind(models.TextChoices):
        MISSING_IN_PRESTASHOP = "missing_in_prestashop", "In Picqer, not in PrestaShop"
        MISSING_IN_PICQER = "missing_in_picqer", "In PrestaShop, not in Picqer"
        AMBIGUOUS = "ambiguous", "Ambiguous in PrestaShop"
        DUPLICATE = "duplicate", "Duplicate reference"
        NEAR_MISS = "near_miss", "Near miss (case or spaces differ)"
        ERROR = "error", "Refused by PrestaShop"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reference = models.CharField(max_length=128)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "kind"], name="sync_run_item_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}"


class OrderStatusState(models.Model):
    """Which Picqer status has been applied to one PrestaShop order (keyed like OrderLink).

    Posting an order history is not idempotent (it re-sends e-mails and re-runs stock side
    effects), so duplicate or out-of-order webhooks are stopped here: a status is applied at
    most once, never one of a lower rank, and only by the worker holding the claim."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="order_statuses")
    ps_order_id = models.PositiveIntegerField()
    picqer_idorder = models.PositiveIntegerField(null=True, blank=True)
    applied_status = models.CharField(max_length=20, blank=True)
    applied_state_id = models.PositiveIntegerField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    claimed_status = models.CharField(max_length=20, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "ps_order_id"], name="order_status_state_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.prefix} #{self.ps_order_id}: {self.applied_status or '-'}"
