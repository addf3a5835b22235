"""A per-account request budget shared by every process through Django's cache.

Picqer limits requests per account (~500/min, docs/sources.md#picqer-rate-limit), not per worker,
so web, worker and beat draw from one budget: a counter per minute window
(`cache.add` + `cache.incr`; atomic on Redis in production, best effort on the file cache of
the embedded mode) plus a shared "pause until" stamp written when Picqer answers 429, so
every process backs off, not only the one that was refused.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from .errors import ApiRateLimitedError

WINDOW_SECONDS = 60
DEFAULT_MAX_WAIT = 75.0  # long enough to roll into the next window once

# Indirection so tests can replace time without patching the time module globally.
_sleep = time.sleep
_now = time.time


def _window_key(key: str, window: int) -> str:
    return f"ratelimit:{key}:w:{window}"


def _pause_key(key: str) -> str:
    return f"ratelimit:{key}:pause"


def paused_for(key: str) -> float:
    """Seconds left of a shared pause recorded after a 429 (0 when not paused)."""
    until = cache.get(_pause_key(key))
    if not until:
        return 0.0
    return max(0.0, float(until) - _now())


def record_pause(key: str, seconds: float) -> None:
    """Tell every process to send nothing on this budget for `seconds` (Picqer said 429)."""
    until = _now() + max(0.0, seconds)
    current = cache.get(_pause_key(key))
    if current and float(current) >= until:
        return  # someone already recorded a longer pause
    cache.set(_pause_key(key), until, timeout=int(seconds) + 5)


def _take_slot(key: str, limit_per_minute: int) -> float:
    """Try to take one slot in the current window: 0 on success, else seconds to wait."""
    now = _now()
    window = int(now // WINDOW_SECONDS)
    cache_key = _window_key(key, window)
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr: start it again
        cache.add(cache_key, 1, timeout=WINDOW_SECONDS * 2)
        used = 1
    if used <= limit_per_minute:
        return 0.0
    return (window + 1) * WINDOW_SECONDS - now


def acquire(
    key: str, limit_per_minute: int | None = None, *, max_wait: float | None = None
) -> None:
    """Block until one request may be sent on budget `key`.

    Waits (sleeping) for a shared pause to end and for a free slot in the per-minute window.
    Raises ApiRateLimitedError when that would take longer than `max_wait` seconds, so a
    Celery task can retry later instead of holding a worker."""
    limit = limit_per_minute or settings.PICQER_RATE_LIMIT_PER_MINUTE
    max_wait = DEFAULT_MAX_WAIT if max_wait is None else max_wait
    waited = 0.0
    while True:
        wait = paused_for(key) or _take_slot(key, limit)
        if not wait:
            return
        if waited + wait > max_wait:
            raise ApiRateLimitedError(
                f"request budget of {limit}/min in use; try again in {int(wait) + 1} s",
                retry_after=wait,
                service="Picqer",
            )
        _sleep(wait)
        waited += wait


def window_used(key: str) -> int:
    """Requests counted so far in the current minute window of budget `key` (for display)."""
    return int(cache.get(_window_key(key, int(_now() // WINDOW_SECONDS))) or 0)
