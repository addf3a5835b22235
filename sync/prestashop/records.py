"""PrestaShop records as the sync uses them: frozen, typed, parsed once in the client.

The webservice sends every value as text (`xml.record_to_dict`); each record here reads the
fields the sync relies on, with PrestaShop's own names, into ints, bools, Decimals and
datetimes. A field the display left out, or left empty, takes the default its dataclass
field shows: PrestaShop writes 0 for "none" in id columns and "" for text, so 0/""/False
mean "not given". A value that is there but is not what the column holds (a word in an id,
nested XML in a quantity) raises ApiResponseError naming the record and the field: a shop
that sends it is broken, and guessing would write wrong stock or statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, NoReturn, Self

from sync.http.errors import ApiResponseError

# PrestaShop's "no date" (MySQL zero date) in columns such as invoice_date.
ZERO_DATE = "0000-00-00 00:00:00"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_WHOLE = re.compile(r"-?\d+")


def _shown(value: Any) -> str:
    """A value as an error message shows it: short, never a whole record."""
    return repr(value)[:200]


def _refuse(message: str) -> NoReturn:
    raise ApiResponseError(f"answered with {message}", service="PrestaShop")


class _Fields:
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

    def number(self, name: str, default: int | None = 0) -> int:
        """A whole number; absent or empty gives `default` (None: the field is required)."""
        text = self._scalar(name)
        if not text:
            if default is None:
                self._wrong(name, text, "is missing")
            return default
        if not _WHOLE.fullmatch(text):
            self._wrong(name, text, "is not a whole number")
        return int(text)

    def optional_number(self, name: str) -> int | None:
        """A whole number, or None when the shop has no such field or leaves it empty."""
        return self.number(name) if self._scalar(name) else None

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
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self._wrong(name, text, "is not a number")
        return value

    def optional_decimal(self, name: str) -> Decimal | None:
        return self.decimal(name) if self._scalar(name) else None

    def text(self, name: str) -> str:
        """Text as sent ("" when absent). A multilingual field is the first language's."""
        value = self.record.get(name)
        if isinstance(value, list):
            value = value[0].get("value", "") if value and isinstance(value[0], Mapping) else ""
        if isinstance(value, Mapping):
            value = next(iter(value.values()), "")
        return value if isinstance(value, str) else ""

    def optional_text(self, name: str) -> str | None:
        """Text, or None when the record has no such field (an older PrestaShop)."""
        return self.text(name) if name in self.record else None

    def moment(self, name: str) -> datetime | None:
        """A shop-local wall time ("2024-05-01 10:14:00"); None when empty or zero."""
        text = self._scalar(name)
        if not text or text == ZERO_DATE:
            return None
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


# -- orders and statuses --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One row of an order (`associations.order_rows`): PrestaShop's snapshot of the line."""

    id: int = 0
    product_id: int = 0
    product_attribute_id: int = 0
    product_quantity: int = 0
    product_reference: str = ""
    product_name: str = ""
    unit_price_tax_incl: Decimal = Decimal(0)
    unit_price_tax_excl: Decimal = Decimal(0)

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "order_row")
        return cls(
            id=f.number("id"),
            product_id=f.number("product_id"),
            product_attribute_id=f.number("product_attribute_id"),
            product_quantity=f.number("product_quantity"),
            product_reference=f.text("product_reference"),
            product_name=f.text("product_name"),
            unit_price_tax_incl=f.decimal("unit_price_tax_incl"),
            unit_price_tax_excl=f.decimal("unit_price_tax_excl"),
        )


@dataclass(frozen=True, slots=True)
class Order:
    """An order, in full or in a narrow display (absent fields keep their defaults).

    `note` is None when the shop has no such field (before 1.7.8); id_shop 0 means the
    display left it out."""

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
    order_rows: tuple[OrderRow, ...] = ()

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "order")
        return cls(
            id=f.id(),
            reference=f.text("reference"),
            id_shop=f.number("id_shop"),
            id_lang=f.number("id_lang"),
            id_customer=f.number("id_customer"),
            id_address_delivery=f.number("id_address_delivery"),
            id_address_invoice=f.number("id_address_invoice"),
            id_carrier=f.number("id_carrier"),
            current_state=f.number("current_state"),
            note=f.optional_text("note"),
            date_add=f.moment("date_add"),
            date_upd=f.moment("date_upd"),
            order_rows=tuple(OrderRow.from_xml(r) for r in f.associations("order_rows")),
        )

    def in_shop(self, shop_id: int | None) -> bool:
        """Whether the order belongs to the shop `shop_id` of a multistore (always True for
        a single store, or when the display left id_shop out)."""
        return not shop_id or self.id_shop in (0, shop_id)


