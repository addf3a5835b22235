"""Picqer's JSON as typed records, parsed once at the edge (the client's named methods).

Field names are Picqer's own (docs/sources.md, Picqer). Only the fields PrestaPicqer reads are
kept. A record needs its id; a field Picqer may leave out or send as null gets the default
named on the record. Anything else that is not the promised type raises ApiResponseError,
so a service never meets a KeyError or ValueError from a Picqer answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sync.http.errors import ApiResponseError

# Picqer ids are stored in 32-bit id columns (PositiveIntegerField); a larger number is junk.
PICQER_ID_MAX = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
R = TypeVar("R")


def picqer_id_parse(value: Any) -> int | None:
    """A Picqer id: a positive int, or text of ASCII digits only ("123"). Anything else is
    None: bools, floats, "1e3", "-3", " 7", "²" (a digit to str.isdigit that int() rejects),
    and numbers above PICQER_ID_MAX."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _ASCII_DIGITS.fullmatch(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= PICQER_ID_MAX:
        return value
    return None


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


class _Fields:
    """One JSON object of kind `kind` (for the error messages), read field by field."""

    __slots__ = ("kind", "raw")

    def __init__(self, kind: str, raw: Any) -> None:
        if not isinstance(raw, Mapping):
            raise _error(f"answered a {kind} that is not a JSON object ({type(raw).__name__})")
        self.kind, self.raw = kind, raw

    def bad(self, key: str, wanted: str) -> ApiResponseError:
        value = self.raw.get(key)
        return _error(f"answered a {self.kind} whose {key} {_shown(value)} is not {wanted}")

    def id(self, key: str) -> int:
        value = picqer_id_parse(self.raw.get(key))
        if value is None:
            if self.raw.get(key) is None:
                raise _error(f"answered a {self.kind} without {key}")
            raise self.bad(key, "a Picqer id")
        return value

    def optional_id(self, key: str) -> int | None:
        """None when absent, null, 0 or "": Picqer's way of saying "none"."""
        if self.raw.get(key) in (None, 0, ""):
            return None
        return self.id(key)

    def text(self, key: str) -> str:
        """Text; "" when absent or null. Numbers are taken as their digits (a barcode or
        an order number typed as a number)."""
        value = self.raw.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value)
        raise self.bad(key, "text")

    def optional_text(self, key: str) -> str | None:
        return None if self.raw.get(key) is None else self.text(key)

    def flag(self, key: str, default: bool) -> bool:
        """A JSON bool (0/1 as PHP sometimes writes them); `default` when absent or null."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if value in (0, 1) and isinstance(value, int):
            return bool(value)
        raise self.bad(key, "true or false")

    def number(self, key: str) -> Decimal | None:
        """A price or percentage; None when absent or null. Floats keep their JSON digits."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite():
                return number
        raise self.bad(key, "a number")

    def count(self, key: str) -> int:
        """A whole quantity (stock may be negative); 0 when absent or null."""
        value = self.raw.get(key)
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            return int(value)
        raise self.bad(key, "a whole number")

    def objects(self, key: str, parse: Callable[[Any], R]) -> tuple[R, ...] | None:
        """A list of objects (or an object keyed by name, as Picqer sends an order's tags);
        None when absent or null."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = list(value.values())
        if not isinstance(value, list):
            raise self.bad(key, "a list")
        return tuple(parse(item) for item in value)


def _error(message: str) -> ApiResponseError:
    return ApiResponseError(message, service="Picqer")


def records_parse(rows: Any, parse: Callable[[Any], R], *, what: str) -> list[R]:
    """Every item of a JSON list answer (None, as for a 204, is an empty list)."""
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise _error(f"answered {type(rows).__name__} where a list of {what} was expected")
    return [parse(row) for row in rows]


# -- reference data -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tag:
    """GET /tags, and an order's `tags` (keyed by title there)."""

    idtag: int
    title: str


def tag_parse(raw: Any) -> Tag:
    f = _Fields("tag", raw)
    return Tag(idtag=f.id("idtag"), title=f.text("title"))


@dataclass(frozen=True, slots=True)
class VatGroup:
    """GET /vatgroups: `percentage` is the VAT rate in percent (21, 9, 0)."""

    idvatgroup: int
    name: str
    percentage: Decimal


def vatgroup_parse(raw: Any) -> VatGroup:
    f = _Fields("VAT group", raw)
    percentage = f.number("percentage")
    if percentage is None:
        raise f.bad("percentage", "a number")
    return VatGroup(idvatgroup=f.id("idvatgroup"), name=f.text("name"), percentage=percentage)


