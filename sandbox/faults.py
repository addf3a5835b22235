"""Latency and fault injection applied to every emulated API call (not the control plane)."""

from __future__ import annotations

import time

from .knobs import knob_take, knobs_get
from .store import Store


def fault_before_call(store: Store, *, side: str) -> tuple[dict, bool]:
    """Sleep the configured latency; returns (knobs, fail_now).

    A "timeout" fault sleeps longer than the client waits and then handles the call anyway:
    like a real slow server, the write may have happened although the client gave up.
    """
    with store.tx() as tx:
        hang = knob_take(tx, name=f"{side}_timeout_next")
        fail = not hang and knob_take(tx, name=f"{side}_fail_next")
        knobs = knobs_get(tx)
    delay = knobs[f"{side}_latency_ms"] / 1000
    if hang:
        delay += knobs["timeout_seconds"]
    if delay > 0:
        time.sleep(delay)
    return knobs, fail