@dataclass(frozen=True, slots=True)
class OrderHistory:
    """One status change (`order_histories`): the order entered `id_order_state`."""

    id: int
    id_order: int
    id_order_state: int
    id_employee: int = 0
    date_add: datetime | None = None

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "order_histories row")
        return cls(
            id=f.id(),
            id_order=f.number("id_order", default=None),
            id_order_state=f.number("id_order_state", default=None),
            id_employee=f.number("id_employee"),
            date_add=f.moment("date_add"),
        )


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
            id_ = _Fields(record, "order_histories row").id()  # no id: the page fails
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
class OrderState:
    id: int
    name: str = ""
    deleted: bool = False
    shipped: bool = False
    paid: bool = False

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "order_state")
        return cls(
            id=f.id(),
            name=f.text("name"),
            deleted=f.flag("deleted"),
            shipped=f.flag("shipped"),
            paid=f.flag("paid"),
        )


@dataclass(frozen=True, slots=True)
class Carrier:
    """A carrier version: `id` changes on each back-office edit, `id_reference` stays."""

    id: int
    id_reference: int = 0
    name: str = ""
    active: bool = True
    deleted: bool = False

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "carrier")
        return cls(
            id=f.id(),
            id_reference=f.number("id_reference"),
            name=f.text("name"),
            active=f.flag("active", default=True),
            deleted=f.flag("deleted"),
        )


@dataclass(frozen=True, slots=True)
class OrderCarrier:
    """One shipment of an order (an order split over carriers has several)."""

    id: int
    id_order: int = 0
    id_carrier: int = 0
    tracking_number: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "order_carrier")
        return cls(
            id=f.id(),
            id_order=f.number("id_order"),
            id_carrier=f.number("id_carrier"),
            tracking_number=f.text("tracking_number"),
        )


# -- customers, addresses, countries, messages ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    email: str = ""
    firstname: str = ""
    lastname: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "customer")
        return cls(
            id=f.id(),
            email=f.text("email"),
            firstname=f.text("firstname"),
            lastname=f.text("lastname"),
        )


@dataclass(frozen=True, slots=True)
class Address:
    """An address as PrestaShop stores it (texts may hold HTML entities, see mappers)."""

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

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "address")
        texts = ("company", "firstname", "lastname", "address1", "address2", "postcode", "city")
        return cls(
            id=f.id(),
            id_country=f.number("id_country"),
            id_state=f.number("id_state"),
            phone=f.text("phone"),
            phone_mobile=f.text("phone_mobile"),
            **{name: f.text(name) for name in texts},
        )


@dataclass(frozen=True, slots=True)
class Country:
    id: int
    iso_code: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "country")
        return cls(id=f.id(), iso_code=f.text("iso_code"))


@dataclass(frozen=True, slots=True)
class State:
    """A state or province of a country (`states`)."""

    id: int
    name: str = ""
    iso_code: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "state")
        return cls(id=f.id(), name=f.text("name"), iso_code=f.text("iso_code"))


@dataclass(frozen=True, slots=True)
class Message:
    """A checkout comment (`messages`; staff notes have id_employee or private set) or a
    message of a customer thread (`customer_messages`)."""

    id: int
    message: str = ""
    private: bool = False
    id_employee: int = 0
    id_order: int = 0
    id_customer_thread: int = 0

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "message")
        return cls(
            id=f.id(),
            message=f.text("message"),
            private=f.flag("private"),
            id_employee=f.number("id_employee"),
            id_order=f.number("id_order"),
            id_customer_thread=f.number("id_customer_thread"),
        )


