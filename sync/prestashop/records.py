"""PrestaShop records as the sync uses them: frozen, typed, parsed once in the client.

The webservice sends every value as text (`xml.record_to_dict`); each record here is a
dataclass of the fields the sync relies on, with PrestaShop's own names, and `from_xml` reads
every field by its annotated type (sync/http/records.py): `id: int` is the record's id, which
it must have; any other `int` a whole number, `bool` a 0/1 flag, `Decimal` a price, rate or
weight, `datetime | None` a shop-local time, `str` text (a multilingual one in its first
language), `X | None` None when the shop has no such field. A field the display left out, or
left empty, takes the default its dataclass field shows: PrestaShop writes 0 for "none" in id
columns and "" for text, so 0/""/False mean "not given"; an `int` without a default must be
there. A value that is there but is not what the column holds (a word in an id, nested XML in
a quantity) raises ApiResponseError naming the record (its `what`) and the field: a shop that
sends it is broken, and guessing would write wrong stock or statuses. The few fields read
another way (associations) name their reader with `field_read_by`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, NoReturn, Self

from sync.http.errors import ApiResponseError
from sync.http.records import RecordFields, decimal_parse, field_read_by

# PrestaShop's "no date" (MySQL zero date) in columns such as invoice_date.
ZERO_DATE = "0000-00-00 00:00:00"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_WHOLE = re.compile(r"-?\d+")


def _shown(value: Any) -> str:
    """A value as an error message shows it: short, never a whole record."""
    return repr(value)[:200]


def _refuse(message: str) -> NoReturn:
    raise ApiResponseError(f"answered with {message}", service="PrestaShop")


class _Fields(RecordFields):
    """Typed reads of one record dict; errors name the record (`what #id`) and the field."""

    __slots__ = ("record", "what")

    def __init__(self, record: Any, what: str):
        if not isinstance(record, Mapping):
            _refuse(f"a {what} that is not a record ({_shown(record)})")
        self.record, self.what = record, what

    def _scalar(self, name: str) -> str | None:
        value = self.record.get(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # a record built by hand (the XML only ever holds text)
        if not isinstance(value, str):
            self._wrong(name, value, "is not a single value")
        return value.strip()

    def _wrong(self, name: str, value: Any, problem: str) -> NoReturn:
        _refuse(
            f"{self.what} #{self.record.get('id', '?')} whose {name} {problem} ({_shown(value)})"
        )

    def id(self) -> int:
        """The record's id, which every record has: without one it cannot be placed."""
        value = self.record.get("id")
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(value, str) or not value.strip().isdigit():
            _refuse(f"a {self.what} without a readable id ({_shown(dict(self.record))})")
        return int(value)

    def whole(self, name: str, default: int | None = None) -> int:
        """A whole number; absent or empty gives `default` (None: the field is required).
        A required `id` is the record's own (`id()`)."""
        if name == "id" and default is None:
            return self.id()
        text = self._scalar(name)
        if not text:
            if default is None:
                self._wrong(name, text, "is missing")
            return default
        if not _WHOLE.fullmatch(text):
            self._wrong(name, text, "is not a whole number")
        return int(text)

    def optional_whole(self, name: str, default: None = None) -> int | None:
        """A whole number, or None when the shop has no such field or leaves it empty."""
        return self.whole(name, 0) if self._scalar(name) else default

    def flag(self, name: str, default: bool = False) -> bool:
        """PrestaShop's 1/0 booleans."""
        text = self._scalar(name)
        if not text:
            return default
        if text not in ("0", "1"):
            self._wrong(name, text, "is not 0 or 1")
        return text == "1"

    def decimal(self, name: str, default: Decimal = Decimal(0)) -> Decimal:
        """A price, rate or weight ("16.510000")."""
        text = self._scalar(name)
        if not text:
            return default
        value = decimal_parse(text)
        if value is None:
            self._wrong(name, text, "is not a number")
        return value

    def text(self, name: str, default: str = "") -> str:
        """Text as sent (`default` when absent). A multilingual field is the first language's."""
        value = self.record.get(name)
        if isinstance(value, list):
            value = value[0].get("value", "") if value and isinstance(value[0], Mapping) else ""
        if isinstance(value, Mapping):
            value = next(iter(value.values()), "")
        return value if isinstance(value, str) else default

    def optional_text(self, name: str, default: None = None) -> str | None:
        """Text, or None when the record has no such field (an older PrestaShop)."""
        return self.text(name) if name in self.record else default

    def moment(self, name: str, default: None = None) -> datetime | None:
        """A shop-local wall time ("2024-05-01 10:14:00"); None when empty or zero."""
        text = self._scalar(name)
        if not text or text == ZERO_DATE:
            return default
        try:
            return datetime.strptime(text, DATE_FORMAT)
        except ValueError:
            self._wrong(name, text, "is not a date")

    def associations(self, name: str) -> list[Any]:
        value = (self.record.get("associations") or {}).get(name) or []
        if not isinstance(value, list):
            self._wrong(f"associations.{name}", value, "is not a list")
        return value


