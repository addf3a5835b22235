"""Receiving Picqer deliveries: the guard ladder, the inbox insert, the publish.

Order of the guards (sentry's ladder): who is it for (404), is it too big (413), is it really
from Picqer (401, on the raw bytes, before any parsing), is it readable (400). Nothing that
fails a guard is written to the database. What passes is stored, committed, and only then
published to the broker; a broker failure costs latency of processing, never the event.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from .accounts import WebhookAccount, webhook_account_get, webhook_accounts_forget
from .models import WebhookEvent
from .signatures import picqer_signature_is_valid

logger = logging.getLogger("webhooks.picqer")

# Most specific first: a picklist payload also carries idorder, but two picklists of one
# order must not share a key.
OBJECT_ID_KEYS = ("idshipment", "idpicklist", "idorder", "idproduct", "idreturn", "idreceipt")


@dataclass(frozen=True)
class Receipt:
    """What the view answers: an HTTP status and a stable outcome name."""

    status: int
    outcome: str


def _refuse(status: int, outcome: str, **context: Any) -> Receipt:
    details = " ".join(f"{name}={value}" for name, value in context.items())
    logger.warning("webhooks.picqer.%s %s", outcome, details)
    return Receipt(status, outcome)


def _declared_length(content_length: str | None) -> int:
    try:
        return int(content_length or 0)
    except ValueError:
        return 0  # unreadable header: the real length below still applies


def _parse(raw_body: bytes) -> dict | None:
    """The JSON envelope, or None when it is not an object with a usable `event` name."""
    try:
        payload = json.loads(raw_body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both derive from it
        return None
    if not isinstance(payload, dict):
        return None
    event = payload.get("event")
    if not isinstance(event, str) or not 0 < len(event) <= 100:
        return None
    return payload


def object_ref_from_payload(payload: dict) -> str:
    """`"idorder=123"`-style reference to the resource a delivery is about, or ""."""
    data = payload.get("data")
    if not isinstance(data, dict):
        return ""
    for key in OBJECT_ID_KEYS:
        value = data.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return f"{key}={value}"[:64]
    return ""


def dedupe_key_for(*, account_id: int, payload: dict) -> str:
    """Picqer sends no delivery id (picqer-api.md §6.3); a retry repeats the same payload.
    The key is a hash of the canonical payload (sorted keys, so formatting cannot matter):
    the envelope alone is not enough, because `event_triggered_at` has one-second resolution
    and two real status changes of one order within a second (processing, then completed)
    would collide and the second would be dropped. The account is part of the key so two
    accounts can never collide."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    material = f"{account_id}|{canonical}".encode()
    return hashlib.sha256(material).hexdigest()


# A burst of deliveries shares one broker message (see webhook_events_wake).
DRAIN_SCHEDULED_KEY = "webhooks:drain-scheduled"
DRAIN_SCHEDULED_SECONDS = 10


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
    from .tasks import webhook_event_process as webhook_event_process_task

    return _publish(lambda: webhook_event_process_task.apply_async((event_id,),
                                                                   countdown=countdown),
                    f"event_id={event_id}")


def webhook_events_wake() -> bool:
    """Make sure a drain of the inbox is on its way; called after each receiver commit.

    The first delivery of a burst sets a flag and publishes one drain task; the others see
    the flag and publish nothing. The drain clears the flag *before* it reads the inbox, so
    an event committed while the flag is set is always read by that drain (and one committed
    after the clear publishes a new drain). One message per burst instead of one per event
    keeps the acknowledgement cheap (docs/benchmarks.md, Webhooks)."""
    from .tasks import webhook_events_drain as webhook_events_drain_task

    try:
        if not cache.add(DRAIN_SCHEDULED_KEY, 1, DRAIN_SCHEDULED_SECONDS):
            return True
    except Exception as exc:  # noqa: BLE001 - cache down: publish anyway, a spare drain is harmless
        logger.warning("webhooks.picqer.wake_flag_unavailable error=%s", type(exc).__name__)
    if _publish(webhook_events_drain_task.delay, "drain"):
        return True
    # Nothing is on its way: the next delivery must try again, not trust the flag. (With the
    # cache down as well, no flag was set.)
    with suppress(Exception):
        cache.delete(DRAIN_SCHEDULED_KEY)
    return False


def _savepoint_if_in_transaction() -> AbstractContextManager:
    """Outside a transaction the INSERT is atomic on its own: one round trip, no BEGIN and
    COMMIT (the receiver's hot path). Inside a caller's transaction (the test suite, a
    management command) a savepoint keeps a duplicate key from aborting that transaction."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def webhook_event_store(*, account_id: int, payload: dict) -> Receipt:
    """Insert the event once (a duplicate delivery is acknowledged without a second row) and
    publish it after the commit, so the worker can never look for a row not yet visible."""
    dedupe_key = dedupe_key_for(account_id=account_id, payload=payload)
    try:
        with _savepoint_if_in_transaction():
            event = WebhookEvent.objects.create(
                account_id=account_id, event=payload["event"], dedupe_key=dedupe_key,
                object_ref=object_ref_from_payload(payload), payload=payload,
            )
    except IntegrityError:
        if not WebhookEvent.objects.filter(dedupe_key=dedupe_key).exists():
            # Not a duplicate, so the foreign key failed: the account was deleted after this
            # process cached it.
            webhook_accounts_forget()
            return _refuse(404, "unknown_account", account=account_id)
        logger.info("webhooks.picqer.duplicate account=%s event=%s dedupe_key=%s",
                    account_id, payload["event"], dedupe_key)
        return Receipt(200, "duplicate")
    transaction.on_commit(webhook_events_wake)
    logger.info("webhooks.picqer.stored account=%s event=%s event_id=%s",
                account_id, event.event, event.pk)
    return Receipt(200, "stored")


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
        return _receive(webhook_key=webhook_key, content_length=content_length,
                        read_body=read_body, signature=signature)
    except DatabaseError:
        return _database_unavailable()


def _receive(*, webhook_key: UUID, content_length: str | None,
             read_body: Callable[[int], bytes], signature: str | None) -> Receipt:
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
    payload = _parse(raw_body)
    if payload is None:
        return _refuse(400, "malformed_payload", account=account.pk)
    return webhook_event_store(account_id=account.pk, payload=payload)


def _signed_by(account: WebhookAccount, *, raw_body: bytes, signature: str) -> bool:
    return picqer_signature_is_valid(raw_body=raw_body, header=signature,
                                     secret=account.webhook_secret)


def _database_unavailable() -> Receipt:
    # The one case where we want Picqer to retry: we could not make the event durable.
    logger.error("webhooks.picqer.database_unavailable")
    return Receipt(503, "database_unavailable")


def webhook_events_requeue(*, event_ids: list[int]) -> int:
    """Put events back in the queue with a fresh attempt budget (admin "process again").
    Events being processed right now are left alone. Returns how many were queued."""
    with transaction.atomic():
        queryset = WebhookEvent.objects.filter(pk__in=event_ids).exclude(
            state=WebhookEvent.State.PROCESSING
        )
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(
            state=WebhookEvent.State.PENDING, attempts=0, last_error="", claimed_at=None,
            available_at=timezone.now(), next_attempt_at=None,
        )
        for event_id in ids:
            transaction.on_commit(partial(webhook_event_publish, event_id=event_id))
    return len(ids)
