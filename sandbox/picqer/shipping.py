"""The warehouse side the API cannot do: ship an order (control plane) and change stock."""

from __future__ import annotations

import secrets

from ..store import Tx
from .catalog import product_or_404, products_by_code, stock_set
from .http import PicqerError, bad_request, public
from .orders import order_or_404, order_view, status_set
from .picklists import picklist_close_with_shipment, picklists_of_order


def order_ship(
    tx: Tx, *, idorder: int, trackingcode: str | None = None, carrier: str = "PostNL"
) -> dict:
    """Pick and ship every open picklist of a processing order, then complete the order."""
    order = order_or_404(tx, idorder)
    if order["status"] != "processing":
        raise bad_request(21, "Item not found or does not have the right status")
    shipments = []
    for picklist in picklists_of_order(tx, order):
        if picklist["status"] != "new":
            continue
        code = trackingcode or f"3S{secrets.token_hex(6).upper()}"
        shipments.append(
            picklist_close_with_shipment(tx, picklist=picklist, trackingcode=code, carrier=carrier)
        )
    status_set(tx, order, "completed")
    return {"order": order_view(tx, order), "shipments": [public(s) for s in shipments]}


def product_stock_set(
    tx: Tx,
    *,
    knobs: dict,
    productcode: str | None = None,
    idproduct: int | None = None,
    idwarehouse: int = 1,
    amount: int | None = None,
    change: int | None = None,
) -> dict:
    """Set a product's stock as a warehouse worker would (fires the stock webhooks)."""
    if idproduct:
        product = product_or_404(tx, idproduct)
    else:
        found = products_by_code(
            tx,
            code=productcode or "",
            knobs={**knobs, "productcode_case_insensitive": False},
            inactive=True,
        )
        if not found:
            raise PicqerError(404, 20, "Product not found")
        product = found[0]
    stock_set(
        tx, product=product, idwarehouse=idwarehouse, body={"amount": amount, "change": change}
    )
    return public(product)
