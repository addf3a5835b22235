"""Retries visible where the operator looks (docs/sources.md#design-failures-visible): on the record
that waits (its reason, the time of the next attempt and the attempt count) and as one
warning line in the activity log per retry, never one per HTTP call.

One idiom for every subject that retries (an order link, a webhook event, a full sync run, a
per-product stock write): the retrying code calls `retry_record` once, just before it
schedules the next attempt; the record clears its reason when the work succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sync.activity import activity_log
from sync.http.errors import ApiError

REASON_MAX_CHARS = 1000


def retry_reason(exc: BaseException) -> str:
    """The operator's words for why a try failed. The typed API errors are worded for the
    operator and carry no secret (the client base scrubs keys and Authorization values out of
    every message before it raises); anything else is named by its kind."""
    if isinstance(exc, ApiError):
        text = str(exc)
    elif isinstance(exc, SoftTimeLimitExceeded):
        text = "the work ran past its time limit"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:REASON_MAX_CHARS]


def retry_due(countdown: float, *, now: datetime | None = None) -> datetime:
    """When a retry scheduled `countdown` seconds from now is due."""
    return (now or timezone.now()) + timedelta(seconds=countdown)


def clock(moment: datetime) -> str:
    """A time of day in TIME_ZONE, with seconds (retries are seconds to minutes apart)."""
    return timezone.localtime(moment).strftime("%H:%M:%S")


def retry_line(
    subject: str, *, reason: str, next_attempt_at: datetime, attempt: int, max_attempts: int
) -> str:
    """The activity-log line of one retry, e.g. "Order DEV #5 / KHWLILZLL: Picqer: Internal
    Server Error (HTTP 500); next try at 14:02:31 (attempt 3 of 9 failed)". Stored in the
    log, so written in English like every activity message."""
    return (
        f"{subject}: {reason}; next try at {clock(next_attempt_at)} "
        f"(attempt {attempt} of {max_attempts} failed)"
    )


def retry_record(
    subject: str,
    *,
    reason: str,
    next_attempt_at: datetime,
    attempt: int,
    max_attempts: int,
    action: str,
    rows: QuerySet | None = None,
    attempts_field: str = "attempts",
    update: Mapping[str, Any] | None = None,
    **log_fields: Any,
) -> bool:
    """Record one retry of `subject` (the operator's name for it, e.g. "Order DEV #5 / X").

    `rows` (a queryset of the waiting record, filtered as narrowly as the caller's claim
    needs) get `last_error`, `next_attempt_at` and `attempts_field` in one UPDATE, plus any
    `update` fields; then one warning goes to the activity log with `log_fields` (account,
    shop, ps_order_id, ...). Work without a record of its own (a per-product stock write)
    passes no rows and gets the warning only. Returns False, logging nothing, when `rows`
    matched nothing (the work is no longer ours to describe)."""
    reason = reason[:REASON_MAX_CHARS]
    if rows is not None and not rows.update(
        last_error=reason,
        next_attempt_at=next_attempt_at,
        **{attempts_field: attempt},
        **(update or {}),
    ):
        return False
    activity_log(
        action=action,
        level="warning",
        message=retry_line(
            subject,
            reason=reason,
            next_attempt_at=next_attempt_at,
            attempt=attempt,
            max_attempts=max_attempts,
        ),
        details={
            **log_fields.pop("details", {}),
            "reason": reason,
            "next_attempt_at": next_attempt_at.isoformat(),
            "attempt": attempt,
            "max_attempts": max_attempts,
        },
        **log_fields,
    )
    return True


def retry_due_text(
    reason: str, next_attempt_at: datetime | None, *, now: datetime | None = None
) -> str:
    """A record's reason for a list column: "<reason>; next try at HH:MM:SS" while a retry
    is scheduled ("retry was due at" once that time has passed), else the reason alone."""
    if next_attempt_at is None or not reason:
        return reason
    if next_attempt_at > (now or timezone.now()):
        text = _("%(reason)s; next try at %(time)s")
    else:
        text = _("%(reason)s; retry was due at %(time)s")
    return text % {"reason": reason, "time": clock(next_attempt_at)}


def retry_waiting_text(reason: str, next_attempt_at: datetime) -> str:
    """A waiting record's status line: "waiting to retry: <reason>, next attempt at …"."""
    return _("waiting to retry: %(reason)s, next attempt at %(time)s") % {
        "reason": reason,
        "time": clock(next_attempt_at),
    }
