"""Working the inbox: claim an event, dispatch it, record the outcome; sweep what got lost.

Every step is a conditional UPDATE on the row (healthchecks' sendalerts pattern), so a
duplicate task message, a sweeper re-publish and an admin "process again" can race freely:
only one of them wins the claim, and only the holder of the claim may record the outcome.

Which sync service a Picqer event leads to (docs/sources.md#picqer-webhook-payload): each
handler takes the ids of the delivery's `data` (`sync.picqer.records.DeliveryData`) and calls
one sync service, which re-reads the current object from Picqer: payload values are never
trusted beyond the id, so a replayed or out-of-order delivery cannot push stale data. A
handler returns its Outcome; what may pass (a RetryableError) and what is refused (another
ApiError) it raises, for the inbox to retry or fail the event.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from prestapicqer.models import PicqerAccount
from sync.activity import activity_log
from sync.backoff import BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS, retry_countdown  # noqa: F401
from sync.http.errors import ApiError, RetryableError
from sync.picqer.records import delivery_data_parse
from sync.services.order_status import order_status_sync
from sync.services.product_index import product_index_product_changed
from sync.services.retries import retry_due, retry_reason, retry_record
from sync.services.stock import stock_product_changed

from .models import WebhookEvent
from .receiver import DRAIN_SCHEDULED, webhook_event_publish, webhook_events_wake

logger = logging.getLogger("webhooks.processing")

State = WebhookEvent.State
MAX_ATTEMPTS = 8
PENDING_GRACE = timedelta(seconds=60)
# After a re-publish, wait this long before publishing the same row again: a long broker
# backlog must not fill up with one more copy of every pending event each minute.
REPUBLISH_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
# A drain claims this many due events at once. Large enough that claiming and recording cost
# little per event; small enough that a backlog of slow events still spreads over the
# worker's slots (each full batch wakes a helper drain).
DRAIN_BATCH = 20
# A drain hands over to a fresh task after this long, well inside the task time limits.
DRAIN_BUDGET_SECONDS = 60
# An idle drain waits this long for more deliveries before it ends (polling every 0.1 s).
DRAIN_LINGER_SECONDS = 1.0
DRAIN_IDLE_POLL_SECONDS = 0.1
ERROR_MAX_CHARS = 1000


def _claim(*, event_id: int, now: datetime) -> WebhookEvent | None:
    # Only PENDING is claimable: a stray duplicate message must not re-run a FAILED event
    # (and log its failure again); "process again" in the admin moves FAILED back to PENDING.
    claimed = WebhookEvent.LEASE.take(
        WebhookEvent.objects.filter(pk=event_id, state=State.PENDING),
        now=now,
        state=State.PROCESSING,
        attempts=F("attempts") + 1,
    )
    if claimed is None:
        return None
    return WebhookEvent.objects.select_related("account").get(pk=event_id)


def _fail(event: WebhookEvent, reason: str) -> None:
    reason = reason[:ERROR_MAX_CHARS]
    if not event.failed(reason):
        return
    logger.error("webhooks.event.failed event_id=%s event=%s", event.pk, event.event)
    activity_log(
        action="webhook_failed",
        level="error",
        account=event.account,
        message=f"{_subject(event)} failed: {reason}",
        details={"webhook_event_id": event.pk, "attempts": event.attempts},
    )


def _subject(event: WebhookEvent) -> str:
    return f"Picqer {event.event} ({event.object_ref or 'no id'})"


def _retry_later(event: WebhookEvent, exc: BaseException) -> float | None:
    reason = retry_reason(exc)
    if event.attempts >= MAX_ATTEMPTS:
        _fail(event, f"gave up after {event.attempts} attempts: {reason}")
        return None
    countdown = retry_countdown(
        attempts=event.attempts, retry_after=getattr(exc, "retry_after", None)
    )
    due = retry_due(countdown)
    retry_record(
        _subject(event),
        reason=reason,
        next_attempt_at=due,
        attempt=event.attempts,
        max_attempts=MAX_ATTEMPTS,
        action="webhook_retry",
        rows=WebhookEvent.held([event]),
        update={"state": State.PENDING, "claimed_at": None, "available_at": due},
        account=event.account,
        details={"webhook_event_id": event.pk},
    )
    logger.warning(
        "webhooks.event.retry event_id=%s event=%s attempt=%s countdown=%.0f",
        event.pk,
        event.event,
        event.attempts,
        countdown,
    )
    return countdown


def webhook_event_run(*, event_id: int) -> float | None:
    """Process one stored event at most once at a time. Returns a countdown in seconds when
    the event was put back for a retry, else None (done, ignored, failed, or not ours)."""
    event = _claim(event_id=event_id, now=timezone.now())
    if event is None:
        logger.info("webhooks.event.claim_lost event_id=%s", event_id)
        return None
    finished = _FinishedBatch()  # a batch of one
    try:
        return _run_claimed(event, finish=finished.add)
    finally:
        finished.record()


def _run_claimed(
    event: WebhookEvent, *, finish: Callable[[WebhookEvent, str, str], None]
) -> float | None:
    """Run the handler; done and ignored outcomes go to `finish`, retries and failures are
    recorded here."""
    if event.attempts > MAX_ATTEMPTS:
        # A run that kept killing its worker: do not run it again (no redelivery loop).
        _fail(event, f"gave up after {MAX_ATTEMPTS} attempts (worker lost)")
        return None
    delivery = event.delivery  # judged again: "process again" must not run an unreadable body
    if delivery.ignored:
        finish(event, State.IGNORED, delivery.ignored)
        return None
    handler = handler_for(event.event)
    if handler is None:
        finish(event, State.IGNORED, f"no handler for event {event.event}")
        return None
    try:
        outcome = handler(account=event.account, payload=delivery.payload)
    except (RetryableError, SoftTimeLimitExceeded) as exc:
        return _retry_later(event, exc)
    except ApiError as exc:
        _fail(event, retry_reason(exc))
    except Exception as exc:  # a bug must mark the row failed, not vanish in a log
        logger.exception("webhooks.event.crashed event_id=%s event=%s", event.pk, event.event)
        _fail(event, f"{type(exc).__name__}: {exc}")
    else:
        finish(event, State.IGNORED if outcome.ignored else State.DONE, outcome.text)
    return None


def webhook_events_drain(
    *, budget_seconds: float = DRAIN_BUDGET_SECONDS, linger_seconds: float = DRAIN_LINGER_SECONDS
) -> int:
    """Process every pending event that is due, oldest first. Returns how many were run.

    Under a steady stream one drain keeps running instead of one task per delivery: it claims
    what arrived, runs it, and waits a moment for more (holding the wake-up flag, so
    deliveries publish nothing), ending after `linger_seconds` without work. Several drains
    may run at once (a full batch wakes a helper, so a backlog spreads over the worker's
    slots): each event is still claimed by exactly one of them. An event put back for a
    retry is scheduled on its own with its countdown."""
    deadline, processed, idle = time.monotonic() + budget_seconds, 0, 0.0
    DRAIN_SCHEDULED.lower()  # before reading: see webhook_events_wake
    while time.monotonic() < deadline:
        batch = _claim_due()
        if not batch and idle >= linger_seconds:
            DRAIN_SCHEDULED.lower()  # then one last read: nothing can slip past
            batch = _claim_due()
            if not batch:
                return processed
        idle = 0.0 if batch else idle + DRAIN_IDLE_POLL_SECONDS
        if len(batch) == DRAIN_BATCH:
            _drain_publish()  # a backlog: another worker slot may help
        processed += _run_batch(batch, deadline=deadline)
        if len(batch) < DRAIN_BATCH:
            # Let deliveries gather: one claim per batch of them, not one per event.
            DRAIN_SCHEDULED.keep()  # we are still here
            time.sleep(DRAIN_IDLE_POLL_SECONDS)
    _drain_publish()  # out of time: hand over to a fresh task
    return processed


def _drain_publish() -> None:
    """Publish another drain now. The flag this drain holds would make the wake-up a no-op,
    so it is cleared first (a spare drain is harmless; a missing one delays deliveries)."""
    DRAIN_SCHEDULED.lower()
    webhook_events_wake()


def _claim_due() -> list[WebhookEvent]:
    """Claim up to DRAIN_BATCH due events, oldest first, under one claim. SKIP LOCKED lets
    concurrent drains take different rows without waiting for each other (SQLite has no row
    locks; its write lock serializes the claims instead)."""
    now = timezone.now()
    events = WebhookEvent.LEASE.take_batch(
        WebhookEvent.objects.filter(state=State.PENDING, available_at__lte=now).order_by("pk"),
        limit=DRAIN_BATCH,
        now=now,
        state=State.PROCESSING,
        attempts=F("attempts") + 1,
    )
    if not events:
        return []
    # Each batch reads its accounts afresh, with their shops (which the handlers look at):
    # two queries per batch instead of two per event, and never older than the batch.
    accounts = PicqerAccount.objects.prefetch_related("shops").in_bulk(
        {event.account_id for event in events}
    )
    for event in events:
        event.state, event.attempts = State.PROCESSING, event.attempts + 1
        event.account = accounts.get(event.account_id)
    # An account deleted since the claim takes its events with it (cascade): skip them.
    return [event for event in events if event.account is not None]


def _run_batch(batch: list[WebhookEvent], *, deadline: float) -> int:
    """Run a claimed batch; events not started by the deadline are handed back, so a claim
    never outlives the lease. Returns how many ran."""
    finished = _FinishedBatch()
    ran, running = 0, None
    try:
        for event in batch:
            if time.monotonic() >= deadline:
                break
            running = event
            countdown = _run_claimed(event, finish=finished.add)
            running = None
            if countdown is not None:
                webhook_event_publish(event_id=event.pk, countdown=countdown)
            ran += 1
    finally:
        # Whatever happened: record what finished, hand back what never started. An event
        # that was running when something escaped stays claimed; its lease decides.
        finished.record()
        _release([event for event in batch[ran:] if event is not running])
    return ran


def _release(events: list[WebhookEvent]) -> None:
    """Hand claimed but unstarted events of one batch back (they used no attempt)."""
    if events:
        WebhookEvent.handed_back(events)


class _FinishedBatch:
    """The done and ignored outcomes of one batch, written together at its end: one UPDATE
    per distinct outcome instead of one per event. Should the worker die before, the rows
    stay claimed and run again once the lease expires (every handler is idempotent)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[WebhookEvent]] = defaultdict(list)

    def add(self, event: WebhookEvent, state: str, result: str) -> None:
        self._groups[(state, result[:ERROR_MAX_CHARS])].append(event)

    def record(self) -> None:
        for (state, result), events in self._groups.items():
            # The batch shares one claim; rows whose lease was taken over are skipped.
            recorded = WebhookEvent.finished(events, state=state, result=result)
            for event in events:
                logger.info("webhooks.event.%s event_id=%s event=%s", state, event.pk, event.event)
            if recorded < len(events):
                logger.warning(
                    "webhooks.event.lease_lost %s of %s outcomes not recorded",
                    len(events) - recorded,
                    len(events),
                )
        self._groups.clear()


