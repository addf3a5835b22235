"""The inbox: every Picqer delivery that passed the guards, stored before it is acknowledged."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import PicqerAccount

from .payloads import Delivery, delivery_read


class WebhookEvent(models.Model):
    """One accepted Picqer delivery and what became of it.

    The row is the unit of work: the view stores it, a task claims it with a conditional UPDATE,
    the sweeper re-publishes what the broker lost. `dedupe_key` is unique, so Picqer's retries
    of the same delivery never become a second row.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(
        PicqerAccount, on_delete=models.CASCADE, related_name="webhook_events"
    )
    event = models.CharField(max_length=100, db_index=True)
    dedupe_key = models.CharField(max_length=64, unique=True)
    # The resource the delivery is about, e.g. "idorder=240350427", for admin search.
    object_ref = models.CharField(max_length=64, blank=True, db_index=True)
    # The body exactly as Picqer signed it; see webhooks/payloads.py for why not jsonb.
    body = models.BinaryField()
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
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook inbox")
        indexes = [models.Index(fields=["state", "available_at"])]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} ({self.state})"

    @property
    def delivery(self) -> Delivery:
        """The stored body, parsed and judged (webhooks.payloads.delivery_read)."""
        return delivery_read(bytes(self.body))

    @property
    def payload(self) -> dict | None:
        """The parsed payload, or None when the body is not a readable JSON object."""
        return self.delivery.payload
