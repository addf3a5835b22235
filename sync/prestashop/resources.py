"""The PrestaShop resources the sync uses, as named calls over the generic ones of
`PrestaShopClient` (list/get/create/update/iter_ids). Mixed into the client. Every call
builds its own query and returns typed records (`records`): callers never see PrestaShop's
query syntax or its strings."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sync.http.errors import ApiClientError

from .query import text_equals_filter
from .records import (
    DATE_FORMAT,
    Address,
    Carrier,
    Combination,
    Configuration,
    Country,
    Customer,
    CustomerThread,
    HistoryPage,
    Message,
    Order,
    OrderCarrier,
    OrderHistory,
    OrderState,
    Product,
    ProductOptionValue,
    State,
    StockAvailable,
    Tax,
    TaxRule,
    record_id,
)

STOCK_FIELDS = [
    "id",
    "id_product",
    "id_product_attribute",
    "id_shop",
    "id_shop_group",
    "quantity",
    "depends_on_stock",
    "out_of_stock",
]
# What the stock layout needs of a product. `pack_stock_type` exists from PrestaShop 1.6.1;
# older shops refuse to display it, so it is asked for last and dropped when refused.
PRODUCT_STOCK_FIELDS = ["id", "reference", "name", "type", "cache_is_pack", "pack_stock_type"]
PRODUCT_IMPORT_FIELDS = [
    "id",
    "reference",
    "name",
    "price",
    "id_tax_rules_group",
    "ean13",
    "weight",
    "id_default_image",
]
COMBINATION_FIELDS = ["id", "id_product", "reference"]
# The multistore fields the poll needs of an order, and what the pending stock needs.
ORDER_BRIEF_FIELDS = ["id", "reference", "id_shop"]
ORDER_ROWS_FIELDS = [
    "id",
    "id_shop",
    "current_state",
    "order_rows[product_reference,product_quantity]",
]
TAX_RULE_FIELDS = ["id", "id_tax_rules_group", "id_country", "id_state", "zipcode_from", "id_tax"]
PAGE = 1000  # narrow display lists: docs/sources.md#prestashop-page-size


class PrestaShopResources:
    """Resource calls; every method goes through the client's generic calls."""

    # -- orders and statuses --------------------------------------------------------------

    def order_get(self, id_order: int) -> Order:
        """GET /api/orders/{id} (with its order rows)."""
        return Order.from_xml(self.get("orders", id_order))

    def orders_brief(self, ids: Iterable[int]) -> list[Order]:
        """id, reference and id_shop of several orders (one call; keep batches to ~200)."""
        return [Order.from_xml(o) for o in self._by_ids("orders", ids, ORDER_BRIEF_FIELDS)]

    def orders_with_rows(self, ids: Iterable[int]) -> list[Order]:
        """id, id_shop, current_state and the rows' reference and quantity of several
        orders (one call; keep batches to ~100)."""
        return [Order.from_xml(o) for o in self._by_ids("orders", ids, ORDER_ROWS_FIELDS)]

    def order_newest_id(self) -> int:
        """The id of the newest order (0 in a shop without orders)."""
        return self._newest_id("orders")

    def orders_updated_since(
        self, since: datetime, *, offset: int = 0, limit: int = 100
    ) -> list[Order]:
        """id, reference and date_upd of the orders changed after `since` (shop-local wall
        time, as PrestaShop writes date_upd), oldest change first."""
        rows = self.list(
            "orders",
            display=["id", "reference", "date_upd"],
            filters={"date_upd": f">[{since.strftime(DATE_FORMAT)}]"},
            sort="[date_upd_ASC,id_ASC]",
            limit=(offset, limit),
        )
        return [Order.from_xml(o) for o in rows]

    def order_note_set(self, id_order: int, note: str) -> Order:
        """Write the order's note (GET + full PUT before 8.0, which keeps the rest)."""
        return Order.from_xml(self.update("orders", id_order, {"note": note}))

    def order_histories_after(self, last_id: int, limit: int = 100) -> HistoryPage:
        """Status changes with id > last_id, oldest first (the gap-free status cursor). A
        row without a readable order or state is kept apart (`HistoryPage.unreadable`)."""
        rows = self.list(
            "order_histories", filters={"id": f">[{int(last_id)}]"}, sort="[id_ASC]", limit=limit
        )
        return HistoryPage.from_xml(rows)

    def order_history_newest_id(self) -> int:
        """The id of the newest status change (0 when there is none)."""
        return self._newest_id("order_histories")

    def order_histories_for_order(self, id_order: int, *, after: int = 0) -> list[OrderHistory]:
        """The order's status changes with id > after, oldest first."""
        return self.order_histories_for_orders([id_order], after=after)

    def order_histories_for_orders(
        self, ids: Iterable[int], *, after: int = 0
    ) -> list[OrderHistory]:
        """The status changes with id > after of several orders, oldest first."""
        wanted = "|".join(str(int(i)) for i in ids)
        if not wanted:
            return []
        rows = self.list(
            "order_histories",
            filters={"id_order": f"[{wanted}]", "id": f">[{int(after)}]"},
            sort="[id_ASC]",
        )
        return [OrderHistory.from_xml(r) for r in rows]

    def order_history_create(
        self, id_order: int, id_order_state: int, send_email: bool = True
    ) -> OrderHistory:
        """POST /api/order_histories(?sendemail=1): runs PrestaShop's whole state change
        (emails, invoice, stock re-injection on cancel). Not idempotent: compare the order's
        current_state first."""
        created = self.create(
            "order_histories",
            {"id_order": id_order, "id_order_state": id_order_state},
            params={"sendemail": "1"} if send_email else None,
        )
        return OrderHistory.from_xml(created)

    def order_states(self) -> list[OrderState]:
        """Every order state (name collapsed to the first language)."""
        return [OrderState.from_xml(s) for s in self.list("order_states", sort="[id_ASC]")]

    def carriers(self) -> list[Carrier]:
        """Every carrier; map by `id_reference` (id_carrier changes on each BO edit)."""
        return [Carrier.from_xml(c) for c in self.list("carriers", sort="[id_ASC]")]

    def carrier_get(self, id_carrier: int) -> Carrier:
        """GET /api/carriers/{id}."""
        return Carrier.from_xml(self.get("carriers", id_carrier))

    def order_carriers_for_order(self, id_order: int) -> list[OrderCarrier]:
        """The order_carrier rows of an order (one per shipment of a split order)."""
        rows = self.list("order_carriers", filters={"id_order": id_order}, sort="[id_ASC]")
        return [OrderCarrier.from_xml(r) for r in rows]

    def order_carrier_set_tracking(
        self, id_order_carrier: int, tracking_number: str, *, send_email: bool = False
    ) -> OrderCarrier:
        """Set tracking_number (before posting the Shipped state, so its email has it).
        `send_email` also sends PrestaShop's "in transit" email."""
        updated = self.update(
            "order_carriers",
            id_order_carrier,
            {"tracking_number": tracking_number},
            params={"sendemail": "1"} if send_email else None,
        )
        return OrderCarrier.from_xml(updated)

    # -- customers, addresses, countries, configuration -----------------------------------

    def customer_get(self, id_customer: int) -> Customer:
        """GET /api/customers/{id}."""
        return Customer.from_xml(self.get("customers", id_customer))

    def address_get(self, id_address: int) -> Address:
        """GET /api/addresses/{id} (read by the order's id_address_delivery/invoice)."""
        return Address.from_xml(self.get("addresses", id_address))

    def countries(self) -> list[Country]:
        """id and iso_code of every country (cache it)."""
        rows = self.list("countries", display=["id", "iso_code"], sort="[id_ASC]")
        return [Country.from_xml(c) for c in rows]

    def country_get(self, id_country: int) -> Country:
        """GET /api/countries/{id}."""
        return Country.from_xml(self.get("countries", id_country))

    def state_get(self, id_state: int) -> State:
        """GET /api/states/{id} (a state or province of an address)."""
        return State.from_xml(self.get("states", id_state))

    def configurations(self, names: Iterable[str]) -> Configuration:
        """Configuration keys such as PS_TIMEZONE, PS_OS_SHIPPING (missing ones: "")."""
        wanted = "|".join(names)
        rows = self.list(
            "configurations", display=["name", "value"], filters={"name": f"[{wanted}]"}
        )
        return Configuration.from_xml(rows)

    # -- products, combinations, stock ----------------------------------------------------

    def product_get(self, id_product: int) -> Product:
        """GET /api/products/{id}."""
        return Product.from_xml(self.get("products", id_product))

    def products_for_import(self, ids: Iterable[int]) -> list[Product]:
        """What the bulk import maps of several products (name, price, tax group, EAN,
        weight, cover image), one call; keep batches to ~100 ids."""
        return [Product.from_xml(p) for p in self._by_ids("products", ids, PRODUCT_IMPORT_FIELDS)]

    def combinations_by_ids(self, ids: Iterable[int]) -> list[Combination]:
        """Several combinations in full (the option values are an association: only
        `full` shows them), one call."""
        return [Combination.from_xml(c) for c in self._by_ids("combinations", ids, "full")]

    def product_option_values_by_ids(self, ids: Iterable[int]) -> list[ProductOptionValue]:
        """Names of several option values ("S", "Blue"), one call."""
        rows = self._by_ids("product_option_values", ids, ["id", "name"])
        return [ProductOptionValue.from_xml(v) for v in rows]

    def taxes_by_ids(self, ids: Iterable[int]) -> list[Tax]:
        """Rate and state of several taxes, one call."""
        rows = self._by_ids("taxes", ids, ["id", "rate", "active", "deleted"])
        return [Tax.from_xml(t) for t in rows]

    def tax_rules_for_country(self, id_country: int) -> list[TaxRule]:
        """The tax rules of every tax rules group in one country (id_tax per group)."""
        rows = self.list(
            "tax_rules",
            display=TAX_RULE_FIELDS,
            filters={"id_country": int(id_country)},
            sort="[id_ASC]",
        )
        return [TaxRule.from_xml(r) for r in rows]

    def product_image(self, id_product: int, id_image: int) -> bytes:
        """The image file (JPEG/PNG as the shop stores it) of one product image."""
        return self.request("GET", f"images/products/{int(id_product)}/{int(id_image)}").content

    def products_for_stock(self) -> list[Product]:
        """Every product with what the stock layout needs (id-cursor paging)."""
        return self._with_pack_fields(
            lambda fields: self.iter_ids("products", display=fields, page_size=PAGE)
        )

    def products_by_reference(self, reference: str) -> list[Product]:
        """Products whose reference equals `reference` exactly (references are not unique),
        with what the stock layout needs."""
        return self._with_pack_fields(
            lambda fields: self._by_exact_text("products", "reference", reference, display=fields)
        )

    def combinations_for_stock(self) -> Iterator[Combination]:
        """Every combination: id, id_product, reference (id-cursor paging)."""
        rows = self.iter_ids("combinations", display=COMBINATION_FIELDS, page_size=PAGE)
        return (Combination.from_xml(c) for c in rows)

    def combinations_for_product(self, id_product: int) -> list[Combination]:
        """id, id_product, reference of one product's combinations."""
        rows = self.list(
            "combinations",
            display=COMBINATION_FIELDS,
            filters={"id_product": int(id_product)},
            sort="[id_ASC]",
        )
        return [Combination.from_xml(c) for c in rows]

    def combinations_by_reference(self, reference: str) -> list[Combination]:
        """Combinations whose reference equals `reference` exactly."""
        rows = self._by_exact_text(
            "combinations", "reference", reference, display=COMBINATION_FIELDS
        )
        return [Combination.from_xml(c) for c in rows]

    def stock_availables_iter(
        self, *, shop_id: int | None = None, page_size: int = PAGE
    ) -> Iterator[StockAvailable]:
        """Every stock_available row (narrow display, id-cursor paging); with `shop_id`,
        that shop's rows and the shop group's shared ones (id_shop 0,
        docs/sources.md#prestashop-stock-shops). Skip rows with depends_on_stock=1 and
        aggregate rows (id_product_attribute=0) of products with combinations."""
        rows = self.iter_ids(
            "stock_availables",
            display=STOCK_FIELDS,
            filters={"id_shop": f"[{int(shop_id)}|0]"} if shop_id else None,
            page_size=page_size,
        )
        return (StockAvailable.from_xml(r) for r in rows)

    def stock_availables_for_product(
        self, id_product: int, id_product_attribute: int | None = None
    ) -> list[StockAvailable]:
        """Stock rows of one product (or one combination of it), every shop."""
        filters: dict[str, Any] = {"id_product": id_product}
        if id_product_attribute is not None:
            filters["id_product_attribute"] = id_product_attribute
        rows = self.list("stock_availables", display=STOCK_FIELDS, filters=filters, sort="[id_ASC]")
        return [StockAvailable.from_xml(r) for r in rows]

    def stock_available_set_quantity(
        self, id_stock_available: int, quantity: int
    ) -> StockAvailable:
        """Set the absolute sellable quantity of one row (idempotent; PATCH on 8.x+,
        GET + full PUT before, which keeps id_shop/location intact)."""
        updated = self.update("stock_availables", id_stock_available, {"quantity": int(quantity)})
        return StockAvailable.from_xml(updated)

    # -- messages -------------------------------------------------------------------------

    def messages_for_order(self, id_order: int) -> list[Message]:
        """Checkout comments of an order (`messages` resource, PS 1.7+: on an older shop
        [] without a call, as it has no such resource). The version is usually known by
        then from the order just read (`PSWS-Version`)."""
        release = self.version_tuple
        if release and release < (1, 7):
            return []
        rows = self.list("messages", filters={"id_order": id_order}, sort="[id_ASC]")
        return [Message.from_xml(m) for m in rows]

    def customer_threads_for_order(self, id_order: int) -> list[CustomerThread]:
        """The order's customer threads, oldest first."""
        rows = self.list("customer_threads", filters={"id_order": id_order}, sort="[id_ASC]")
        return [CustomerThread.from_xml(t) for t in rows]

    def customer_thread_for_order(
        self,
        id_order: int,
        *,
        email: str | None = None,
        threads: list[CustomerThread] | None = None,
    ) -> CustomerThread | None:
        """The order's customer thread (the one with `email` when given), or None.
        `threads`, when the caller has just listed them, saves listing them again."""
        if threads is None:
            threads = self.customer_threads_for_order(id_order)
        if email is not None:
            threads = [t for t in threads if t.email.lower() == email.lower()]
        return threads[0] if threads else None

    def customer_messages_for_thread(self, id_customer_thread: int) -> list[Message]:
        """Messages of one customer thread, oldest first."""
        rows = self.list(
            "customer_messages", filters={"id_customer_thread": id_customer_thread}, sort="[id_ASC]"
        )
        return [Message.from_xml(m) for m in rows]

    def private_message_add(
        self,
        id_order: int,
        message: str,
        *,
        id_employee: int = 0,
        order: Order | None = None,
        customer: Customer | None = None,
        threads: list[CustomerThread] | None = None,
    ) -> Message:
        """Add a private (staff-only) message to the order page, as the back office does
        (docs/sources.md#prestashop-private-messages): reuse or create the order's thread (it needs
        both id_customer and id_order to show), then POST a customer_message private=1.
        Not idempotent: check `customer_messages_for_thread` before retrying. `order` and
        `customer` (and the order's `threads`), when the caller has just read them, save
        reading them again."""
        order = order or self.order_get(id_order)
        customer = customer or self.customer_get(order.id_customer)
        thread = self.customer_thread_for_order(id_order, email=customer.email, threads=threads)
        if thread is None:
            created = self.create(
                "customer_threads",
                {
                    "id_lang": order.id_lang or 1,
                    "id_shop": order.id_shop or 1,
                    "id_customer": order.id_customer,
                    "id_order": id_order,
                    "id_contact": 0,
                    "email": customer.email,
                    "token": secrets.token_hex(6),
                    "status": "open",
                },
            )
            thread = CustomerThread.from_xml(created)
        created = self.create(
            "customer_messages",
            {
                "id_customer_thread": thread.id,
                "id_employee": id_employee,
                "message": message,
                "private": 1,
            },
        )
        return Message.from_xml(created)

    # -- shared ---------------------------------------------------------------------------

    def _newest_id(self, resource: str) -> int:
        rows = self.list(resource, display=["id"], sort="[id_DESC]", limit=1)
        return record_id(rows[0], resource) if rows else 0

    def _by_ids(
        self, resource: str, ids: Iterable[int], display: str | Iterable[str]
    ) -> list[dict]:
        """Records of `resource` with these ids in one call (filter[id]=[1|2|3]); keep
        batches to ~100 ids (the address grows with them)."""
        wanted = "|".join(str(int(i)) for i in ids)
        if not wanted:
            return []
        return self.list(resource, display=display, filters={"id": f"[{wanted}]"}, sort="[id_ASC]")

    def _with_pack_fields(self, read: Callable[[list[str]], Iterable[dict]]) -> list[Product]:
        """Products read with the pack fields, or without them where the shop lacks them."""
        try:
            return [Product.from_xml(p) for p in read(PRODUCT_STOCK_FIELDS)]
        except ApiClientError as exc:
            if "pack_stock_type" not in (exc.message or ""):
                raise
            return [Product.from_xml(p) for p in read(PRODUCT_STOCK_FIELDS[:-1])]

    def _by_exact_text(
        self, resource: str, field: str, text: str, *, display: Iterable[str]
    ) -> list[dict]:
        """Records whose `field` equals `text` exactly (case, accents, trailing spaces), in
        id order, whatever characters `text` holds. PrestaShop filters compare as MySQL does
        and cannot express every character (query.text_equals_filter), so the filter only
        narrows and the comparison is made here. A broader filter is read page by page."""
        display = [*display, *([field] if field not in display else [])]
        value, plain = text_equals_filter(text)
        if plain:
            rows = self.list(resource, display=display, filters={field: value}, sort="[id_ASC]")
        else:
            rows = self.iter_ids(
                resource, display=display, page_size=PAGE, filters={field: value} if value else None
            )
        return [row for row in rows if row.get(field) == text]