@dataclass(frozen=True, slots=True)
class Warehouse:
    """GET /warehouses. `active` is True when Picqer leaves it out."""

    idwarehouse: int
    name: str
    active: bool = True


def warehouse_parse(raw: Any) -> Warehouse:
    f = _Fields("warehouse", raw)
    return Warehouse(
        idwarehouse=f.id("idwarehouse"), name=f.text("name"), active=f.flag("active", True)
    )


@dataclass(frozen=True, slots=True)
class ShippingProvider:
    """GET /shippingproviders. `name` is the merchant's name for it, the one shipments carry
    as `providername`. `active` is True when Picqer leaves it out."""

    idshippingprovider: int
    name: str
    active: bool = True


def shipping_provider_parse(raw: Any) -> ShippingProvider:
    f = _Fields("shipping provider", raw)
    return ShippingProvider(
        idshippingprovider=f.id("idshippingprovider"),
        name=f.text("name"),
        active=f.flag("active", True),
    )


# -- products and stock -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockRow:
    """One warehouse's stock of a product (GET /products/{id}/stock, a product's `stock`).
    `freestock` goes negative on backorders."""

    idwarehouse: int
    stock: int
    freestock: int


def stock_row_parse(raw: Any) -> StockRow:
    f = _Fields("stock row", raw)
    return StockRow(
        idwarehouse=f.id("idwarehouse"), stock=f.count("stock"), freestock=f.count("freestock")
    )


@dataclass(frozen=True, slots=True)
class WarehouseStockItem:
    """One item of GET /warehouses/{id}/stock: a product and its stock in that warehouse."""

    idproduct: int
    productcode: str
    freestock: int


def warehouse_stock_item_parse(raw: Any) -> WarehouseStockItem:
    f = _Fields("warehouse stock item", raw)
    stock = _Fields("warehouse stock", raw.get("stock") or {})
    return WarehouseStockItem(
        idproduct=f.id("idproduct"),
        productcode=f.text("productcode"),
        freestock=stock.count("freestock"),
    )


@dataclass(frozen=True, slots=True)
class Product:
    """GET /products(/{id}). `price` excludes VAT; `active` is True and `unlimitedstock`
    False when Picqer leaves them out; `stock` is None when the object carries no stock
    (then GET /products/{id}/stock has it)."""

    idproduct: int
    productcode: str
    name: str = ""
    price: Decimal | None = None
    idvatgroup: int | None = None
    barcode: str = ""
    type: str = ""
    active: bool = True
    unlimitedstock: bool = False
    images: tuple[str, ...] = ()
    stock: tuple[StockRow, ...] | None = None


def _image(raw: Any) -> str:
    # Picqer lists image paths; an object with its `url` is taken as well.
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Mapping):
        return _Fields("product image", raw).text("url")
    raise _error(f"answered a product image {_shown(raw)} that is neither a path nor an object")


def product_parse(raw: Any) -> Product:
    f = _Fields("product", raw)
    return Product(
        idproduct=f.id("idproduct"),
        productcode=f.text("productcode"),
        name=f.text("name"),
        price=f.number("price"),
        idvatgroup=f.optional_id("idvatgroup"),
        barcode=f.text("barcode"),
        type=f.text("type"),
        active=f.flag("active", True),
        unlimitedstock=f.flag("unlimitedstock", False),
        images=f.objects("images", _image) or (),
        stock=f.objects("stock", stock_row_parse),
    )


# -- orders -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One of an order's `products`."""

    idproduct: int | None
    productcode: str
    name: str
    amount: int
    price: Decimal | None


def order_line_parse(raw: Any) -> OrderLine:
    f = _Fields("order line", raw)
    return OrderLine(
        idproduct=f.optional_id("idproduct"),
        productcode=f.text("productcode"),
        name=f.text("name"),
        amount=f.count("amount"),
        price=f.number("price"),
    )


@dataclass(frozen=True, slots=True)
class Picklist:
    """A picklist (GET /picklists, or embedded in its order); `idorder` may be absent."""

    idpicklist: int
    idorder: int | None = None
    status: str = ""


def picklist_parse(raw: Any) -> Picklist:
    f = _Fields("picklist", raw)
    return Picklist(
        idpicklist=f.id("idpicklist"), idorder=f.optional_id("idorder"), status=f.text("status")
    )


@dataclass(frozen=True, slots=True)
class Order:
    """GET /orders(/{id}), and what POST /orders and the status calls answer. `orderid` is
    the number people see (O2026-1002), `reference` ours (None when Picqer has none).
    `picklists` is None when the order object does not embed them (UNCONFIRMED, §3.3)."""

    idorder: int
    orderid: str = ""
    reference: str | None = None
    status: str = ""
    tags: tuple[Tag, ...] = ()
    products: tuple[OrderLine, ...] = ()
    picklists: tuple[Picklist, ...] | None = None

    @property
    def number(self) -> str:
        """The order number to show: `orderid`, else the idorder."""
        return self.orderid or f"{self.idorder}"


