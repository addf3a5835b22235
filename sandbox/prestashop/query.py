"""List parameters: display, filter[...], sort, limit, date=1 — as SQLUtils interprets them.

Comparisons follow MySQL with PrestaShop's default collations: numbers compare as numbers,
text compares case-insensitively and ignoring trailing spaces (PAD SPACE); `[x,y]` is BETWEEN
(inclusive at both ends in the code). How a filter value is split into an operator and its
operands follows SQLUtils::getSQLRetrieveFilter, described in docs/prestashop-filters.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .schema import Resource
from .xmlio import PSError

RANGE = re.compile(r"^([\d.:\-\s]+),([\d.:\-\s]+)$")
# One greedy split: what stands before the last `[` that has a `]` after it, what lies up to
# the last `]`, and what follows it. Like PHP's preg_match without /s, `.` skips newlines.
FILTER_PARTS = re.compile(r"^(.*)\[(.*)\](.*)$")


def parse_display(res: Resource, value: str | None) -> tuple[list | None, bool]:
    """Returns (display spec, minimal). No `display` → minimal list; `full` → everything."""
    if value is None:
        return None, True
    if value == "full":
        return None, False
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    spec = []
    for item in _split_top(inner):
        name, _, rest = item.partition("[")
        sub = [s.strip() for s in rest.rstrip("]").split(",")] if rest else None
        if name in res.associations:
            allowed = set(res.associations[name].fields)
            bad = [s for s in sub or [] if s not in allowed]
        else:
            bad = [] if name in res.fields and sub is None else [name]
        if bad:
            available = ", ".join(list(res.fields) + list(res.associations))
            raise PSError(
                400,
                35,
                f'Unable to display this field "{bad[0]}". However, these '
                f"are available: {available}",
            )
        spec.append((name, sub))
    return spec, False


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets: `id,order_rows[a,b]` → [id, order_rows[a,b]]."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def _num(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _cmp(a: str, b: str) -> int:
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    a, b = a.rstrip(" ").casefold(), b.rstrip(" ").casefold()
    return (a > b) - (a < b)


def _like(pattern: str) -> Callable[[str], bool]:
    """MySQL LIKE: `%` any run, `_` one character, a backslash makes the next one literal."""
    parts, chars = [], iter(pattern)
    for ch in chars:
        if ch == "\\":
            parts.append(re.escape(next(chars, "\\")))
        else:
            parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    regex = re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
    return lambda v: bool(regex.fullmatch(v))


def _equals(value: str) -> Callable[[str], bool]:
    return lambda v: _cmp(v, value) == 0


def value_matcher(raw: str) -> Callable[[str], bool]:
    """Translate one filter value (`[a|b]`, `[x,y]`, `>[v]`, `%[v]%`, `![v]`, `v`) the way
    PrestaShop does, including its surprises: a `|` only splits after the first character,
    a `%` inside the brackets is literal, and a value whose split leaves anything else
    before the brackets (e.g. `[A[1]]`) adds no condition at all."""
    parts = FILTER_PARTS.match(raw)
    if parts is None:
        return _equals(raw)
    before, inner, after = parts.groups()
    if "%" in (before, after):
        return _like(before + inner + after)
    if before == after == "":
        if inner.find("|") > 0:
            values = inner.split("|")
            return lambda v: any(_cmp(v, x) == 0 for x in values)
        if bounds := RANGE.match(inner):
            low, high = sorted(
                (b.strip() for b in bounds.groups()),
                key=lambda x: (_num(x) is None, _num(x) or 0, x),
            )
            return lambda v: _cmp(v, low) >= 0 and _cmp(v, high) <= 0
        return _equals(inner)
    if before in (">", "<"):
        sign = 1 if before == ">" else -1
        return lambda v: _cmp(v, inner) == sign
    if before == "!":
        values = inner.split("|")
        return lambda v: all(_cmp(v, x) != 0 for x in values)
    return lambda v: True


def _field_values(res: Resource, doc: dict, name: str) -> list[str]:
    value = doc.get(name, "")
    if name in res.multilang:
        return [lang["value"] for lang in value or []]
    return [str(value)]


def filters_predicate(
    res: Resource, filters: dict[str, str], *, with_dates: bool
) -> Callable[[dict], bool]:
    """One test per record for all `filter[...]` values (checked here, errors as
    PrestaShop raises them), so a caller can filter records as it reads them."""
    allowed = res.filterable(with_dates=with_dates)
    matchers = []
    for name, raw in filters.items():
        if name in res.not_filterable:
            raise PSError(
                400,
                34,
                f'The field "{name}" is dynamic. It is not possible to '
                "filter GET query with this field.",
            )
        if name not in allowed:
            raise PSError(
                400,
                32,
                f'This filter does not exist. Did you mean: "{name}"?'
                if name in res.fields
                else "This filter does not exist.",
            )
        matchers.append((name, value_matcher(raw)))
    return lambda d: all(
        any(match(v) for v in _field_values(res, d, name)) for name, match in matchers
    )


ID_AFTER = re.compile(r"^>\[(\d+)\]$")


def id_lower_bound(filters: dict[str, str]) -> int:
    """N of an `id` filter `>[N]` (keyset paging), else 0: no record at or below it can match."""
    found = ID_AFTER.match(filters.get("id", ""))
    return int(found.group(1)) if found else 0


def in_id_order(value: str | None) -> bool:
    """True when a `sort` value asks for no order or ascending ids: the store's own order."""
    return value in (None, "", "id_ASC", "[id_ASC]")


def apply_sort(
    res: Resource, docs: list[dict], value: str | None, *, with_dates: bool
) -> list[dict]:
    """`[a_ASC,b_DESC]`; there is no default order in SQL, the emulator keeps id order."""
    if not value:
        return docs
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    keys = []
    for item in inner.split(","):
        name, _, direction = item.strip().rpartition("_")
        if direction.upper() not in ("ASC", "DESC") or not name:
            raise PSError(
                400,
                37,
                'The "sort" value has to be formed as this example: '
                "\"field_ASC\" or '[field_1_DESC,field_2_ASC]'",
            )
        if name not in res.filterable(with_dates=with_dates):
            raise PSError(400, 38, f'Unable to sort by this field "{name}"')
        keys.append((name, direction.upper() == "DESC"))
    for name, desc in reversed(keys):
        numeric = all(_num(str(d.get(name, ""))) is not None for d in docs)
        docs = sorted(
            docs,
            reverse=desc,
            key=lambda d, n=name, num=numeric: (
                _num(str(d.get(n, ""))) if num else str(d.get(n, "")).casefold()
            ),
        )
    return docs


def apply_limit(docs: list[dict], value: str | None) -> list[dict]:
    """`N` or `offset,N` (MySQL LIMIT, 0-based offset)."""
    if not value:
        return docs
    offset, count = parse_limit(value)
    return docs[offset : offset + count]


def parse_limit(value: str) -> tuple[int, int]:
    """(offset, count) of a `limit` value `N` or `offset,N`."""
    parts = value.split(",")
    if len(parts) > 2 or not all(p.strip().isdigit() for p in parts):
        raise PSError(400, 39, 'The "limit" value has to be formed as this example: "5,25" or "10"')
    return (0, int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
