"""Claims on work: row leases in the database, single-flight flags in the cache.

A row lease lives on the row it guards, in two columns: when it runs out (`until`) and whose
it is (`token`). It is taken with one conditional UPDATE, whose WHERE is "free or expired",
so of racing workers exactly one matches (atomic on every database, no lock held across the
work); a batch is taken with SELECT … FOR UPDATE SKIP LOCKED, so concurrent takers get
different rows without waiting for each other. Only the holder of the token extends the
lease, writes an outcome under it or releases it. A crashed worker never releases: its lease
runs out and the next taker has the row.

A lease without an `until` column keeps the time it was taken in `token` (one value per
take, shared by a batch) and runs out `duration` after it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class RowLease:
    """A lease kept in columns of the row it guards (see the module docstring)."""

    duration: timedelta
    token: str = "claim_token"
    until: str | None = "claimed_until"

    def free(self, now: datetime | None = None) -> Q:
        """Rows nobody holds: never taken, released, or run out."""
        return Q(**{f"{self.until or self.token}__isnull": True}) | self.expired(now)

    def expired(self, now: datetime | None = None) -> Q:
        """Rows taken and not released whose lease has run out (its worker died)."""
        now = now or timezone.now()
        if self.until is None:
            return Q(**{f"{self.token}__lt": now - self.duration})
        return Q(**{f"{self.until}__lt": now})

    def take(self, rows: QuerySet, *, now: datetime | None = None, **marks: Any) -> Any:
        """Take the lease on `rows` (narrowed by the caller to what it may take) with one
        conditional UPDATE that also writes `marks`. The token, or None when it is held."""
        now = now or timezone.now()
        token, fields = self._taken(now)
        return token if rows.filter(self.free(now)).update(**fields, **marks) else None

    def take_batch(
        self, rows: QuerySet, *, limit: int, now: datetime | None = None, **marks: Any
    ) -> list[Model]:
        """Take up to `limit` free rows of `rows`, in its order, under one token; the
        returned instances carry the lease columns (not `marks`: the caller knows them)."""
        now = now or timezone.now()
        _, fields = self._taken(now)
        with transaction.atomic():
            picked = list(rows.select_for_update(skip_locked=True).filter(self.free(now))[:limit])
            if picked:
                rows.model.objects.filter(pk__in=[row.pk for row in picked]).update(
                    **fields, **marks
                )
        for row in picked:
            for name, value in fields.items():
                setattr(row, name, value)
        return picked

    def held(self, rows: QuerySet, token: Any) -> QuerySet:
        """`rows` while `token` still holds them: the only rows its holder may write."""
        return rows.filter(**{self.token: token})

    def extend(self, rows: QuerySet, token: Any, *, now: datetime | None = None) -> bool:
        """Give our lease its full duration again, from now. False when it is not ours."""
        if self.until is None:
            raise TypeError("a lease that keeps its start in the token cannot be extended")
        now = now or timezone.now()
        return bool(self.held(rows, token).update(**{self.until: now + self.duration}))

    def release(self, rows: QuerySet, token: Any, **fields: Any) -> int:
        """Give our lease back, writing `fields` with it. A lease that ran out and was taken
        over is not ours any more: nothing is written. Returns the rows released."""
        cleared = {self.token: None if self.until is None else ""}
        if self.until is not None:
            cleared[self.until] = None
        return self.held(rows, token).update(**cleared, **fields)

    def _taken(self, now: datetime) -> tuple[Any, dict[str, Any]]:
        if self.until is None:
            return now, {self.token: now}
        token = uuid.uuid4().hex
        return token, {self.token: token, self.until: now + self.duration}


def rows_claim_unique(rows: QuerySet, **marks: Any) -> bool:
    """Write `marks` on `rows` with one conditional UPDATE, where a unique constraint is the
    guarantee (e.g. one running SyncRun per shop): False when no row matched or the
    constraint refused, i.e. someone else holds what the marks claim."""
    try:
        with transaction.atomic():
            return bool(rows.update(**marks))
    except IntegrityError:
        return False


@dataclass(frozen=True)
class CacheFlag:
    """ "One is on its way" in the cache: of many callers in a burst, the one whose `raise_`
    succeeds does the work (publishes the task, polls); the others coalesce into it. The work
    `lower`s the flag before it reads, so a request after that read raises it again and is
    not lost. A crash leaves the flag up for `seconds` at most.

    A flag raised with a token (a lock) is lowered only by its holder."""

    key: str
    seconds: float

    def raise_(self, token: Any = 1) -> bool:
        """Raise the flag; False when it is up already."""
        return cache.add(self.key, token, timeout=self.seconds)

    def keep(self) -> None:
        """Raise the flag, or keep it up for another `seconds`, whoever raised it."""
        cache.set(self.key, 1, timeout=self.seconds)

    def lower(self, token: Any = None) -> bool:
        """Lower the flag (with `token`: only when it is ours). True when it was up."""
        if token is not None and cache.get(self.key) != token:
            return False
        return cache.delete(self.key)