def order_parse(raw: Any) -> Order:
    f = _Fields("order", raw)
    return Order(
        idorder=f.id("idorder"),
        orderid=f.text("orderid"),
        reference=f.optional_text("reference"),
        status=f.text("status"),
        tags=f.objects("tags", tag_parse) or (),
        products=f.objects("products", order_line_parse) or (),
        picklists=f.objects("picklists", picklist_parse),
    )


@dataclass(frozen=True, slots=True)
class Comment:
    """An order comment (GET/POST /orders/{id}/comments)."""

    idcomment: int | None
    body: str


def comment_parse(raw: Any) -> Comment:
    f = _Fields("comment", raw)
    return Comment(idcomment=f.optional_id("idcomment"), body=f.text("body"))


# -- shipments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parcel:
    """One parcel of a multi-parcel shipment, with its own tracking code."""

    tracking_code: str
    tracking_url: str


def parcel_parse(raw: Any) -> Parcel:
    f = _Fields("parcel", raw or {})
    return Parcel(tracking_code=f.text("tracking_code"), tracking_url=f.text("tracking_url"))


@dataclass(frozen=True, slots=True)
class Shipment:
    """GET /picklists/{id}/shipments (docs/sources.md#picqer-shipment-tracking). `providername`
    is the merchant's name for the shipping provider, `public_providername` the carrier's public
    name."""

    idshipment: int | None
    providername: str
    public_providername: str
    trackingcode: str
    tracktraceurl: str
    cancelled: bool
    parcels: tuple[Parcel, ...] = ()


def shipment_parse(raw: Any) -> Shipment:
    f = _Fields("shipment", raw)
    return Shipment(
        idshipment=f.optional_id("idshipment"),
        providername=f.text("providername"),
        public_providername=f.text("public_providername"),
        trackingcode=f.text("trackingcode"),
        tracktraceurl=f.text("tracktraceurl") or f.text("trackingurl"),
        cancelled=f.flag("cancelled", False),
        parcels=f.objects("parcels", parcel_parse) or (),
    )


# -- webhooks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hook:
    """GET/POST /hooks (docs/sources.md#picqer-hooks): one event per hook, delivered to
    `address`."""

    idhook: int
    name: str
    event: str
    address: str
    active: bool


def hook_parse(raw: Any) -> Hook:
    f = _Fields("hook", raw)
    if not isinstance(raw.get("active"), bool):
        raise f.bad("active", "true or false")
    return Hook(
        idhook=f.id("idhook"),
        name=f.text("name"),
        event=f.text("event"),
        address=f.text("address"),
        active=raw["active"],
    )


def _no_id_reason(key: str, raw: Any) -> str:
    """Why a delivery without a usable `key` is ignored, naming what it carried instead."""
    if raw is None:
        return f"payload has no {key}"
    return (
        f"payload {key} {_shown(raw)} is not a Picqer id (a whole number from 1 to "
        f"{PICQER_ID_MAX}) — nothing done"
    )


@dataclass(frozen=True, slots=True)
class DeliveryData:
    """The `data` of a webhook delivery as far as PrestaPicqer reads it: the ids of the
    order and of the product it is about. The rest is never trusted (the services re-read
    Picqer), so it is not parsed; an id that is missing or junk is None, and `*_problem`
    says why in words for the inbox."""

    idorder: int | None
    idproduct: int | None
    idorder_problem: str = ""
    idproduct_problem: str = ""


def delivery_data_parse(payload: Any) -> DeliveryData:
    """The ids of an orders.*, picklist, shipment or products.* delivery. The idorder of an
    orders.* payload (data is the order) or of a picklist or shipment payload (data carries
    idorder; the shipment shape is unconfirmed, so a nested `picklist` object is accepted
    as well)."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    raw_idorder = data.get("idorder")
    if raw_idorder is None and isinstance(data.get("picklist"), Mapping):
        raw_idorder = data["picklist"].get("idorder")
    raw_idproduct = data.get("idproduct")
    idorder, idproduct = picqer_id_parse(raw_idorder), picqer_id_parse(raw_idproduct)
    return DeliveryData(
        idorder=idorder,
        idproduct=idproduct,
        idorder_problem="" if idorder else _no_id_reason("idorder", raw_idorder),
        idproduct_problem="" if idproduct else _no_id_reason("idproduct", raw_idproduct),
    )
