"""Which sync service a Picqer event leads to (picqer-api.md §6.2, §6.3).

Each handler pulls an id out of the payload and calls one sync service, which re-reads the
current object from Picqer: payload values are never trusted beyond the id, so a replayed or
out-of-order delivery cannot push stale data. The sync services are imported inside the
handlers so this module loads (and the view stays fast) without the engine's imports.
"""

from collections.abc import Callable
from typing import Any

from prestapicqer.models import PicqerAccount

Handler = Callable[..., str]


class EventIgnored(Exception):
    """Raised by a handler when a valid delivery needs no work; the message is the reason."""


def _positive_int(value: Any) -> int | None:
    """Picqer ids are positive integers; accept "123" too, refuse bools, floats and junk."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value) or None
    return None


def _data(payload: dict) -> dict:
    data = payload.get("data") if isinstance(payload, dict) else None
    return data if isinstance(data, dict) else {}


def idorder_from_payload(payload: dict) -> int | None:
    """The Picqer order id of an orders.* payload (data is the order) or of a picklist or
    shipment payload (data carries idorder; the shipment shape is unconfirmed, so a nested
    `picklist` object is accepted as well)."""
    data = _data(payload)
    idorder = _positive_int(data.get("idorder"))
    if idorder is None and isinstance(data.get("picklist"), dict):
        idorder = _positive_int(data["picklist"].get("idorder"))
    return idorder


def idproduct_from_payload(payload: dict) -> int | None:
    """The Picqer product id of a products.* payload (data is the product)."""
    return _positive_int(_data(payload).get("idproduct"))


def order_changed(*, account: PicqerAccount, payload: dict) -> str:
    """An order's status (or shipments) changed: let the order status sync decide."""
    idorder = idorder_from_payload(payload)
    if idorder is None:
        raise EventIgnored("payload has no idorder")
    from sync.services.order_status import order_status_sync

    return order_status_sync(account=account, idorder=idorder)


def product_stock_changed(*, account: PicqerAccount, payload: dict) -> str:
    """A product's stock changed in Picqer: sync that product (or the catalogue) to the shops."""
    idproduct = idproduct_from_payload(payload)
    if idproduct is None:
        raise EventIgnored("payload has no idproduct")
    from sync.services.stock import stock_product_changed

    return stock_product_changed(account=account, idproduct=idproduct)


# Every order event that can mean "the Picqer status is different now". They all lead to the
# same idempotent sync, so receiving several for one change costs a re-read, not a double write.
HANDLERS: dict[str, Handler] = {
    "orders.status_changed": order_changed,
    "orders.completed": order_changed,
    "orders.closed": order_changed,
    "orders.paused": order_changed,
    "orders.resumed": order_changed,
    # Tracking is written before the status is set; a new shipment can carry a new code.
    "picklists.shipments.created": order_changed,
    "products.free_stock_changed": product_stock_changed,
    "products.stock_changed": product_stock_changed,
    "products.assembled_stock_changed": product_stock_changed,
}


def handler_for(event: str) -> Handler | None:
    """The handler registered for `event`, or None when the event needs no work."""
    return HANDLERS.get(event)
