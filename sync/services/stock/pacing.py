"""The interpreter's pace while a whole catalogue is read (the full stock sync, the match
report): how often the cyclic garbage collector runs, and how soon a thread waiting for the
GIL gets it. Both are settings of the whole process; figures in docs/benchmarks.md, "Stock:
100,000 SKUs", round 3.

The collector. A catalogue read parses 1,000-record PrestaShop pages, each a tree of about
9,000 objects, while it keeps the layout (about 200,000 records at 100,000 SKUs). At Python's
default threshold a young collection runs every 700 new objects, so each page's tree
outlives a dozen of them while it is parsed, is promoted to the oldest generation, and soon
triggers a full collection, which walks every live object with every thread stopped: 48 full
collections, 4.5 s in all and up to 160 ms each, in a 100,000-SKU sync. At
YOUNG_THRESHOLD a page's tree is freed, by reference counting, before a young collection
sees it: the same sync ran 18 young collections and no full one. Cycles are still
collected, only in larger steps.

The GIL. The sync is a chain of round trips on several threads (Picqer pages, PrestaShop
lists, writes). A thread whose answer has arrived waits for the GIL until the thread
holding it has run for the switch interval (5 ms by default) — several times per Picqer
page while the layout is parsed. At SWITCH_INTERVAL it waits a fifth of that.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# New objects (allocations less deallocations) between young collections; Python's is 700.
YOUNG_THRESHOLD = 50_000
# Seconds a thread may hold the GIL while another waits for it; Python's is 0.005.
SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_holders = 0
_saved: tuple[tuple[int, int, int], float] | None = None


@contextmanager
def catalogue_read_paced() -> Iterator[None]:
    """Run the block at the pace above (a setting already further that way is kept); the
    settings in force before come back when the last block still running ends (two reads
    may overlap in a threaded worker)."""
    global _holders, _saved
    with _lock:
        if _holders == 0:
            thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
            _saved = (thresholds, interval)
            gc.set_threshold(max(YOUNG_THRESHOLD, thresholds[0]), *thresholds[1:])
            sys.setswitchinterval(min(SWITCH_INTERVAL, interval))
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                thresholds, interval = _saved
                gc.set_threshold(*thresholds)
                sys.setswitchinterval(interval)
                _saved = None
