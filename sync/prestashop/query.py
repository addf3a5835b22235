"""PrestaShop webservice query parameters (docs/sources.md#prestashop-filters): pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sync.http import errors

DATE_FIELDS = ("date_add", "date_upd")
# Characters a filter value cannot carry as plain text (docs/prestashop-filters.md):
# brackets change how PrestaShop splits the value, `|` makes an OR, `,` between numbers a
# BETWEEN, `%` (outside the brackets) a LIKE, `<`/`>` are stripped as HTML tags by pSQL, a
# backslash escapes inside LIKE, control characters do not survive the query string and XML.
_FILTER_SPECIALS = re.compile(r"[\[\]|,%<>\\\x00-\x1f\x7f]")


def display_param(display: str | Iterable[str] | None) -> str | None:
    if display is None or isinstance(display, str):
        return display
    return "[" + ",".join(display) + "]"


def exact_value(value: Any) -> str:
    """`[value]` filter for one exact value; refuses values the syntax cannot express (for
    text that may hold anything, see `text_equals_filter`)."""
    text = str(value)
    if _FILTER_SPECIALS.search(text):
        raise errors.ApiClientError(
            f"{text!r} contains characters a webservice filter cannot express",
            service="PrestaShop",
        )
    return f"[{text}]"


def text_equals_filter(text: str) -> tuple[str | None, bool]:
    """A filter value that selects *at least* the records whose field equals `text`, and
    whether it is the plain `[text]` equality. When `text` holds a character the syntax
    cannot express, the longest run of `text` without one becomes a LIKE `%[run]%` (every
    exact match contains it); with no such run, None: read without a filter. Callers always
    compare exactly afterwards, since MySQL's `=` and LIKE ignore case, accents and trailing
    spaces anyway."""
    if not _FILTER_SPECIALS.search(text):
        return f"[{text}]", True
    run = max(_FILTER_SPECIALS.split(text), key=len)
    return (f"%[{run}]%" if run else None), False


def list_params(
    *,
    display: str | Iterable[str] | None = "full",
    filters: Mapping[str, Any] | None = None,
    sort: str | Iterable[str] | None = None,
    limit: int | tuple[int, int] | None = None,
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
        d in params.get("sort", "") for d in DATE_FIELDS
    )
    if date or uses_date:
        params["date"] = "1"
    return params
