"""The inbox: every Picqer delivery that passed the guards, stored before it is acknowledged."""

from django.db import models
from django.utils import timezone

from prestapicqer.models import PicqerAccount


class WebhookEvent(models.Model):
    """One accepted Picqer delivery and what became of it.

    The row is the unit of work: the view stores it, a task claims it with a conditional UPDATE,
    the sweeper re-publishes what the broker lost. `dedupe_key` is unique, so Picqer's retries
    of the same delivery never become a second row.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(
        PicqerAccount, on_delete=models.CASCADE, related_name="webhook_events"
    )
    event = models.CharField(max_length=100, db_index=True)
    dedupe_key = models.CharField(max_length=64, unique=True)
    # The resource the delivery is about, e.g. "idorder=240350427", for admin search.
    object_ref = models.CharField(max_length=64, blank=True, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Earliest time the sweeper may consider the row lost: set to the retry time on backoff.
    available_at = models.DateTimeField(default=timezone.now)
    # Start of the current processing lease; a row stuck in PROCESSING past it is re-queued.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the retry of a failed try is due (`available_at` also moves on a re-publish, so it
    # cannot tell the operator); cleared when the event finishes.
    next_attempt_at = models.DateTimeField("next try at", null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "available_at"])]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} ({self.state})"
