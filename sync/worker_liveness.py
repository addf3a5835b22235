"""The worker process's own sign of life, for /health, independent of the queue.

The heartbeat task proves the worker takes tasks from the broker, but it waits in the queue
like any other: behind 500 messages a busy worker looked dead, and the container's health
check would have restarted it mid-work. This bootstep runs a thread in the worker's main
process that records, every HEARTBEAT_SECONDS, that the process lives and how many tasks it
is running; it stops with the process (SIGKILL included).
"""

import logging
import threading

from celery import bootsteps

logger = logging.getLogger(__name__)


class WorkerLiveness(bootsteps.StartStopStep):
    """Start the liveness thread once the pool runs; stop it at shutdown."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker) -> None:
        self._thread = threading.Thread(target=self._run, name="worker-liveness", daemon=True)
        self._thread.start()

    def stop(self, worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        # Imported here: the bootstep is registered before Django is set up.
        from celery.worker import state
        from django.db import close_old_connections, connection

        from sync.health import HEARTBEAT_SECONDS, worker_liveness_record

        try:
            while True:
                try:
                    close_old_connections()
                    worker_liveness_record(
                        active=len(state.active_requests), reserved=len(state.reserved_requests)
                    )
                except Exception:  # a database hiccup: the next beat tries again
                    logger.exception("worker.liveness.record_failed")
                if self._stop.wait(HEARTBEAT_SECONDS):
                    return
        finally:
            connection.close()  # this thread's own connection