def record_id(record: Mapping[str, Any], what: str) -> int:
    """The id of a record read with display=[id] (ApiResponseError without a readable one)."""
    return _Fields(record, what).id()


class _Record:
    """A record read by its dataclass fields (see the module); `what` names it in errors."""

    __slots__ = ()
    what: ClassVar[str]

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        return _Fields(record, cls.what).build(cls)


# -- orders and statuses --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow(_Record):
    """One row of an order (`associations.order_rows`): PrestaShop's snapshot of the line."""

    what = "order_row"
    id: int = 0
    product_id: int = 0
    product_attribute_id: int = 0
    product_quantity: int = 0
    product_reference: str = ""
    product_name: str = ""
    unit_price_tax_incl: Decimal = Decimal(0)
    unit_price_tax_excl: Decimal = Decimal(0)


def _order_rows(f: _Fields, name: str, default: tuple[()]) -> tuple[OrderRow, ...]:
    return tuple(OrderRow.from_xml(r) for r in f.associations(name))


@dataclass(frozen=True, slots=True)
class Order(_Record):
    """An order, in full or in a narrow display (absent fields keep their defaults).

    `note` is None when the shop has no such field (before 1.7.8); id_shop 0 means the
    display left it out."""

    what = "order"
    id: int
    reference: str = ""
    id_shop: int = 0
    id_lang: int = 0
    id_customer: int = 0
    id_address_delivery: int = 0
    id_address_invoice: int = 0
    id_carrier: int = 0
    current_state: int = 0
    note: str | None = None
    date_add: datetime | None = None
    date_upd: datetime | None = None
    order_rows: tuple[OrderRow, ...] = field_read_by(_order_rows, default=())

    def in_shop(self, shop_id: int | None) -> bool:
        """Whether the order belongs to the shop `shop_id` of a multistore (always True for
        a single store, or when the display left id_shop out)."""
        return not shop_id or self.id_shop in (0, shop_id)


@dataclass(frozen=True, slots=True)
class OrderHistory(_Record):
    """One status change (`order_histories`): the order entered `id_order_state`."""

    what = "order_histories row"
    id: int
    id_order: int
    id_order_state: int
    id_employee: int = 0
    date_add: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A list row with a readable id and nothing else usable: `reason` says what is wrong,
    `raw` shows the row (shortened)."""

    id: int
    reason: str
    raw: str


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of order_histories: the readable rows and the ones that are not. The page is
    placed in id order by every row, readable or not."""

    rows: tuple[OrderHistory, ...] = ()
    unreadable: tuple[UnreadableRow, ...] = ()

    @classmethod
    def from_xml(cls, records: Iterable[Mapping[str, Any]]) -> Self:
        rows, unreadable = [], []
        for record in records:
            id_ = _Fields(record, OrderHistory.what).id()  # no id: the page fails
            try:
                rows.append(OrderHistory.from_xml(record))
            except ApiResponseError as exc:
                unreadable.append(UnreadableRow(id_, exc.message, _shown(dict(record))))
        return cls(tuple(rows), tuple(unreadable))

    @property
    def size(self) -> int:
        return len(self.rows) + len(self.unreadable)

    @property
    def newest_id(self) -> int:
        """The highest row id of the page (0 for an empty page)."""
        return max([r.id for r in self.rows] + [r.id for r in self.unreadable], default=0)


@dataclass(frozen=True, slots=True)
class OrderState(_Record):
    what = "order_state"
    id: int
    name: str = ""
    deleted: bool = False
    shipped: bool = False
    paid: bool = False


@dataclass(frozen=True, slots=True)
class Carrier(_Record):
    """A carrier version: `id` changes on each back-office edit, `id_reference` stays."""

    what = "carrier"
    id: int
    id_reference: int = 0
    name: str = ""
    active: bool = True
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class OrderCarrier(_Record):
    """One shipment of an order (an order split over carriers has several)."""

    what = "order_carrier"
    id: int
    id_order: int = 0
    id_carrier: int = 0
    tracking_number: str = ""


