"""Which sync service a Picqer event leads to (picqer-api.md §6.2, §6.3).

Each handler takes the ids of the delivery's `data` (`sync.picqer.records.DeliveryData`)
and calls one sync service, which re-reads the current object from Picqer: payload values
are never trusted beyond the id, so a replayed or out-of-order delivery cannot push stale
data. The sync services are imported inside the handlers so this module loads (and the view
stays fast) without the engine's imports.
"""

from collections.abc import Callable

from prestapicqer.models import PicqerAccount
from sync.picqer.records import delivery_data_parse

Handler = Callable[..., str]


class EventIgnored(Exception):
    """Raised by a handler when a valid delivery needs no work; the message is the reason."""


def order_changed(*, account: PicqerAccount, payload: dict) -> str:
    """An order's status (or shipments) changed: let the order status sync decide."""
    data = delivery_data_parse(payload)
    if data.idorder is None:
        raise EventIgnored(data.idorder_problem)
    from sync.services.order_status import order_status_sync

    return order_status_sync(account=account, idorder=data.idorder)


def product_stock_changed(*, account: PicqerAccount, payload: dict) -> str:
    """A product's stock changed in Picqer: sync that product (or the catalogue) to the shops."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        raise EventIgnored(data.idproduct_problem)
    from sync.services.stock import stock_product_changed

    return stock_product_changed(account=account, idproduct=data.idproduct)


def product_changed(*, account: PicqerAccount, payload: dict) -> str:
    """A product was created or edited in Picqer (its code may have changed): refresh the
    account's product index, which the order push resolves its lines from."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        raise EventIgnored(data.idproduct_problem)
    from sync.services.product_index import product_index_product_changed

    return product_index_product_changed(account=account, idproduct=data.idproduct)


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
    "products.created": product_changed,
    "products.changed": product_changed,
}


def handler_for(event: str) -> Handler | None:
    """The handler registered for `event`, or None when the event needs no work."""
    return HANDLERS.get(event)
