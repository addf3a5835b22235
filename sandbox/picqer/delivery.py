"""Background delivery of Picqer webhooks, signed like Picqer signs them.

`X-Picqer-Signature` = base64(HMAC-SHA256(raw body, hook secret)); no header without a
secret. API calls never wait for a receiver. Complete failures (after the knob's retries)
within 24 h are counted per hook, and the hook is deactivated at `webhook_max_failures`,
mirroring Picqer's "5 complete failures in 24 hours".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import queue
import threading
import time
import urllib.error
import urllib.request

from ..knobs import knob_take, knobs_get
from ..store import Store
from ..util import now_local

logger = logging.getLogger(__name__)
DAY = 24 * 3600


def signature(body: bytes, secret: str) -> str:
    """Picqer's signature of a raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Deliverer:
    """One daemon thread draining a queue, so deliveries keep the order of the events."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.generation = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def enqueue(self, job: dict) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="webhooks")
                self._thread.start()
        self._queue.put({**job, "generation": self.generation})

    def forget_pending(self) -> None:
        """After a reset, jobs queued for the old state are skipped."""
        self.generation += 1

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job["generation"] != self.generation:
                continue
            try:
                self._deliver(job)
            except Exception:  # a broken receiver must never kill the thread
                logger.exception("webhook delivery crashed")

    def _deliver(self, job: dict) -> None:
        with self.store.tx() as tx:
            knobs = knobs_get(tx)
            if knob_take(tx, name="webhook_drop_next"):
                self._record(tx, job, status=None, attempts=0, outcome="dropped")
                return
            copies = 2 if knob_take(tx, name="webhook_duplicate_next") else 1
        for _ in range(copies):
            self._attempt_all(job, knobs)

    def _attempt_all(self, job: dict, knobs: dict) -> None:
        attempts, status = 0, None
        for attempt in range(knobs["webhook_retries"] + 1):
            if attempt:
                time.sleep(knobs["webhook_retry_delay_ms"] / 1000)
            attempts += 1
            status = self._post(job, timeout=knobs["webhook_timeout_seconds"])
            if status is not None and 200 <= status < 300:
                break
        ok = status is not None and 200 <= status < 300
        with self.store.tx() as tx:
            self._record(
                tx, job, status=status, attempts=attempts, outcome="delivered" if ok else "failed"
            )
            if not ok:
                self._count_failure(tx, job["idhook"], limit=knobs["webhook_max_failures"])

    @staticmethod
    def _post(job: dict, *, timeout: float) -> int | None:
        headers = {"Content-Type": "application/json", "User-Agent": "Picqer (sandbox)"}
        if job["secret"]:
            headers["X-Picqer-Signature"] = signature(job["body"], job["secret"])
        request = urllib.request.Request(  # noqa: S310 - hook addresses are http(s) URLs
            job["address"], data=job["body"], headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (OSError, ValueError):
            return None

    @staticmethod
    def _record(tx, job: dict, *, status: int | None, attempts: int, outcome: str) -> None:
        tx.insert(
            "picqer.deliveries",
            {
                "id": None,
                "idhook": job["idhook"],
                "event": job["event"],
                "address": job["address"],
                "status": status,
                "attempts": attempts,
                "outcome": outcome,
                "at": now_local(),
            },
        )

    @staticmethod
    def _count_failure(tx, idhook: int, *, limit: int) -> None:
        hook = tx.get("picqer.hooks", idhook)
        if hook is None:
            return
        now = time.time()
        hook["_failures"] = [t for t in hook["_failures"] if now - t < DAY] + [now]
        if len(hook["_failures"]) >= limit:
            hook["active"] = False
        tx.put("picqer.hooks", idhook, hook)
