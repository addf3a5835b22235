"""Which sync service a Picqer event leads to (docs/sources.md#picqer-webhook-payload).

Each handler takes the ids of the delivery's `data` (`sync.picqer.records.DeliveryData`)
and calls one sync service, which re-reads the current object from Picqer: payload values
are never trusted beyond the id, so a replayed or out-of-order delivery cannot push stale
data. A handler returns its Outcome; what may pass (a RetryableError) and what is refused
(another ApiError) it raises, for the inbox to retry or fail the event.
"""

from collections.abc import Callable
from dataclasses import dataclass

from prestapicqer.models import PicqerAccount
from sync.picqer.records import delivery_data_parse
from sync.services.order_status import order_status_sync
from sync.services.product_index import product_index_product_changed
from sync.services.stock import stock_product_changed

# The sync services answer "ignored: <reason>" when a valid delivery needs no work.
IGNORED_PREFIX = "ignored"


@dataclass(frozen=True)
class Outcome:
    """What a handler did, in the operator's words (the event's result); `ignored` when the
    delivery needed no work."""

    text: str
    ignored: bool = False

    @classmethod
    def of(cls, result: str | None) -> "Outcome":
        """The outcome a sync service's answer stands for."""
        text = result or ""
        return cls(text, ignored=text.startswith(IGNORED_PREFIX))


Handler = Callable[..., Outcome]


def order_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """An order's status changed (or, from a shipments hook an operator added in Picqer, it
    got a shipment): let the order status sync decide. It reads tracking itself."""
    data = delivery_data_parse(payload)
    if data.idorder is None:
        return Outcome(data.idorder_problem, ignored=True)
    return Outcome.of(order_status_sync(account=account, idorder=data.idorder))


def product_stock_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product's stock changed in Picqer: sync that product (or the catalogue) to the shops."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        return Outcome(data.idproduct_problem, ignored=True)
    return Outcome.of(stock_product_changed(account=account, idproduct=data.idproduct))


def product_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product was created or edited in Picqer (its code may have changed): refresh the
    account's product index, which the order push resolves its lines from."""
    data = delivery_data_parse(payload)
    if data.idproduct is None:
        return Outcome(data.idproduct_problem, ignored=True)
    return Outcome.of(product_index_product_changed(account=account, idproduct=data.idproduct))


# Every order event that can mean "the Picqer status is different now". They all lead to the
# same idempotent sync, so receiving several for one change costs a re-read, not a double write.
HANDLERS: dict[str, Handler] = {
    "orders.status_changed": order_changed,
    "orders.completed": order_changed,
    "orders.closed": order_changed,
    "orders.paused": order_changed,
    "orders.resumed": order_changed,
    # PrestaPicqer registers no shipments hook (sync.services.hooks): the status sync reads
    # the shipments itself. One an operator adds leads to the same idempotent sync.
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
