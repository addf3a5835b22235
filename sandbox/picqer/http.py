"""Picqer's HTTP conventions: errors, Basic auth, the per-minute budget, offset paging."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from ..store import Tx

PAGE_SIZE = 100
WINDOW_SECONDS = 60


class PicqerError(Exception):
    """An error answer: `{"error": true, "error_code": N, "error_message": "..."}`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def payload(self) -> dict:
        return {"error": True, "error_code": self.code, "error_message": self.message}


def not_found(what: str = "Item") -> PicqerError:
    return PicqerError(404, 20, f"{what} not found")


def bad_request(code: int, message: str) -> PicqerError:
    return PicqerError(400, code, message)


@dataclass
class Req:
    """What a resource handler sees of a request."""

    query: QueryDict
    body: Any = None
    knobs: dict = field(default_factory=dict)

    def int_param(self, name: str) -> int | None:
        value = self.query.get(name)
        return int(value) if value not in (None, "") and value.lstrip("-").isdigit() else None

    def json(self) -> dict:
        if not isinstance(self.body, dict):
            raise bad_request(22, "No valid JSON")
        return self.body


def basic_auth_ok(header: str, api_key: str) -> bool:
    """Basic auth with the API key as user name; the password is ignored (Picqer does too)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        user = base64.b64decode(encoded, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(api_key) and user == api_key


def rate_limit_take(tx: Tx, *, limit: int) -> int:
    """Count one call against the window; returns the calls left. Raises 429 (code 28) at 0.

    The window starts at the first call after the previous one expired, so a burst never
    straddles two budgets by accident of the wall clock.
    """
    now = time.time()
    window = tx.kv_get("picqer_rate_window") or {"start": now, "used": 0}
    if now - window["start"] >= WINDOW_SECONDS:
        window = {"start": now, "used": 0}
    if window["used"] >= limit:
        raise PicqerError(429, 28, "Rate limit exceeded")
    window["used"] += 1
    tx.kv_set("picqer_rate_window", window)
    return max(limit - window["used"], 0)


def rate_limit_remaining(tx: Tx, *, limit: int) -> int:
    """Calls left in the current window without consuming one."""
    window = tx.kv_get("picqer_rate_window")
    if not window or time.time() - window["start"] >= WINDOW_SECONDS:
        return limit
    return max(limit - window["used"], 0)


def page(items: list, req: Req) -> list:
    """One page of a list: 100 items from `offset` (no total count, like Picqer)."""
    offset = max(req.int_param("offset") or 0, 0)
    return items[offset : offset + PAGE_SIZE]


def public(doc: dict) -> dict:
    """A document without the emulator's internal `_fields`."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}
