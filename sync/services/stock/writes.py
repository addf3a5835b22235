"""Concurrent "set quantity" writes for the full stock sync.

A full sync is bound by latency, not CPU: every differing row is one PrestaShop round trip
(two on PrestaShop < 8: GET + PUT). Sent one after another they would stretch the run far
beyond the Picqer page reads, so they go out on a small thread pool while the caller keeps
reading Picqer. Only HTTP happens on the pool threads; results (counts, activity log, the
database) are handled on the caller's thread, so no Django connection is shared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sync.http.errors import ApiError

# Four writers keep a 20-100 ms shop busy without looking like a flood to its web server;
# the full sync takes the shop's own "parallel stock writes" setting (1-8).
WORKERS = 4
# Writes handed to the pool and not finished. Rows beyond it wait in a plain list (a few
# dozen bytes each) and go out as writes finish: `submit` never waits, because the caller is
# the Picqer page loop, and stalling it behind the shop's writes would stretch the run
# (at 100,000 SKUs the first comparisons release ~900 writes at once, which 4 writers
# take half a minute to send while Picqer's remaining pages would sit unread).
MAX_IN_FLIGHT = 64

# (reference, None on success or the non-retryable error) → handled on the caller's thread
ResultHandler = Callable[[str, ApiError | None], None]


def _set_quantity(prestashop, row_id: int, quantity: int) -> ApiError | None:
    """One write; a refusal that retrying cannot fix is returned, anything else raised."""
    try:
        prestashop.stock_available_set_quantity(row_id, quantity)
    except ApiError as exc:
        if exc.retryable:
            raise
        return exc
    return None


class StockWriter:
    """Use as a context manager: `submit` writes, `finish` waits for all of them.

    A retryable error (5xx, timeout, 429) surfaces from `submit`/`finish` as soon as it is
    seen; writes not yet started are then cancelled, and the task retries the run (which
    writes only what still differs)."""

    def __init__(self, prestashop, *, on_result: ResultHandler, workers: int = WORKERS):
        self._prestashop = prestashop
        self._on_result = on_result
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stock-write")
        self._in_flight: dict[Future, str] = {}
        self._waiting: deque[tuple[str, int, int]] = deque()

    def __enter__(self) -> StockWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # On an error, drop what has not started; always wait for what is running, so no
        # write outlives the run that decided it.
        self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def submit(self, reference: str, row_id: int, quantity: int) -> None:
        """Queue one write without waiting; finished writes are reported meanwhile."""
        self._waiting.append((reference, row_id, quantity))
        self._collect(block=False)

    def finish(self) -> None:
        """Wait for every queued write and report its result."""
        self._collect(block=False)
        while self._in_flight:
            self._collect(block=True)

    def _start_waiting(self) -> None:
        while self._waiting and len(self._in_flight) < MAX_IN_FLIGHT:
            reference, row_id, quantity = self._waiting.popleft()
            future = self._pool.submit(_set_quantity, self._prestashop, row_id, quantity)
            self._in_flight[future] = reference

    def _collect(self, *, block: bool) -> None:
        if block:
            wait(self._in_flight, return_when=FIRST_COMPLETED)
        for future in [f for f in self._in_flight if f.done()]:
            reference = self._in_flight.pop(future)
            self._on_result(reference, future.result())  # re-raises a retryable error
        self._start_waiting()
