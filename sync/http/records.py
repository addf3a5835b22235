"""Typed records built from a vendor's answer one dataclass field at a time.

A vendor's records are frozen dataclasses with the vendor's own field names; its `_Fields`
(a `RecordFields`) knows how that vendor writes a value. `RecordFields.build(cls)` reads each
field of `cls` with the method its annotated type names in READERS (`int` → `whole`,
`str | None` → `optional_text`, …), passing the field's dataclass default as `default` when it
has one (else the method's own default applies: "required" or the type's empty value). A
field that needs more than its type says (a nested list, a renamed key, a stricter rule)
names its own reader with `field_read_by`. Every reader raises ApiResponseError for a value
that is not what the field holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, field, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar, get_type_hints

R = TypeVar("R")

# The reader method of RecordFields for each annotated type a record field may have.
READERS: dict[Any, str] = {
    int: "whole",
    int | None: "optional_whole",
    str: "text",
    str | None: "optional_text",
    bool: "flag",
    Decimal: "decimal",
    Decimal | None: "optional_decimal",
    datetime | None: "moment",
}


def field_read_by(reader: Callable[..., Any], default: Any = MISSING) -> Any:
    """A dataclass field read by `reader(fields, name[, default=...])` instead of by its
    type (the same call a READERS method gets)."""
    return field(default=default, metadata={"read": reader})


def decimal_parse(text: str) -> Decimal | None:
    """A finite Decimal from text ("16.510000"); None for anything else ("abc", "NaN")."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# (field name, reader, keyword arguments) of each field of a record class
_Plan = tuple[tuple[str, Callable[..., Any], dict[str, Any]], ...]


@cache
def _plan(fields_cls: type, cls: type) -> _Plan:
    """How `fields_cls` reads each field of `cls`, worked out once per pair: a catalogue
    read builds hundreds of thousands of records, and resolving type hints for each one
    would cost more than reading its values."""
    types = get_type_hints(cls)
    return tuple(
        (
            f.name,
            f.metadata.get("read") or getattr(fields_cls, READERS[types[f.name]]),
            {} if f.default is MISSING else {"default": f.default},
        )
        for f in fields(cls)
    )


class RecordFields:
    """One vendor record's raw fields; a vendor subclass implements the READERS methods its
    records use, each as `method(name, default=...)`."""

    __slots__ = ()

    def build(self, cls: type[R]) -> R:
        """A `cls` with every dataclass field read from this record (see the module)."""
        plan = _plan(type(self), cls)
        return cls(**{name: read(self, name, **given) for name, read, given in plan})
