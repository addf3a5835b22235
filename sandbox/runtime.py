"""The sandbox process's singletons: the store, the CLI knob overrides, the webhook deliverer."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .knobs import knobs_update
from .store import Store

DEFAULT_STATE = "var/sandbox.sqlite3"


@dataclass
class Runtime:
    """Everything a request handler needs besides the request."""

    store: Store
    overrides: dict[str, Any] = field(default_factory=dict)
    _deliverer: Any = None

    def deliverer(self) -> Any:
        """The webhook deliverer (one per process, created on first use)."""
        if self._deliverer is None:
            from .picqer.delivery import Deliverer

            self._deliverer = Deliverer(self.store)
        return self._deliverer

    def reset(self) -> None:
        """Wipe all state, recreate the base data of both systems, re-apply the CLI knobs."""
        from .base import base_data_create

        self.deliverer().forget_pending()
        self.store.wipe()
        with self.store.tx() as tx:
            base_data_create(tx)
            knobs_update(tx, changes=self.overrides)
            tx.kv_set("bootstrapped", True)


_lock = threading.Lock()
_runtime: Runtime | None = None


def runtime_configure(*, state_path: str, overrides: dict[str, Any] | None = None) -> Runtime:
    """Open (or create) the state file; a new file gets the base data of both systems."""
    global _runtime
    with _lock:
        rt = Runtime(store=Store(state_path), overrides=dict(overrides or {}))
        with rt.store.tx() as tx:
            fresh = not tx.kv_get("bootstrapped", False)
        if fresh:
            rt.reset()
        else:
            with rt.store.tx() as tx:
                knobs_update(tx, changes=rt.overrides)
        _runtime = rt
        return rt


def runtime() -> Runtime:
    """The configured runtime (configured from SANDBOX_STATE on first use)."""
    if _runtime is None:
        path = os.environ.get("SANDBOX_STATE") or str(settings.BASE_DIR / DEFAULT_STATE)
        return runtime_configure(state_path=path)
    return _runtime
