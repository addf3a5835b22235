"""What the receiver needs of an account (its id and hook secret), cached per process.

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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from uuid import UUID

from prestapicqer.models import PicqerAccount

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
