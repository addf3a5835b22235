"""Reading a Picqer delivery body: pure functions, shared by the receiver and the worker.

The inbox keeps the body as the bytes that were signed (`WebhookEvent.body`), not as jsonb:
PostgreSQL's jsonb refuses `\\u0000` and lone surrogates and neither jsonb nor SQLite's
JSON_VALID accepts NaN, so a validly signed delivery carrying one of them could not be stored
(503 on every retry, until Picqer deactivated the hook). Bytes store anything; this module
decides what the stored body means:

- a readable delivery (a JSON object with a Picqer event name) is processed; `\\u0000` in a
  text (PHP's json_encode writes a NUL of an order remark like that) is ordinary text;
- anything else that was validly signed is stored and ignored, with the reason on the row:
  not UTF-8 JSON, not an object, no event name, nested deeper than MAX_DEPTH, or values
  JSON does not define for interchange (NaN/Infinity, RFC 8259 §6; lone surrogates, §8.2),
  which Picqer's PHP encoder never writes. Answering 4xx instead would make Picqer retry the
  same bytes for hours and then deactivate the hook (docs/sources.md#picqer-webhook-delivery).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass

# Picqer payloads nest a few levels (order → products → parts); far deeper is not Picqer's,
# and walking it risks RecursionError in the json module (and in anything that re-encodes it).
MAX_DEPTH = 32
EVENT_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+", re.IGNORECASE)
# Most specific first: a picklist payload also carries idorder, but two picklists of one
# order must not share a key.
OBJECT_ID_KEYS = ("idshipment", "idpicklist", "idorder", "idproduct", "idreturn", "idreceipt")

_NESTING_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# An escaped high surrogate not followed by a low one, or a low one not preceded by a high
# one. Escaped pairs are normal: json_encode writes every non-ASCII character as \uXXXX.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


@dataclass(frozen=True)
class Delivery:
    """What a stored body means. `ignored` is "" for a delivery to process, else the reason
    it is stored without processing; `payload` is None when the body could not be read."""

    payload: dict | None
    event: str
    ignored: str = ""


def _unreadable(reason: str, payload: dict | None = None, event: str = "") -> Delivery:
    return Delivery(payload=payload, event=event, ignored=f"ignored: {reason}")


def _nesting_exceeds(raw: bytes, limit: int) -> bool:
    """True when the JSON text opens more than `limit` arrays/objects inside each other
    (brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: most deliveries stop here
    depth = 0
    for token in _NESTING_TOKEN.finditer(raw):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def _has_lone_surrogate(payload: dict) -> bool:
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def delivery_read(raw: bytes) -> Delivery:
    """Parse and judge one delivery body (the exact bytes Picqer signed)."""
    if _nesting_exceeds(raw, MAX_DEPTH):
        return _unreadable(f"the payload nests deeper than {MAX_DEPTH} levels")
    try:
        # Strict UTF-8 (RFC 8259 §8.1): encoded surrogates are refused here; a BOM is
        # tolerated, as json.loads does.
        payload = json.loads(raw.removeprefix(codecs.BOM_UTF8).decode("utf-8"))
    except UnicodeDecodeError:
        return _unreadable("the body is not UTF-8 text")
    except (ValueError, RecursionError) as exc:
        return _unreadable(f"the body is not JSON ({exc})")
    if not isinstance(payload, dict):
        return _unreadable("the payload is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or not 0 < len(event) <= 100 or not EVENT_NAME.fullmatch(event):
        # Only a plain name is kept: a NUL or a surrogate would not fit a text column.
        return _unreadable(f"the payload has no Picqer event name ({event!r:.60})", payload)
    # The byte tests are cheap and almost always false; only then is the payload re-encoded.
    if (b"NaN" in raw or b"Infinity" in raw) and _has_non_finite(payload):
        return _unreadable(
            "the payload has NaN or Infinity, which are not JSON numbers (RFC 8259 §6)",
            payload,
            event,
        )
    if (
        (b"\\ud" in raw or b"\\uD" in raw)
        and _LONE_SURROGATE.search(raw)
        and _has_lone_surrogate(payload)
    ):
        return _unreadable(
            "the payload has a lone UTF-16 surrogate (\\ud800-\\udfff), "
            "which is not text (RFC 8259 §8.2)",
            payload,
            event,
        )
    return Delivery(payload=payload, event=event)


def _has_non_finite(payload: dict) -> bool:
    try:
        json.dumps(payload, allow_nan=False)
    except ValueError:
        return True
    return False


def object_ref_from_payload(payload: dict | None) -> str:
    """`"idorder=123"`-style reference to the resource a delivery is about, or ""."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return ""
    for key in OBJECT_ID_KEYS:
        value = data.get(key)
        is_id = isinstance(value, int) and not isinstance(value, bool)
        # isprintable() keeps NUL and surrogates out of the text column.
        if is_id or (isinstance(value, str) and value and value.isprintable()):
            return f"{key}={value}"[:64]
    return ""


def dedupe_key_for(*, account_id: int, payload: dict | None, raw: bytes) -> str:
    """No delivery id (docs/sources.md#picqer-webhook-payload); a retry repeats the same payload.
    The key is a hash of the canonical payload (sorted keys, so formatting cannot matter):
    the envelope alone is not enough, because `event_triggered_at` has one-second resolution
    and two real status changes of one order within a second (processing, then completed)
    would collide and the second would be dropped. The account is part of the key so two
    accounts can never collide. A body that could not be read is keyed by its bytes."""
    if payload is None:
        material = f"{account_id}|raw|".encode() + raw
    else:
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        material = f"{account_id}|{canonical}".encode()
    return hashlib.sha256(material).hexdigest()
