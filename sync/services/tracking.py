"""Tracking codes from Picqer shipments to the PrestaShop order carrier.

Runs before an order status is set, so the "shipped" e-mail can show {shipping_number}.
Every call recomputes the full set of codes from Picqer and writes only when the PrestaShop
value differs, so it is safe to run on every order or shipment webhook.
"""

from __future__ import annotations

from sync.activity import activity_log
from sync.mappers.status import (
    shipment_provider_names,
    shipment_tracking_codes,
    tracking_number_join,
)
from sync.picqer.records import Order, Shipment
from sync.prestashop.records import OrderCarrier


def _live_shipments(*, picqer, order: Order) -> list[Shipment]:
    """Shipments of every picklist of the order, cancelled ones left out (a label can be
    cancelled within minutes of its creation; its code will never move)."""
    shipments = []
    for picklist in picqer.order_picklists(order.idorder, order=order):
        if picklist.status == "cancelled":
            continue
        for shipment in picqer.picklist_shipments(picklist.idpicklist):
            if not shipment.cancelled:
                shipments.append(shipment)
    return shipments


def _codes_for_carrier(name: str, shipments: list[Shipment], matched: set[int]) -> list[str]:
    codes: list[str] = []
    for index, shipment in enumerate(shipments):
        if name in shipment_provider_names(shipment):
            matched.add(index)
            codes += [c for c in shipment_tracking_codes(shipment) if c not in codes]
    return codes


def _write_tracking(
    *, shop, prestashop, order_carrier: OrderCarrier, codes: list[str], ps_order_id: int
) -> bool:
    value, dropped = tracking_number_join(codes)
    if dropped:
        activity_log(
            action="tracking_truncated",
            level="warning",
            shop=shop,
            ps_order_id=ps_order_id,
            message=f"Tracking codes {', '.join(dropped)} do not fit PrestaShop's 64-character "
            "tracking number and were left out.",
        )
    if not value or order_carrier.tracking_number == value:
        return False
    prestashop.order_carrier_set_tracking(order_carrier.id, value)
    activity_log(
        action="tracking_written",
        shop=shop,
        ps_order_id=ps_order_id,
        message=f"Tracking number set to {value}.",
    )
    return True


def order_tracking_sync(*, shop, picqer, prestashop, order: Order, ps_order_id: int) -> str:
    """Write the tracking codes of the Picqer `order`'s shipments to the PrestaShop order's
    order_carrier rows whose carrier name equals the shipment's provider name exactly.

    Several shipments or parcels (partial and multi-parcel deliveries) are all kept,
    comma-joined. A shipment without a carrier of that name is reported as a warning."""
    shipments = [
        s for s in _live_shipments(picqer=picqer, order=order) if shipment_tracking_codes(s)
    ]
    if not shipments:
        return "no tracking codes"
    rows = prestashop.order_carriers_for_order(ps_order_id)
    matched: set[int] = set()
    written = 0
    for row in rows:
        carrier = prestashop.carrier_get(row.id_carrier)
        codes = _codes_for_carrier(carrier.name, shipments, matched)
        if codes and _write_tracking(
            shop=shop,
            prestashop=prestashop,
            order_carrier=row,
            codes=codes,
            ps_order_id=ps_order_id,
        ):
            written += 1
    unmatched = sorted(
        {
            " / ".join(shipment_provider_names(s)) or "(no provider name)"
            for i, s in enumerate(shipments)
            if i not in matched
        }
    )
    if unmatched:
        activity_log(
            action="tracking_no_carrier",
            level="warning",
            shop=shop,
            ps_order_id=ps_order_id,
            picqer_orderid=order.orderid,
            message=f"No PrestaShop carrier on this order is named {', '.join(unmatched)} "
            "(names must match exactly, case-sensitive); tracking code not written.",
        )
    return f"tracking written to {written} carrier(s)" if written else "tracking unchanged"
