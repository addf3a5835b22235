"""The inbox: every Picqer delivery that passed the guards, stored before it is acknowledged."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import PicqerAccount
from sync.leases import RowLease

from .payloads import Delivery, delivery_read


class WebhookEvent(models.Model):
    """One accepted Picqer delivery and what became of it.

    The row is the unit of work: the view stores it, a task claims it with a conditional UPDATE,
    the sweeper re-publishes what the broker lost. `dedupe_key` is unique, so Picqer's retries
    of the same delivery never become a second row.

    Only a PENDING event is claimed; the claim is a lease that keeps its start in
    `claimed_at` (shared by the events of one batch), and only its holder records an outcome.
    """

    # A claim is never older than its task, which the hard time limit ends; a minute more, so
    # a live worker never loses it, and a dead worker's events run again within ~7 minutes
    # (the sweeper puts expired claims back to PENDING).
    LEASE = RowLease(
        timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60), token="claimed_at", until=None
    )

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

    # State transitions of claimed events, written only while the claim holds them. The
    # class methods take events of one claim (a batch), in one UPDATE.

    @classmethod
    def held(cls, events: list[WebhookEvent]) -> models.QuerySet:
        """The rows of `events` while their claim still holds them (a lease that expired and
        was taken over by another worker is not ours to close or describe)."""
        processing = cls.objects.filter(
            pk__in=[event.pk for event in events], state=cls.State.PROCESSING
        )
        return cls.LEASE.held(processing, events[0].claimed_at)

    @classmethod
    def finished(cls, events: list[WebhookEvent], *, state: str, result: str) -> int:
        """Done or ignored, with the handler's `result`. Returns how many were recorded."""
        return cls.held(events).update(
            state=state,
            result=result,
            last_error="",
            next_attempt_at=None,
            processed_at=timezone.now(),
        )

    @classmethod
    def handed_back(cls, events: list[WebhookEvent]) -> int:
        """Claimed but never started: pending again, due now, without using an attempt."""
        return cls.LEASE.release(
            cls.objects.filter(pk__in=[event.pk for event in events], state=cls.State.PROCESSING),
            events[0].claimed_at,
            state=cls.State.PENDING,
            attempts=F("attempts") - 1,
            available_at=timezone.now(),
        )

    def failed(self, reason: str) -> bool:
        """Failed for good (the operator can process it again). False when the claim is lost."""
        return bool(
            WebhookEvent.held([self]).update(
                state=self.State.FAILED,
                last_error=reason,
                next_attempt_at=None,
                processed_at=timezone.now(),
            )
        )

    @property
    def delivery(self) -> Delivery:
        """The stored body, parsed and judged (webhooks.payloads.delivery_read)."""
        return delivery_read(bytes(self.body))

    @property
    def payload(self) -> dict | None:
        """The parsed payload, or None when the body is not a readable JSON object."""
        return self.delivery.payload
