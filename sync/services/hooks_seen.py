"""What Picqer last said about an account's hooks, for pages that must never wait on Picqer.

Every read of Picqer's hook list (the configuration screen, the watchdog) records its outcome
here; the cockpit and the alerts read the record with its age instead of calling Picqer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from sync.http.errors import ApiError

_KEY = "sync:hooks-seen:{}"
# Kept well past the watchdog's 10-minute period; an older record is as good as none.
_KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class HooksSeen:
    """One read of Picqer's hooks: `states` {"orders": "active"|"inactive"|"missing", …} on
    success, else the error in words and its HTTP status (401/403 = the key is refused)."""

    checked_at: datetime
    states: dict[str, str]
    error: str = ""
    status: int | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def key_refused(self) -> bool:
        return self.status in (401, 403)


def hooks_seen_record(
    *, account_id: int, status: dict[str, dict] | None = None, error: ApiError | None = None
) -> None:
    """Remember a successful read (`status` as `hooks_status` returns it) or a failed one."""
    record = {
        "checked_at": timezone.now().isoformat(),
        "states": {kind: part.get("state", "") for kind, part in (status or {}).items()},
        "error": str(error)[:500] if error is not None else "",
        "status": getattr(error, "status", None),
    }
    cache.set(_KEY.format(account_id), record, timeout=_KEEP_SECONDS)


def hooks_seen(*, account_ids: list[int]) -> dict[int, HooksSeen]:
    """The last recorded read per account (accounts never read are absent)."""
    found = cache.get_many([_KEY.format(pk) for pk in account_ids])
    seen = {}
    for pk in account_ids:
        record = found.get(_KEY.format(pk))
        if record:
            seen[pk] = HooksSeen(
                checked_at=datetime.fromisoformat(record["checked_at"]),
                states=record["states"],
                error=record["error"],
                status=record["status"],
            )
    return seen


def hooks_seen_mark_active(*, account_id: int, kind: str) -> None:
    """After a create or reactivation: the recorded read no longer says "inactive"."""
    record = cache.get(_KEY.format(account_id))
    if record and not record["error"]:
        record["states"][kind] = "active"
        cache.set(_KEY.format(account_id), record, timeout=_KEEP_SECONDS)
