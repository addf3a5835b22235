"""Small helpers shared by both emulators: clocks and JSON responses."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpResponse

# Both systems write naive local timestamps, presumably Dutch (docs/sources.md#picqer-timestamps).
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def now_local() -> str:
    """The current local wall-clock time as 'YYYY-MM-DD HH:MM:SS' (both APIs' format)."""
    return datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def json_response(
    payload: object, *, status: int = 200, headers: dict | None = None
) -> HttpResponse:
    """A JSON response with an exact status (204 gets no body)."""
    body = b"" if status == 204 else json.dumps(payload).encode()
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def parse_json(raw: bytes) -> object:
    """Decode a JSON body; an empty body is an empty object. Raises ValueError when invalid."""
    if not raw.strip():
        return {}
    return json.loads(raw)
