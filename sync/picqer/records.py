"""Picqer's JSON as typed records, parsed once at the edge (the client's named methods).

Field names are Picqer's own (docs/sources.md, Picqer). Only the fields PrestaPicqer reads are
kept. Each `*_parse` reads every dataclass field by its annotated type (sync/http/records.py):
an `int` named id… is a Picqer id the record must have, any other `int` a count (0 when
absent), `int | None` an id Picqer may leave out, `str` text ("" when absent), `bool` true or
false or 0/1 (the default named on the record, else False), `Decimal` a number that must be
there, `X | None` None when absent or null. A field read another way (a list of nested
records, a nested or renamed key, a stricter rule) names its reader with `field_read_by` or
`_listed`. Anything that is not the promised type raises ApiResponseError, so a service never
meets a KeyError or ValueError from a Picqer answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sync.http.errors import ApiResponseError
from sync.http.records import RecordFields, decimal_parse, field_read_by

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


class _Fields(RecordFields):
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

    def whole(self, key: str) -> int:
        """An `int` named id… is a Picqer id (required); any other a count."""
        return self.id(key) if key.startswith("id") else self.count(key)

    def optional_whole(self, key: str, default: None = None) -> int | None:
        """An `int | None` is a Picqer id that may be absent."""
        return self.optional_id(key)

    def text(self, key: str, default: str = "") -> str:
        """Text; `default` when absent or null. Numbers are taken as their digits (a barcode
        or an order number typed as a number)."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value)
        raise self.bad(key, "text")

    def optional_text(self, key: str, default: None = None) -> str | None:
        return default if self.raw.get(key) is None else self.text(key)

    def flag(self, key: str, default: bool = False) -> bool:
        """A JSON bool (0/1 as PHP sometimes writes them); `default` when absent or null."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if value in (0, 1) and isinstance(value, int):
            return bool(value)
        raise self.bad(key, "true or false")

    def strict_flag(self, key: str) -> bool:
        """A JSON bool that must be there: true or false, nothing else."""
        value = self.raw.get(key)
        if not isinstance(value, bool):
            raise self.bad(key, "true or false")
        return value

    def optional_decimal(self, key: str, default: None = None) -> Decimal | None:
        """A price or percentage; None when absent or null. Floats keep their JSON digits."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            number = decimal_parse(str(value).strip())
            if number is not None:
                return number
        raise self.bad(key, "a number")

    def decimal(self, key: str) -> Decimal:
        """A number that must be there."""
        number = self.optional_decimal(key)
        if number is None:
            raise self.bad(key, "a number")
        return number

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

    def objects(self, key: str, parse: Callable[[Any], R], default: Any) -> tuple[R, ...] | Any:
        """A list of objects (or an object keyed by name, as Picqer sends an order's tags);
        `default` when absent or null."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, Mapping):
            value = list(value.values())
        if not isinstance(value, list):
            raise self.bad(key, "a list")
        return tuple(parse(item) for item in value)


def _listed(parse: Callable[[Any], Any], default: Any = ()) -> Any:
    """A field holding a list of what `parse` reads (`default` when Picqer leaves it out)."""
    return field_read_by(lambda f, key, default: f.objects(key, parse, default), default)


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
    return _Fields("tag", raw).build(Tag)


@dataclass(frozen=True, slots=True)
class VatGroup:
    """GET /vatgroups: `percentage` is the VAT rate in percent (21, 9, 0)."""

    idvatgroup: int
    name: str
    percentage: Decimal


def vatgroup_parse(raw: Any) -> VatGroup:
    return _Fields("VAT group", raw).build(VatGroup)


@dataclass(frozen=True, slots=True)
class Warehouse:
    """GET /warehouses. `active` is True when Picqer leaves it out."""

    idwarehouse: int
    name: str
    active: bool = True


def warehouse_parse(raw: Any) -> Warehouse:
    return _Fields("warehouse", raw).build(Warehouse)


@dataclass(frozen=True, slots=True)
class ShippingProvider:
    """GET /shippingproviders. `name` is the merchant's name for it, the one shipments carry
    as `providername`. `active` is True when Picqer leaves it out."""

    idshippingprovider: int
    name: str
    active: bool = True


def shipping_provider_parse(raw: Any) -> ShippingProvider:
    return _Fields("shipping provider", raw).build(ShippingProvider)


# -- products and stock -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockRow:
    """One warehouse's stock of a product (GET /products/{id}/stock, a product's `stock`).
    `freestock` goes negative on backorders."""

    idwarehouse: int
    stock: int
    freestock: int


def stock_row_parse(raw: Any) -> StockRow:
    return _Fields("stock row", raw).build(StockRow)


def _warehouse_freestock(f: _Fields, key: str) -> int:
    # The warehouse stock list nests the numbers in a `stock` object.
    return _Fields("warehouse stock", f.raw.get("stock") or {}).count(key)


@dataclass(frozen=True, slots=True)
class WarehouseStockItem:
    """One item of GET /warehouses/{id}/stock: a product and its stock in that warehouse."""

    idproduct: int
    productcode: str
    freestock: int = field_read_by(_warehouse_freestock)


def warehouse_stock_item_parse(raw: Any) -> WarehouseStockItem:
    return _Fields("warehouse stock item", raw).build(WarehouseStockItem)


def _image(raw: Any) -> str:
    # Picqer lists image paths; an object with its `url` is taken as well.
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Mapping):
        return _Fields("product image", raw).text("url")
    raise _error(f"answered a product image {_shown(raw)} that is neither a path nor an object")


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
    images: tuple[str, ...] = _listed(_image)
    stock: tuple[StockRow, ...] | None = _listed(stock_row_parse, default=None)


def product_parse(raw: Any) -> Product:
    return _Fields("product", raw).build(Product)


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
    return _Fields("order line", raw).build(OrderLine)


@dataclass(frozen=True, slots=True)
class Picklist:
    """A picklist (GET /picklists, or embedded in its order); `idorder` may be absent."""

    idpicklist: int
    idorder: int | None = None
    status: str = ""


def picklist_parse(raw: Any) -> Picklist:
    return _Fields("picklist", raw).build(Picklist)


@dataclass(frozen=True, slots=True)
class Order:
    """GET /orders(/{id}), and what POST /orders and the status calls answer. `orderid` is
    the number people see (O2026-1002), `reference` ours (None when Picqer has none).
    `picklists` is None when the order object does not embed them (UNCONFIRMED, §3.3)."""

    idorder: int
    orderid: str = ""
    reference: str | None = None
    status: str = ""
    tags: tuple[Tag, ...] = _listed(tag_parse)
    products: tuple[OrderLine, ...] = _listed(order_line_parse)
    picklists: tuple[Picklist, ...] | None = _listed(picklist_parse, default=None)

    @property
    def number(self) -> str:
        """The order number to show: `orderid`, else the idorder."""
        return self.orderid or f"{self.idorder}"


def order_parse(raw: Any) -> Order:
    return _Fields("order", raw).build(Order)


@dataclass(frozen=True, slots=True)
class Comment:
    """An order comment (GET/POST /orders/{id}/comments)."""

    idcomment: int | None
    body: str


def comment_parse(raw: Any) -> Comment:
    return _Fields("comment", raw).build(Comment)


# -- shipments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parcel:
    """One parcel of a multi-parcel shipment, with its own tracking code."""

    tracking_code: str
    tracking_url: str


def parcel_parse(raw: Any) -> Parcel:
    return _Fields("parcel", raw or {}).build(Parcel)


def _tracktraceurl(f: _Fields, key: str) -> str:
    return f.text(key) or f.text("trackingurl")  # the name some shipments carry instead


@dataclass(frozen=True, slots=True)
class Shipment:
    """GET /picklists/{id}/shipments (docs/sources.md#picqer-shipment-tracking). `providername`
    is the merchant's name for the shipping provider, `public_providername` the carrier's public
    name."""

    idshipment: int | None
    providername: str
    public_providername: str
    trackingcode: str
    tracktraceurl: str = field_read_by(_tracktraceurl)
    cancelled: bool
    parcels: tuple[Parcel, ...] = _listed(parcel_parse)


def shipment_parse(raw: Any) -> Shipment:
    return _Fields("shipment", raw).build(Shipment)


# -- webhooks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hook:
    """GET/POST /hooks (docs/sources.md#picqer-hooks): one event per hook, delivered to
    `address`. `active` must be sent as true or false."""

    idhook: int
    name: str
    event: str
    address: str
    active: bool = field_read_by(_Fields.strict_flag)


def hook_parse(raw: Any) -> Hook:
    return _Fields("hook", raw).build(Hook)


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
