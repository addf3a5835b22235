"""Shape checking: what a client returned, reduced to keys and value types, against a contract.

A contract is a dict `{key: spec}`; a spec is a tuple of allowed Python types, a nested
contract dict, `ListOf(spec)` or `DictOf(spec)`. Extra keys are allowed (the real APIs send
more than we rely on); a missing key or a value of another type is a problem. Problems are
strings such as `"products[].weight: missing"` so a test can state known drift exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NONE = type(None)
INT = (int,)
NUM = (int, float)
STR = (str,)
BOOL = (bool,)
OPT_INT = (int, NONE)
OPT_NUM = (int, float, NONE)
OPT_STR = (str, NONE)


@dataclass(frozen=True)
class ListOf:
    """A JSON array / repeated association whose every item matches `item`."""

    item: Any


@dataclass(frozen=True)
class DictOf:
    """An object keyed by arbitrary names (Picqer order `tags` keyed by title)."""

    value: Any


def _type_ok(value: Any, allowed: tuple) -> bool:
    # bool is an int subclass in Python, but JSON true is never a number.
    if isinstance(value, bool):
        return bool in allowed
    return isinstance(value, allowed)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def contract_problems(value: Any, spec: Any, path: str = "") -> list[str]:
    """Every way `value` breaks `spec`, as sorted, de-duplicated strings."""
    problems: set[str] = set()
    _check(value, spec, path, problems)
    return sorted(problems)


def _check(value: Any, spec: Any, path: str, problems: set[str]) -> None:
    where = path or "<root>"
    if isinstance(spec, tuple):
        if not _type_ok(value, spec):
            allowed = "|".join("null" if t is NONE else t.__name__ for t in spec)
            problems.add(f"{where}: expected {allowed}, got {_type_name(value)}")
    elif isinstance(spec, ListOf):
        if not isinstance(value, list):
            problems.add(f"{where}: expected list, got {_type_name(value)}")
            return
        for item in value:
            _check(item, spec.item, f"{path}[]", problems)
    elif isinstance(spec, DictOf):
        if not isinstance(value, dict):
            problems.add(f"{where}: expected object, got {_type_name(value)}")
            return
        for item in value.values():
            _check(item, spec.value, f"{path}{{}}", problems)
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            problems.add(f"{where}: expected object, got {_type_name(value)}")
            return
        for key, sub in spec.items():
            sub_path = f"{path}.{key}" if path else key
            if key not in value:
                problems.add(f"{sub_path}: missing")
            else:
                _check(value[key], sub, sub_path, problems)
    else:  # pragma: no cover - a mistake in a contract, not in the data
        raise TypeError(f"bad spec at {where}: {spec!r}")


def assert_contract(value: Any, spec: Any, *, known: frozenset[str] | set[str] = frozenset()):
    """Fail unless `value`'s problems are exactly the `known` drift (normally none).

    Known drift is listed per backend in the tests; when someone fixes the fixture or the
    emulator, this fails too, so the list cannot go stale."""
    problems = set(contract_problems(value, spec))
    unexpected = sorted(problems - set(known))
    fixed = sorted(set(known) - problems)
    assert not unexpected and not fixed, (
        f"contract drift: unexpected {unexpected}; known drift no longer present {fixed}"
    )


def ps_record(*keys: str, associations: dict | None = None) -> dict:
    """Contract of a PrestaShop record as the client returns it: every value a string."""
    contract: dict[str, Any] = {key: STR for key in keys}
    if associations:
        contract["associations"] = associations
    return contract