# -- customers, addresses, countries, messages ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Customer(_Record):
    what = "customer"
    id: int
    email: str = ""
    firstname: str = ""
    lastname: str = ""


@dataclass(frozen=True, slots=True)
class Address(_Record):
    """An address as PrestaShop stores it (texts may hold HTML entities, see mappers)."""

    what = "address"
    id: int
    id_country: int = 0
    id_state: int = 0
    company: str = ""
    firstname: str = ""
    lastname: str = ""
    address1: str = ""
    address2: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    phone_mobile: str = ""


@dataclass(frozen=True, slots=True)
class Country(_Record):
    what = "country"
    id: int
    iso_code: str = ""


@dataclass(frozen=True, slots=True)
class State(_Record):
    """A state or province of a country (`states`)."""

    what = "state"
    id: int
    name: str = ""
    iso_code: str = ""


@dataclass(frozen=True, slots=True)
class Message(_Record):
    """A checkout comment (`messages`; staff notes have id_employee or private set) or a
    message of a customer thread (`customer_messages`)."""

    what = "message"
    id: int
    message: str = ""
    private: bool = False
    id_employee: int = 0
    id_order: int = 0
    id_customer_thread: int = 0


@dataclass(frozen=True, slots=True)
class CustomerThread(_Record):
    what = "customer_thread"
    id: int
    id_order: int = 0
    id_customer: int = 0
    email: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class Configuration:
    """Configuration values by name (PS_TIMEZONE, PS_OS_CANCELED…): free text in
    PrestaShop, so reading one as a number is the caller's choice (`number`)."""

    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_xml(cls, records: Iterable[Mapping[str, Any]]) -> Self:
        pairs = [_Fields(r, "configuration") for r in records]
        return cls(MappingProxyType({f.text("name"): f.text("value") for f in pairs}))

    def text(self, name: str, default: str = "") -> str:
        return self.values.get(name) or default

    def number(self, name: str) -> int | None:
        """The value as a non-negative whole number; None when unset or not one (a
        configuration a module or an upgrade left empty is not a reason to stop)."""
        value = self.values.get(name, "").strip()
        return int(value) if value.isdigit() else None


# -- catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Product(_Record):
    """A product, in full or in a narrow display. `pack_stock_type` is None when the shop
    has no such field (before 1.6.1)."""

    what = "product"
    id: int
    reference: str = ""
    name: str = ""
    type: str = ""
    cache_is_pack: bool = False
    pack_stock_type: int | None = None
    price: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    ean13: str = ""
    id_tax_rules_group: int = 0
    id_default_image: int = 0
    active: bool = True

    @property
    def is_pack(self) -> bool:
        return self.type == "pack" or self.cache_is_pack


def _option_value_ids(f: _Fields, name: str, default: tuple[()]) -> tuple[int, ...]:
    return tuple(_Fields(v, "product_option_value").id() for v in f.associations(name))


@dataclass(frozen=True, slots=True)
class Combination(_Record):
    """A combination; `price` and `weight` are impacts on the product's."""

    what = "combination"
    id: int
    id_product: int = 0
    reference: str = ""
    ean13: str = ""
    price: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    # ids, in the shop's order
    product_option_values: tuple[int, ...] = field_read_by(_option_value_ids, default=())


@dataclass(frozen=True, slots=True)
class ProductOptionValue(_Record):
    what = "product_option_value"
    id: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class StockAvailable(_Record):
    """One stock row, keyed by (id_product, id_product_attribute) per shop (id_shop 0: the
    shop group's shared row). `depends_on_stock`: computed by advanced stock management."""

    what = "stock_available"
    id: int
    id_product: int = 0
    id_product_attribute: int = 0
    quantity: int = 0
    depends_on_stock: bool = False
    id_shop: int = 0
    id_shop_group: int = 0
    out_of_stock: int = 0

    def in_shop(self, shop_id: int | None) -> bool:
        """Whether this row is the stock of shop `shop_id`: every row of a single store; in
        a multistore the shop's own row or the group's shared one (id_shop 0)."""
        return shop_id is None or self.id_shop in (shop_id, 0)


@dataclass(frozen=True, slots=True)
class TaxRule(_Record):
    """One rule of a tax rules group in a country (state 0 and no zip range: the whole
    country)."""

    what = "tax_rule"
    id: int
    id_tax_rules_group: int = 0
    id_country: int = 0
    id_state: int = 0
    zipcode_from: str = ""
    id_tax: int = 0


@dataclass(frozen=True, slots=True)
class Tax(_Record):
    what = "tax"
    id: int
    rate: Decimal = Decimal(0)
    active: bool = True
    deleted: bool = False