def webhook_events_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover what the broker or a worker lost: release expired processing leases, publish
    events pending past the grace period, purge old finished rows. Returns the counts."""
    now = now or timezone.now()
    released = WebhookEvent.objects.filter(
        WebhookEvent.LEASE.expired(now), state=State.PROCESSING
    ).update(state=State.PENDING, claimed_at=None, available_at=now - PENDING_GRACE)
    due = list(
        WebhookEvent.objects.filter(state=State.PENDING, available_at__lte=now - PENDING_GRACE)
        .order_by("available_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    published = []
    for event_id in due:
        if not webhook_event_publish(event_id=event_id):
            break  # broker still down: the next sweep tries again
        published.append(event_id)
    WebhookEvent.objects.filter(pk__in=published).update(available_at=now + REPUBLISH_AFTER)
    retention = timedelta(days=settings.WEBHOOK_EVENT_RETENTION_DAYS)
    purged, _ = WebhookEvent.objects.filter(
        state__in=[State.DONE, State.IGNORED], received_at__lt=now - retention
    ).delete()
    counts = {"released": released, "published": len(published), "due": len(due), "purged": purged}
    if released or due:
        logger.warning("webhooks.sweep %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


# The sync services answer "ignored: <reason>" when a valid delivery needs no work.
IGNORED_PREFIX = "ignored"


@dataclass(frozen=True)
class Outcome:
    """What a handler did, in the operator's words (the event's result); `ignored` when the
    delivery needed no work."""

    text: str
    ignored: bool = False

    @classmethod
    def of(cls, result: str | None) -> "Outcome":
        """The outcome a sync service's answer stands for."""
        text = result or ""
        return cls(text, ignored=text.startswith(IGNORED_PREFIX))