@dataclass(frozen=True, slots=True)
class CustomerThread:
    id: int
    id_order: int = 0
    id_customer: int = 0
    email: str = ""
    status: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "customer_thread")
        return cls(
            id=f.id(),
            id_order=f.number("id_order"),
            id_customer=f.number("id_customer"),
            email=f.text("email"),
            status=f.text("status"),
        )


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
class Product:
    """A product, in full or in a narrow display. `pack_stock_type` is None when the shop
    has no such field (before 1.6.1)."""

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

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "product")
        return cls(
            id=f.id(),
            reference=f.text("reference"),
            name=f.text("name"),
            type=f.text("type"),
            cache_is_pack=f.flag("cache_is_pack"),
            pack_stock_type=f.optional_number("pack_stock_type"),
            price=f.decimal("price"),
            weight=f.decimal("weight"),
            ean13=f.text("ean13"),
            id_tax_rules_group=f.number("id_tax_rules_group"),
            id_default_image=f.number("id_default_image"),
            active=f.flag("active", default=True),
        )

    @property
    def is_pack(self) -> bool:
        return self.type == "pack" or self.cache_is_pack


@dataclass(frozen=True, slots=True)
class Combination:
    """A combination; `price` and `weight` are impacts on the product's."""

    id: int
    id_product: int = 0
    reference: str = ""
    ean13: str = ""
    price: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    product_option_values: tuple[int, ...] = ()  # ids, in the shop's order

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "combination")
        return cls(
            id=f.id(),
            id_product=f.number("id_product"),
            reference=f.text("reference"),
            ean13=f.text("ean13"),
            price=f.decimal("price"),
            weight=f.decimal("weight"),
            product_option_values=tuple(
                _Fields(v, "product_option_value").id()
                for v in f.associations("product_option_values")
            ),
        )


@dataclass(frozen=True, slots=True)
class ProductOptionValue:
    id: int
    name: str = ""

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "product_option_value")
        return cls(id=f.id(), name=f.text("name"))


@dataclass(frozen=True, slots=True)
class StockAvailable:
    """One stock row, keyed by (id_product, id_product_attribute) per shop (id_shop 0: the
    shop group's shared row). `depends_on_stock`: computed by advanced stock management."""

    id: int
    id_product: int = 0
    id_product_attribute: int = 0
    quantity: int = 0
    depends_on_stock: bool = False
    id_shop: int = 0
    id_shop_group: int = 0
    out_of_stock: int = 0

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "stock_available")
        return cls(
            id=f.id(),
            id_product=f.number("id_product"),
            id_product_attribute=f.number("id_product_attribute"),
            quantity=f.number("quantity"),
            depends_on_stock=f.flag("depends_on_stock"),
            id_shop=f.number("id_shop"),
            id_shop_group=f.number("id_shop_group"),
            out_of_stock=f.number("out_of_stock"),
        )

    def in_shop(self, shop_id: int | None) -> bool:
        """Whether this row is the stock of shop `shop_id`: every row of a single store; in
        a multistore the shop's own row or the group's shared one (id_shop 0)."""
        return shop_id is None or self.id_shop in (shop_id, 0)


@dataclass(frozen=True, slots=True)
class TaxRule:
    """One rule of a tax rules group in a country (state 0 and no zip range: the whole
    country)."""

    id: int
    id_tax_rules_group: int = 0
    id_country: int = 0
    id_state: int = 0
    zipcode_from: str = ""
    id_tax: int = 0

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "tax_rule")
        return cls(
            id=f.id(),
            id_tax_rules_group=f.number("id_tax_rules_group"),
            id_country=f.number("id_country"),
            id_state=f.number("id_state"),
            zipcode_from=f.text("zipcode_from"),
            id_tax=f.number("id_tax"),
        )


@dataclass(frozen=True, slots=True)
class Tax:
    id: int
    rate: Decimal = Decimal(0)
    active: bool = True
    deleted: bool = False

    @classmethod
    def from_xml(cls, record: Mapping[str, Any]) -> Self:
        f = _Fields(record, "tax")
        return cls(
            id=f.id(),
            rate=f.decimal("rate"),
            active=f.flag("active", default=True),
            deleted=f.flag("deleted"),
        )
