"""Receiving Picqer deliveries: the guard ladder, the inbox insert, the publish.

Order of the guards (sentry's ladder): who is it for (404), is it too big (413), is it really
from Picqer (401, on the raw bytes, before any parsing). Nothing that fails a guard is written
to the database. Every validly signed body is stored as received (webhooks/payloads.py): a
readable one is committed and only then published to the broker (a broker failure costs
latency of processing, never the event); an unreadable one is stored already ignored, with
the reason on the row, and acknowledged, so Picqer does not retry it into a deactivated hook.

What the receiver needs of an account (its id and hook secret) is cached per process.
Reading and decrypting the account on every delivery was a fifth of the receiver's CPU and a
database round trip (docs/benchmarks.md, Webhooks). Accounts are few and rarely change, so
each web process keeps them for `CACHE_SECONDS`:

- a signature that fails against the cached secret is checked once more against a fresh
  read, so a rotated secret works at once;
- a saved or deleted account clears this process's cache at once (signals in apps.py);
  other processes may accept the *previous* secret for up to `CACHE_SECONDS` after a
  rotation. Harmless by design: a delivery only names an id, and every handler re-reads
  that object from Picqer before acting on it.
- unknown keys are never cached, so random keys cannot grow the cache.

Signatures: docs/sources.md#picqer-webhook-signature.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from prestapicqer.models import PicqerAccount
from sync.jobs import job_publish
from sync.leases import CacheFlag
from sync.picqer.signatures import picqer_signature

from .models import WebhookEvent
from .payloads import dedupe_key_for, delivery_read, object_ref_from_payload

logger = logging.getLogger("webhooks.picqer")


@dataclass(frozen=True)
class Receipt:
    """What the view answers: an HTTP status and a stable outcome name."""

    status: int
    outcome: str


def webhook_receive(
    *,
    webhook_key: UUID,
    content_length: str | None,
    read_body: Callable[[int], bytes],
    signature: str | None,
) -> Receipt:
    """Run the guard ladder on one delivery and store it if it passes. `read_body(n)` reads
    at most n bytes of the request body; it is only called for a known account."""
    try:
        return _receive(
            webhook_key=webhook_key,
            content_length=content_length,
            read_body=read_body,
            signature=signature,
        )
    except DatabaseError:
        return _database_unavailable()


def _receive(
    *,
    webhook_key: UUID,
    content_length: str | None,
    read_body: Callable[[int], bytes],
    signature: str | None,
) -> Receipt:
    account = webhook_account_get(webhook_key)
    if account is None:
        return _refuse(404, "unknown_account", webhook_key=webhook_key)
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if _declared_length(content_length) > limit:
        return _refuse(413, "body_too_large", account=account.pk)
    raw_body = read_body(limit + 1)  # one byte more than allowed tells "too big" from "fits"
    if len(raw_body) > limit:
        return _refuse(413, "body_too_large", account=account.pk)
    if not signature:
        return _refuse(401, "missing_signature", account=account.pk)
    signed = _signed_by(account, raw_body=raw_body, signature=signature)
    if not signed and account.cached:
        # The cached secret may have been rotated since: judge by the stored one.
        account = webhook_account_get(webhook_key, fresh=True)
        if account is None:
            return _refuse(404, "unknown_account", webhook_key=webhook_key)
        signed = _signed_by(account, raw_body=raw_body, signature=signature)
    if not signed:
        return _refuse(401, "invalid_signature", account=account.pk)
    return webhook_event_store(account_id=account.pk, raw_body=raw_body)


def _database_unavailable() -> Receipt:
    # The one case where we want Picqer to retry: we could not make the event durable.
    logger.error("webhooks.picqer.database_unavailable")
    return Receipt(503, "database_unavailable")


def _refuse(status: int, outcome: str, **context: Any) -> Receipt:
    details = " ".join(f"{name}={value}" for name, value in context.items())
    logger.warning("webhooks.picqer.%s %s", outcome, details)
    return Receipt(status, outcome)


def _declared_length(content_length: str | None) -> int:
    try:
        return int(content_length or 0)
    except ValueError:
        return 0  # unreadable header: the real length below still applies


# Who is it for: the account, cached per process (see above).
CACHE_SECONDS = 30.0

_cache: dict[UUID, tuple[float, WebhookAccount]] = {}


@dataclass(frozen=True)
class WebhookAccount:
    pk: int
    webhook_secret: str = field(repr=False)  # never in a traceback or a log
    cached: bool = False  # served from the cache (then a failed signature is worth a re-read)


def webhook_account_get(webhook_key: UUID, *, fresh: bool = False) -> WebhookAccount | None:
    """The account whose webhook URL carries `webhook_key`, or None. Raises DatabaseError."""
    now = time.monotonic()
    hit = None if fresh else _cache.get(webhook_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = (
        PicqerAccount.objects.filter(webhook_key=webhook_key)
        .values_list("pk", "webhook_secret")
        .order_by()
        .first()
    )
    if row is None:
        _cache.pop(webhook_key, None)
        return None
    _cache[webhook_key] = (now + CACHE_SECONDS, WebhookAccount(*row, cached=True))
    return WebhookAccount(*row)


def webhook_accounts_forget(**_signal_kwargs: object) -> None:
    """Drop every cached account (connected to PicqerAccount's post_save and post_delete)."""
    _cache.clear()


# Is it really from Picqer.
def _signed_by(account: WebhookAccount, *, raw_body: bytes, signature: str) -> bool:
    return picqer_signature_is_valid(
        raw_body=raw_body, header=signature, secret=account.webhook_secret
    )


def picqer_signature_is_valid(*, raw_body: bytes, header: str | None, secret: str) -> bool:
    """True when `header` is the signature of exactly these bytes. An empty secret never
    validates: Picqer sends no signature for hooks without a secret, so such hooks are refused."""
    if not header or not secret:
        return False
    expected = picqer_signature(raw_body=raw_body, secret=secret)
    # Constant time: the comparison must not leak how many leading characters matched.
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8", "replace"))


# Store, then wake the worker.
def _savepoint_if_in_transaction() -> AbstractContextManager:
    """Outside a transaction the INSERT is atomic on its own: one round trip, no BEGIN and
    COMMIT (the receiver's hot path). Inside a caller's transaction (the test suite, a
    management command) a savepoint keeps a duplicate key from aborting that transaction."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def webhook_event_store(*, account_id: int, raw_body: bytes) -> Receipt:
    """Insert the event once (a duplicate delivery is acknowledged without a second row) and
    publish it after the commit, so the worker can never look for a row not yet visible.
    A delivery that is not to be processed is inserted already ignored: one INSERT either way."""
    delivery = delivery_read(raw_body)
    dedupe_key = dedupe_key_for(account_id=account_id, payload=delivery.payload, raw=raw_body)
    finished = (
        {
            "state": WebhookEvent.State.IGNORED,
            "result": delivery.ignored[:1000],
            "processed_at": timezone.now(),
        }
        if delivery.ignored
        else {}
    )
    try:
        with _savepoint_if_in_transaction():
            event = WebhookEvent.objects.create(
                account_id=account_id,
                event=delivery.event,
                dedupe_key=dedupe_key,
                object_ref=object_ref_from_payload(delivery.payload),
                body=raw_body,
                **finished,
            )
    except IntegrityError:
        if not WebhookEvent.objects.filter(dedupe_key=dedupe_key).exists():
            # Not a duplicate, so the foreign key failed: the account was deleted after this
            # process cached it.
            webhook_accounts_forget()
            return _refuse(404, "unknown_account", account=account_id)
        logger.info(
            "webhooks.picqer.duplicate account=%s event=%s dedupe_key=%s",
            account_id,
            delivery.event,
            dedupe_key,
        )
        return Receipt(200, "duplicate")
    if delivery.ignored:
        logger.warning(
            "webhooks.picqer.stored_ignored account=%s event_id=%s reason=%s",
            account_id,
            event.pk,
            delivery.ignored,
        )
        return Receipt(200, "stored_ignored")
    transaction.on_commit(webhook_events_wake)
    logger.info(
        "webhooks.picqer.stored account=%s event=%s event_id=%s", account_id, event.event, event.pk
    )
    return Receipt(200, "stored")


# A burst of deliveries shares one broker message (see webhook_events_wake).
DRAIN_SCHEDULED_KEY = "webhooks:drain-scheduled"
DRAIN_SCHEDULED_SECONDS = 10
DRAIN_SCHEDULED = CacheFlag(DRAIN_SCHEDULED_KEY, DRAIN_SCHEDULED_SECONDS)


# The inbox's tasks by name (webhooks/tasks.py imports the processing that imports this
# module, so it cannot be imported here; sync/jobs.py explains publishing by name).
WEBHOOK_EVENT_PROCESS = "webhooks.tasks.webhook_event_process"
WEBHOOK_EVENTS_DRAIN = "webhooks.tasks.webhook_events_drain"


def _publish(send: Callable[[], object], what: str) -> bool:
    """Hand a message to the broker. Never raises: the rows are already durable and the
    sweeper publishes anything left pending, so a dead broker must not fail the caller."""
    try:
        send()
    except Exception as exc:  # noqa: BLE001 - any broker failure means "publish later"
        # The class name only: broker errors can embed the broker URL and its password.
        logger.error("webhooks.picqer.publish_failed %s error=%s", what, type(exc).__name__)
        return False
    return True


def webhook_event_publish(*, event_id: int, countdown: float | None = None) -> bool:
    """Queue one event for processing (sweeper, admin "process again", retries)."""
    return _publish(
        lambda: job_publish(WEBHOOK_EVENT_PROCESS, event_id, countdown=countdown),
        f"event_id={event_id}",
    )


def webhook_events_wake() -> bool:
    """Make sure a drain of the inbox is on its way; called after each receiver commit.

    The first delivery of a burst sets a flag and publishes one drain task; the others see
    the flag and publish nothing. The drain clears the flag *before* it reads the inbox, so
    an event committed while the flag is set is always read by that drain (and one committed
    after the clear publishes a new drain). One message per burst instead of one per event
    keeps the acknowledgement cheap (docs/benchmarks.md, Webhooks)."""
    try:
        if not DRAIN_SCHEDULED.raise_():
            return True
    except Exception as exc:  # noqa: BLE001 - cache down: publish anyway, a spare drain is harmless
        logger.warning("webhooks.picqer.wake_flag_unavailable error=%s", type(exc).__name__)
    if _publish(lambda: job_publish(WEBHOOK_EVENTS_DRAIN), "drain"):
        return True
    # Nothing is on its way: the next delivery must try again, not trust the flag. (With the
    # cache down as well, no flag was set.)
    with suppress(Exception):
        DRAIN_SCHEDULED.lower()
    return False


# The admin's "process again".
def webhook_events_requeue(*, event_ids: list[int]) -> int:
    """Put events back in the queue with a fresh attempt budget (admin "process again").
    Events being processed right now are left alone. Returns how many were queued."""
    with transaction.atomic():
        queryset = WebhookEvent.objects.filter(pk__in=event_ids).exclude(
            state=WebhookEvent.State.PROCESSING
        )
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(
            state=WebhookEvent.State.PENDING,
            attempts=0,
            last_error="",
            claimed_at=None,
            available_at=timezone.now(),
            next_attempt_at=None,
        )
        for event_id in ids:
            transaction.on_commit(partial(webhook_event_publish, event_id=event_id))
    return len(ids)
