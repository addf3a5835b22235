"""Latency and fault injection applied to every emulated API call (not the control plane)."""

from __future__ import annotations

import time

from .knobs import knob_take, knobs_get
from .store import Store


def fault_before_call(store: Store, *, side: str, call: str = "") -> tuple[dict, bool]:
    """Sleep the configured latency; returns (knobs, fail_now). `call` is "METHOD path";
    the `fault_only` knob restricts faults to calls starting with it (e.g. "POST orders").

    A "timeout" fault sleeps longer than the client waits and then handles the call anyway:
    like a real slow server, the write may have happened although the client gave up.
    """
    with store.tx() as tx:
        knobs = knobs_get(tx)
        targeted = call.startswith(knobs["fault_only"])
        hang = targeted and knob_take(tx, name=f"{side}_timeout_next")
        fail = targeted and not hang and knob_take(tx, name=f"{side}_fail_next")
    delay = knobs[f"{side}_latency_ms"] / 1000
    if hang:
        delay += knobs["timeout_seconds"]
    if delay > 0:
        time.sleep(delay)
    return knobs, fail
