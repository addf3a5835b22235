"""Pure rules of Picqer → PrestaShop order status: reference parsing, mapping, ordering."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from sync.picqer.records import Shipment

# `PREFIX #id_order / PSREFERENCE` (user guide, Order Synchronization), e.g. "DEV #73 / ITQRFWVHT".
# ASCII digits only, at most 10 (the id columns are 32-bit): "DEV #²" or a 40-digit id is
# not a reference this service wrote.
_REFERENCE = re.compile(
    r"^\s*([A-Za-z0-9]{1,3})\s*#\s*([0-9]{1,10})(?:\s*/\s*(.*?))?\s*$", re.DOTALL
)
_ORDER_ID_MAX = 2**31 - 1

# Progress of a Picqer order. Webhooks arrive duplicated and out of order, so an order is
# never moved to a status of a lower rank than one already applied. "cancelled" is outside
# the ranking: it can happen at any time, and a re-opened order leaves it.
STATUS_RANK = {
    "concept": 0,
    "expected": 0,
    "processing": 1,
    "paused": 1,
    "completed": 2,
}
CANCELLED = "cancelled"


class MappingRow(Protocol):
    from_state_id: int | None
    picqer_status: str
    to_state_id: int


class PicqerReference(NamedTuple):
    """The three parts of a Picqer order reference this service writes."""

    prefix: str
    ps_order_id: int
    ps_reference: str  # "" when the PrestaShop order had no reference


def picqer_reference_parse(reference: str | None) -> PicqerReference | None:
    """The parts of a Picqer order reference we wrote, or None when it is not ours.

    Two references are the same order only when all three parts are equal: the prefix and id
    alone also match an order typed into Picqer by hand ("DEV #2 / NOT-THIS-SHOP")."""
    match = _REFERENCE.match(reference or "")
    if not match or not 0 < int(match.group(2)) <= _ORDER_ID_MAX:
        return None
    return PicqerReference(match.group(1), int(match.group(2)), match.group(3) or "")


def status_mapping_target(
    rows: Iterable[MappingRow], *, current_state: int, picqer_status: str
) -> int | None:
    """New PrestaShop state from the FIRST matching row (rows in position order), else None.

    A row matches when its Picqer status equals `picqer_status` and its from-state is Any
    (None) or equals the order's current PrestaShop state."""
    for row in rows:
        if row.picqer_status != picqer_status:
            continue
        if row.from_state_id is None or row.from_state_id == current_state:
            return row.to_state_id
    return None


def status_skip_reason(*, applied: str, incoming: str) -> str | None:
    """Why the `incoming` Picqer status must not be applied after `applied`, or None.

    Same status → duplicate delivery; lower rank → an older event overtaken by a newer one."""
    if not applied:
        return None
    if incoming == applied:
        return f"Picqer status {incoming} already applied"
    if CANCELLED in (incoming, applied):
        return None
    if STATUS_RANK.get(incoming, 0) < STATUS_RANK.get(applied, 0):
        return f"Picqer status {incoming} is older than the applied {applied}"
    return None


# -- tracking ---------------------------------------------------------------------------


def shipment_tracking_codes(shipment: Shipment) -> list[str]:
    """Tracking codes of one Picqer shipment: the top-level `trackingcode`, else those of its
    `parcels` (one code per parcel, docs/sources.md#picqer-shipment-tracking)."""
    top = shipment.trackingcode.strip()
    if top:
        return [top]
    codes = []
    for parcel in shipment.parcels:
        code = parcel.tracking_code.strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def shipment_provider_names(shipment: Shipment) -> list[str]:
    """Names a PrestaShop carrier may carry for this shipment, best first.

    `providername` is the name the merchant gave the shipping provider in Picqer (its "Name"
    field, the one the user guide tells to match); `public_providername` is the carrier's
    public name, a fallback for shops that named their PrestaShop carrier after it."""
    names = []
    for name in (shipment.providername, shipment.public_providername):
        if name and name not in names:
            names.append(name)
    return names


def tracking_number_join(codes: list[str], *, max_length: int = 64) -> tuple[str, list[str]]:
    """Comma-joined codes that fit PrestaShop's tracking_number (64 characters), plus the
    codes that did not fit. Whole codes only: a cut-off code would mislead the customer."""
    kept: list[str] = []
    dropped: list[str] = []
    for code in codes:
        candidate = ", ".join([*kept, code])
        if len(candidate) <= max_length:
            kept.append(code)
        else:
            dropped.append(code)
    return ", ".join(kept), dropped