Handler = Callable[..., Outcome]


def order_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """An order's status changed (or, from a shipments hook an operator added in Picqer, it
    got a shipment): let the order status sync decide. It reads tracking itself."""
    data = delivery_data_parse(payload)
    if data.idorder is None:
        return Outcome(data.idorder_problem, ignored=True)
    return Outcome.of(order_status_sync(account=account, idorder=data.idorder))


def product_stock_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product's stock changed in Picqer: sync that product (or the catalogue) to the shops."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        return Outcome(data.idproduct_problem, ignored=True)
    return Outcome.of(stock_product_changed(account=account, idproduct=data.idproduct))


def product_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product was created or edited in Picqer (its code may have changed): refresh the
    account's product index, which the order push resolves its lines from."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        return Outcome(data.idproduct_problem, ignored=True)
    return Outcome.of(product_index_product_changed(account=account, idproduct=data.idproduct))


# Every order event that can mean "the Picqer status is different now". They all lead to the
# same idempotent sync, so receiving several for one change costs a re-read, not a double write.
HANDLERS: dict[str, Handler] = {
    "orders.status_changed": order_changed,
    "orders.completed": order_changed,
    "orders.closed": order_changed,
    "orders.paused": order_changed,
    "orders.resumed": order_changed,
    # PrestaPicqer registers no shipments hook (sync.services.hooks): the status sync reads
    # the shipments itself. One an operator adds leads to the same idempotent sync.
    "picklists.shipments.created": order_changed,
    "products.free_stock_changed": product_stock_changed,
    "products.stock_changed": product_stock_changed,
    "products.assembled_stock_changed": product_stock_changed,
    "products.created": product_changed,
    "products.changed": product_changed,
}


def handler_for(event: str) -> Handler | None:
    """The handler registered for `event`, or None when the event needs no work."""
    return HANDLERS.get(event)
