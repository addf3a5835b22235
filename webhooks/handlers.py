"""Which sync service a Picqer event leads to (picqer-api.md §6.2, §6.3).

Each handler pulls an id out of the payload and calls one sync service, which re-reads the
current object from Picqer: payload values are never trusted beyond the id, so a replayed or
out-of-order delivery cannot push stale data. A handler returns its Outcome; what may pass
(a RetryableError) and what is refused (another ApiError) it raises, for the inbox to retry
or fail the event.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prestapicqer.models import PicqerAccount
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


# Picqer ids are stored in 32-bit id columns (PositiveIntegerField); a larger number is junk.
PICQER_ID_MAX = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def picqer_id_parse(value: Any) -> int | None:
    """A Picqer id from a payload value: a positive int, or text of ASCII digits only ("123").
    Anything else is refused: bools, floats, "1e3", "-3", " 7", "²" (a digit to
    str.isdigit that int() rejects), and numbers above PICQER_ID_MAX."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _ASCII_DIGITS.fullmatch(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= PICQER_ID_MAX:
        return value
    return None


def _no_id_reason(key: str, raw: Any) -> str:
    """Why a payload without a usable `key` is ignored, naming what it carried instead."""
    if raw is None:
        return f"payload has no {key}"
    shown = repr(raw)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return (
        f"payload {key} {shown} is not a Picqer id (a whole number from 1 to "
        f"{PICQER_ID_MAX}) — nothing done"
    )


def _data(payload: dict) -> dict:
    data = payload.get("data") if isinstance(payload, dict) else None
    return data if isinstance(data, dict) else {}


def _raw_idorder(payload: dict) -> Any:
    """The idorder value of an orders.* payload (data is the order) or of a picklist or
    shipment payload (data carries idorder; the shipment shape is unconfirmed, so a nested
    `picklist` object is accepted as well)."""
    data = _data(payload)
    raw = data.get("idorder")
    if raw is None and isinstance(data.get("picklist"), dict):
        raw = data["picklist"].get("idorder")
    return raw


def idorder_from_payload(payload: dict) -> int | None:
    """The Picqer order id of an order, picklist or shipment payload, or None."""
    return picqer_id_parse(_raw_idorder(payload))


def idproduct_from_payload(payload: dict) -> int | None:
    """The Picqer product id of a products.* payload (data is the product)."""
    return picqer_id_parse(_data(payload).get("idproduct"))


def order_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """An order's status changed (or, from a shipments hook an operator added in Picqer, it
    got a shipment): let the order status sync decide. It reads tracking itself."""
    idorder = idorder_from_payload(payload)
    if idorder is None:
        return Outcome(_no_id_reason("idorder", _raw_idorder(payload)), ignored=True)
    return Outcome.of(order_status_sync(account=account, idorder=idorder))


def product_stock_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product's stock changed in Picqer: sync that product (or the catalogue) to the shops."""
    idproduct = idproduct_from_payload(payload)
    if idproduct is None:
        return Outcome(_no_id_reason("idproduct", _data(payload).get("idproduct")), ignored=True)
    return Outcome.of(stock_product_changed(account=account, idproduct=idproduct))


def product_changed(*, account: PicqerAccount, payload: dict) -> Outcome:
    """A product was created or edited in Picqer (its code may have changed): refresh the
    account's product index, which the order push resolves its lines from."""
    idproduct = idproduct_from_payload(payload)
    if idproduct is None:
        return Outcome(_no_id_reason("idproduct", _data(payload).get("idproduct")), ignored=True)
    return Outcome.of(product_index_product_changed(account=account, idproduct=idproduct))


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
