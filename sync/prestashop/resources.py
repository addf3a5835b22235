"""The PrestaShop resources the sync uses, as thin wrappers over the generic calls of
`PrestaShopClient` (list/get/create/update/iter_ids). Mixed into the client."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .query import text_equals_filter

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


class PrestaShopResources:
    """Resource helpers; every method goes through the client's generic calls."""

    # -- orders and statuses --------------------------------------------------------------

    def order_get(self, id_order: int) -> dict:
        """GET /api/orders/{id} (with associations.order_rows)."""
        return self.get("orders", id_order)

    def orders_by_ids(
        self, ids: Iterable[int], *, display: str | Iterable[str] = "full"
    ) -> list[dict]:
        """Several orders in one call (filter[id]=[1|2|3]); keep batches to ~200 ids."""
        return self.records_by_ids("orders", ids, display=display)

    def orders_updated_since(
        self,
        since: str,
        *,
        offset: int = 0,
        limit: int = 100,
        display: str | Iterable[str] = "full",
    ) -> list[dict]:
        """Orders with date_upd > `since` ("YYYY-MM-DD HH:MM:SS", shop-local time)."""
        return self.list(
            "orders",
            display=display,
            filters={"date_upd": f">[{since}]"},
            sort="[date_upd_ASC,id_ASC]",
            limit=(offset, limit),
        )

    def order_histories_after(self, last_id: int, limit: int = 100) -> list[dict]:
        """Status changes with id > last_id, oldest first (the gap-free status cursor)."""
        return self.list(
            "order_histories", filters={"id": f">[{int(last_id)}]"}, sort="[id_ASC]", limit=limit
        )

    def order_history_create(
        self, id_order: int, id_order_state: int, send_email: bool = True
    ) -> dict:
        """POST /api/order_histories(?sendemail=1): runs PrestaShop's whole state change
        (emails, invoice, stock re-injection on cancel). Not idempotent: compare the order's
        current_state first."""
        return self.create(
            "order_histories",
            {"id_order": id_order, "id_order_state": id_order_state},
            params={"sendemail": "1"} if send_email else None,
        )

    def order_states(self) -> list[dict]:
        """Every order state (name collapsed to the first language)."""
        return self.list("order_states", sort="[id_ASC]")

    def carriers(self) -> list[dict]:
        """Every carrier; map by `id_reference` (id_carrier changes on each BO edit)."""
        return self.list("carriers", sort="[id_ASC]")

    def carrier_get(self, id_carrier: int) -> dict:
        """GET /api/carriers/{id}."""
        return self.get("carriers", id_carrier)

    def order_carriers_for_order(self, id_order: int) -> list[dict]:
        """The order_carrier rows of an order (one per shipment of a split order)."""
        return self.list("order_carriers", filters={"id_order": id_order}, sort="[id_ASC]")

    def order_carrier_set_tracking(
        self, id_order_carrier: int, tracking_number: str, *, send_email: bool = False
    ) -> dict:
        """Set tracking_number (before posting the Shipped state, so its email has it).
        `send_email` also sends PrestaShop's "in transit" email."""
        return self.update(
            "order_carriers",
            id_order_carrier,
            {"tracking_number": tracking_number},
            params={"sendemail": "1"} if send_email else None,
        )

    # -- customers, addresses, countries, configuration -----------------------------------

    def customer_get(self, id_customer: int) -> dict:
        """GET /api/customers/{id}."""
        return self.get("customers", id_customer)

    def address_get(self, id_address: int) -> dict:
        """GET /api/addresses/{id} (read by the order's id_address_delivery/invoice)."""
        return self.get("addresses", id_address)

    def countries(self) -> list[dict]:
        """id and iso_code of every country (cache it)."""
        return self.list("countries", display=["id", "iso_code"], sort="[id_ASC]")

    def country_get(self, id_country: int) -> dict:
        """GET /api/countries/{id}."""
        return self.get("countries", id_country)

    def configurations(self, names: Iterable[str]) -> dict[str, str]:
        """{name: value} of configuration keys such as PS_TIMEZONE, PS_OS_SHIPPING."""
        wanted = "|".join(names)
        rows = self.list(
            "configurations", display=["name", "value"], filters={"name": f"[{wanted}]"}
        )
        return {row.get("name", ""): row.get("value", "") for row in rows}

    # -- products, combinations, stock ----------------------------------------------------

    def product_get(self, id_product: int) -> dict:
        """GET /api/products/{id}."""
        return self.get("products", id_product)

    def records_by_ids(
        self, resource: str, ids: Iterable[int], *, display: str | Iterable[str] = "full"
    ) -> list[dict]:
        """Records of `resource` with these ids in one call (filter[id]=[1|2|3]); keep
        batches to ~100 ids (the address grows with them)."""
        wanted = "|".join(str(int(i)) for i in ids)
        if not wanted:
            return []
        return self.list(resource, display=display, filters={"id": f"[{wanted}]"}, sort="[id_ASC]")

    def tax_rules_for_country(self, id_country: int) -> list[dict]:
        """The tax rules of every tax rules group in one country (id_tax per group)."""
        return self.list(
            "tax_rules",
            display=[
                "id",
                "id_tax_rules_group",
                "id_country",
                "id_state",
                "zipcode_from",
                "id_tax",
            ],
            filters={"id_country": int(id_country)},
            sort="[id_ASC]",
        )

    def product_image(self, id_product: int, id_image: int) -> bytes:
        """The image file (JPEG/PNG as the shop stores it) of one product image."""
        return self.request("GET", f"images/products/{int(id_product)}/{int(id_image)}").content

    def products_by_reference(
        self, reference: str, *, display: Iterable[str] = ("id", "reference", "ean13", "active")
    ) -> list[dict]:
        """Products whose reference equals `reference` exactly (references are not unique)."""
        return self._by_exact_text("products", "reference", reference, display=display)

    def combinations_by_reference(
        self, reference: str, *, display: Iterable[str] = ("id", "id_product", "reference")
    ) -> list[dict]:
        """Combinations whose reference equals `reference` exactly."""
        return self._by_exact_text("combinations", "reference", reference, display=display)

    def _by_exact_text(
        self, resource: str, field: str, text: str, *, display: Iterable[str]
    ) -> list[dict]:
        """Records whose `field` equals `text` exactly (case, accents, trailing spaces), in
        id order, whatever characters `text` holds. PrestaShop filters compare as MySQL does
        and cannot express every character (psquery.text_equals_filter), so the filter only
        narrows and the comparison is made here. A broader filter is read page by page."""
        display = [*display, *([field] if field not in display else [])]
        value, plain = text_equals_filter(text)
        if plain:
            rows = self.list(resource, display=display, filters={field: value}, sort="[id_ASC]")
        else:
            rows = self.iter_ids(
                resource, display=display, page_size=1000, filters={field: value} if value else None
            )
        return [row for row in rows if row.get(field) == text]

    def stock_availables_iter(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        page_size: int = 1000,
        display: Iterable[str] = STOCK_FIELDS,
    ) -> Iterator[dict]:
        """All stock_available rows (narrow display, id-cursor paging), e.g. filtered by
        {"id_shop": 1}. Skip rows with depends_on_stock=1 and aggregate rows
        (id_product_attribute=0) of products with combinations."""
        return self.iter_ids(
            "stock_availables", display=list(display), filters=filters, page_size=page_size
        )

    def stock_availables_for_product(
        self, id_product: int, id_product_attribute: int | None = None
    ) -> list[dict]:
        """Stock rows of one product (or one combination of it), every shop."""
        filters: dict[str, Any] = {"id_product": id_product}
        if id_product_attribute is not None:
            filters["id_product_attribute"] = id_product_attribute
        return self.list("stock_availables", display=STOCK_FIELDS, filters=filters, sort="[id_ASC]")

    def stock_available_set_quantity(self, id_stock_available: int, quantity: int) -> dict:
        """Set the absolute sellable quantity of one row (idempotent; PATCH on 8.x+,
        GET + full PUT before, which keeps id_shop/location intact)."""
        return self.update("stock_availables", id_stock_available, {"quantity": int(quantity)})

    # -- messages -------------------------------------------------------------------------

    def messages_for_order(self, id_order: int) -> list[dict]:
        """Checkout comments of an order (`messages` resource, PS 1.7+: on an older shop
        [] without a call, as it has no such resource). The version is usually known by
        then from the order just read (`PSWS-Version`)."""
        release = self.version_tuple
        if release and release < (1, 7):
            return []
        return self.list("messages", filters={"id_order": id_order}, sort="[id_ASC]")

    def customer_threads_for_order(self, id_order: int) -> list[dict]:
        """The order's customer threads, oldest first (full records)."""
        return self.list("customer_threads", filters={"id_order": id_order}, sort="[id_ASC]")

    def customer_thread_for_order(
        self, id_order: int, *, email: str | None = None, threads: list[dict] | None = None
    ):
        """The order's customer thread (the one with `email` when given), or None.
        `threads`, when the caller has just listed them, saves listing them again."""
        if threads is None:
            threads = self.customer_threads_for_order(id_order)
        if email is not None:
            threads = [t for t in threads if t.get("email", "").lower() == email.lower()]
        return threads[0] if threads else None

    def customer_messages_for_thread(self, id_customer_thread: int) -> list[dict]:
        """Messages of one customer thread, oldest first."""
        return self.list(
            "customer_messages", filters={"id_customer_thread": id_customer_thread}, sort="[id_ASC]"
        )

    def private_message_add(
        self,
        id_order: int,
        message: str,
        *,
        id_employee: int = 0,
        order: dict | None = None,
        customer: dict | None = None,
        threads: list[dict] | None = None,
    ) -> dict:
        """Add a private (staff-only) message to the order page, as the back office does
        (prestashop-ws.md §2.10): reuse or create the order's customer thread (it needs
        both id_customer and id_order to show), then POST a customer_message private=1.
        Not idempotent: check `customer_messages_for_thread` before retrying. `order` and
        `customer` (and the order's `threads`), when the caller has just read them, save
        reading them again."""
        order = order or self.order_get(id_order)
        customer = customer or self.customer_get(int(order["id_customer"]))
        email = customer.get("email", "")
        thread = self.customer_thread_for_order(id_order, email=email, threads=threads)
        if thread is None:
            thread = self.create(
                "customer_threads",
                {
                    "id_lang": order.get("id_lang") or 1,
                    "id_shop": order.get("id_shop") or 1,
                    "id_customer": order["id_customer"],
                    "id_order": id_order,
                    "id_contact": 0,
                    "email": email,
                    "token": secrets.token_hex(6),
                    "status": "open",
                },
            )
        return self.create(
            "customer_messages",
            {
                "id_customer_thread": thread["id"],
                "id_employee": id_employee,
                "message": message,
                "private": 1,
            },
        )
