"""Celery beat's scheduler, plus a heartbeat so /health and the admin can tell beat is alive."""

import time

from celery.beat import PersistentScheduler

from .health import HEARTBEAT_SECONDS, heartbeat_record


class HeartbeatScheduler(PersistentScheduler):
    _last_beat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_SECONDS:
            self._last_beat = now
            self._record()
        return min(super().tick(*args, **kwargs), HEARTBEAT_SECONDS)

    @staticmethod
    def _record() -> None:
        from django.db import close_old_connections

        try:
            close_old_connections()
            heartbeat_record(name="beat")
        except Exception:  # a DB hiccup must not stop the schedule
            import logging

            logging.getLogger(__name__).exception("beat heartbeat failed")
