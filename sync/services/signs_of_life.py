"""A sign of life on a stored run from a thread of the process working on it, every so
often, whatever the work waits for (a slow page, the shared rate budget). When the process
dies (SIGKILL, OOM, a hard time limit) the beats stop and the run goes stale, which is how
the sweepers tell a dead worker from a slow one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)


@contextmanager
def signs_of_life(beat: Callable[[], object], *, every: float, name: str) -> Iterator[None]:
    """Call `beat` every `every` seconds on a thread while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat()
                except Exception:  # a database hiccup: the next beat tries again
                    logger.exception("signs_of_life.beat_failed %s", name)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
