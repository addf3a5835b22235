"""Knobs: the behaviour switches of the emulators (latency, faults, limits, versions, keys).

They live in the store so that the control plane, the CLI flags and every request thread
agree. Counters such as `picqer_fail_next` are consumed atomically inside a transaction.
"""

from __future__ import annotations

import re
from typing import Any

from .store import Tx

DEFAULTS: dict[str, Any] = {
    # credentials the emulators accept (test values, never real secrets)
    "picqer_api_key": "picqer-test-key-123456",
    "ws_key": "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456",
    # PrestaShop version announced in PSWS-Version; PATCH exists from 8.0 on
    "ps_version": "1.7.8.11",
    # Picqer requests per minute before 429 / error_code 28
    "picqer_rate_limit": 500,
    # Picqer looks product codes up like MySQL's case-insensitive collation (unconfirmed)
    "productcode_case_insensitive": True,
    # added latency per API call
    "picqer_latency_ms": 0,
    "prestashop_latency_ms": 0,
    # fault injection: the next N API calls answer 500 / hang longer than the client waits
    "picqer_fail_next": 0,
    "prestashop_fail_next": 0,
    "picqer_timeout_next": 0,
    "prestashop_timeout_next": 0,
    "timeout_seconds": 35.0,
    # faults hit only calls whose "METHOD path" starts with this (e.g. "POST orders"); "" = all
    "fault_only": "",
    # webhooks from the Picqer emulator
    "webhook_drop_next": 0,
    "webhook_duplicate_next": 0,
    "webhook_max_failures": 5,
    "webhook_retries": 0,
    "webhook_retry_delay_ms": 200,
    "webhook_timeout_seconds": 10.0,
}

KV_KEY = "knobs"


def knobs_get(tx: Tx) -> dict[str, Any]:
    """All knobs: stored values over the defaults."""
    return {**DEFAULTS, **tx.kv_get(KV_KEY, {})}


def knobs_update(tx: Tx, *, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and store knob changes; returns all knobs. Unknown names raise ValueError."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown knob(s): {', '.join(unknown)}")
    stored = tx.kv_get(KV_KEY, {})
    for name, value in changes.items():
        stored[name] = _coerce(name, value)
    tx.kv_set(KV_KEY, stored)
    if "picqer_rate_limit" in changes:
        tx.kv_set("picqer_rate_window", None)  # a new budget starts a new window
    return {**DEFAULTS, **stored}


def knob_take(tx: Tx, *, name: str) -> bool:
    """Consume one unit of a countdown knob; True when one was available."""
    value = knobs_get(tx)[name]
    if value <= 0:
        return False
    knobs_update(tx, changes={name: value - 1})
    return True


def ps_supports_patch(version: str) -> bool:
    """PATCH arrived in PrestaShop 8.0.0."""
    try:
        return int(version.split(".")[0]) >= 8
    except ValueError:
        return False


def _coerce(name: str, value: Any) -> Any:
    default = DEFAULTS[name]
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"knob {name} needs a {type(default).__name__}") from exc
    return str(value)


def ps_version_tuple(version: str) -> tuple[int, ...]:
    """(1, 6, 1, 23) of "1.6.1.23"; () when the version says nothing."""
    return tuple(int(part) for part in re.findall(r"\d+", version or "")[:4])
