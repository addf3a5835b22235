"""Query parameters of the PrestaShop webservice (prestashop-ws.md §1.4): pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors

DATE_FIELDS = ("date_add", "date_upd")
_FILTER_SPECIALS = re.compile(r"[\[\]|]")


def display_param(display: str | Iterable[str] | None) -> str | None:
    if display is None or isinstance(display, str):
        return display
    return "[" + ",".join(display) + "]"


def exact_value(value: Any) -> str:
    """`[value]` filter for one exact value; refuses values the syntax cannot express."""
    text = str(value)
    if _FILTER_SPECIALS.search(text):
        raise errors.ApiClientError(
            f"{text!r} contains [ ] or |, which a webservice filter cannot express",
            service="PrestaShop",
        )
    return f"[{text}]"


def list_params(
    *, display: str | Iterable[str] | None = "full", filters: Mapping[str, Any] | None = None,
    sort: str | Iterable[str] | None = None, limit: int | tuple[int, int] | None = None,
    date: bool = False,
) -> dict[str, str]:
    """Query parameters of a list call. filters {"id": ">[10]"} → filter[id]=>[10];
    non-string filter values mean "equals" ([5]); `date=1` is added automatically when a
    filter or the sort uses date_add/date_upd (required, else 400 code 32/38)."""
    params: dict[str, str] = {}
    if (shown := display_param(display)) is not None:
        params["display"] = shown
    for field, value in (filters or {}).items():
        params[f"filter[{field}]"] = value if isinstance(value, str) else exact_value(value)
    if sort is not None:
        sort = sort if isinstance(sort, str) else ",".join(sort)
        params["sort"] = sort if sort.startswith("[") else f"[{sort}]"
    if limit is not None:
        params["limit"] = f"{limit[0]},{limit[1]}" if isinstance(limit, tuple) else str(limit)
    uses_date = any(f in DATE_FIELDS for f in (filters or {})) or any(
        d in params.get("sort", "") for d in DATE_FIELDS)
    if date or uses_date:
        params["date"] = "1"
    return params
