"""PrestaShopClient: the PrestaShop webservice (prestashop-ws.md), XML only.

The webservice key is the Basic-auth username; `id_shop` goes on every call of a multistore
shop; the version comes from the `PSWS-Version` header. Updates PATCH on 8.x+ and fall back
to GET + full PUT before, because a PUT sets every absent field to NULL (§1.6).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import requests

from . import errors, psxml
from .base import HttpClient

XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
DATE_FIELDS = ("date_add", "date_upd")
# Fields the webservice outputs but refuses on PUT ("parameter … not writable", code 93).
# Not in the research notes: common knowledge from webservice users; extend when seen.
READ_ONLY_ON_PUT: dict[str, tuple[str, ...]] = {
    "products": ("manufacturer_name", "quantity"),
}
AUTH_HEADER_HINT = (
    "refused the webservice key. If the key is right and active, the web server is probably "
    "dropping the Authorization header (PHP running as CGI/FPM): in PrestaShop go to "
    "Advanced Parameters > Webservice and switch on \"Enable CGI mode for PHP\""
)
# PrestaShop answers 500 for this, but retrying cannot help (prestashop-ws.md §2.9).
NOT_RETRYABLE_CODES = {"133"}
STOCK_FIELDS = ["id", "id_product", "id_product_attribute", "id_shop", "id_shop_group",
                "quantity", "depends_on_stock", "out_of_stock"]
_FILTER_SPECIALS = re.compile(r"[\[\]|]")


def _display(display: str | Iterable[str] | None) -> str | None:
    if display is None or isinstance(display, str):
        return display
    return "[" + ",".join(display) + "]"


def _exact(value: Any) -> str:
    """`[value]` filter for one exact value; refuses values the syntax cannot express."""
    text = str(value)
    if _FILTER_SPECIALS.search(text):
        raise errors.ApiClientError(
            f"{text!r} contains [ ] or |, which a webservice filter cannot express",
            service="PrestaShop",
        )
    return f"[{text}]"


def list_params(
    *, display: str | Iterable[str] | None = "full", filters: Mapping[str, Any] | None = None,
    sort: str | Iterable[str] | None = None, limit: int | tuple[int, int] | None = None,
    date: bool = False,
) -> dict[str, str]:
    """Query parameters of a list call. filters {"id": ">[10]"} → filter[id]=>[10];
    non-string filter values mean "equals" ([5]); `date=1` is added automatically when a
    filter or the sort uses date_add/date_upd (required, else 400 code 32/38)."""
    params: dict[str, str] = {}
    if (shown := _display(display)) is not None:
        params["display"] = shown
    for field, value in (filters or {}).items():
        params[f"filter[{field}]"] = value if isinstance(value, str) else _exact(value)
    if sort is not None:
        sort = sort if isinstance(sort, str) else ",".join(sort)
        params["sort"] = sort if sort.startswith("[") else f"[{sort}]"
    if limit is not None:
        params["limit"] = f"{limit[0]},{limit[1]}" if isinstance(limit, tuple) else str(limit)
    uses_date = any(f in DATE_FIELDS for f in (filters or {})) or any(
        d in params.get("sort", "") for d in DATE_FIELDS)
    if date or uses_date:
        params["date"] = "1"
    return params


class PrestaShopClient(HttpClient):
    """One PrestaShop shop. Build it with `PrestaShopClient.for_shop(shop)`."""

    service_name = "PrestaShop"

    def __init__(self, shop_url: str, webservice_key: str, *, shop_id: int | None = None):
        base = shop_url.rstrip("/")
        base = base[:-4] if base.endswith("/api") else base
        super().__init__(base + "/api/", auth=(webservice_key, ""), secrets=[webservice_key])
        self.shop_id = shop_id
        self._version: str | None = None

    @classmethod
    def for_shop(cls, shop) -> PrestaShopClient:
        """Client for a `Shop` (prestashop_url, webservice_key, prestashop_shop_id)."""
        return cls(shop.prestashop_url, shop.webservice_key, shop_id=shop.prestashop_shop_id)

    # -- transport ------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params=None, **kwargs) -> requests.Response:
        """Send with `id_shop` added for multistore shops; remember PSWS-Version."""
        params = dict(params or {})
        if self.shop_id and "id_shop" not in params:
            params["id_shop"] = str(self.shop_id)
        response = super().request(method, path, params=params or None, **kwargs)
        if response.headers.get("PSWS-Version"):
            self._version = response.headers["PSWS-Version"]
        return response

    def _parse_error_body(self, response: requests.Response) -> tuple[Any, str]:
        """First `<errors><error><code/><message/>` of the body, if it is XML."""
        try:
            found = psxml.errors_of(psxml.parse(response.content))
        except errors.ApiResponseError:
            return None, ""
        if not found:
            return None, ""
        code, message = found[0]
        return code or None, message

    def _raise_for_response(self, response: requests.Response) -> None:
        """Adds the stripped-Authorization hint to a bare 401 (prestashop-ws.md §1.2)."""
        if response.status_code == 401 and "Authorization" in response.request.headers:
            code, _ = self._parse_error_body(response)
            if code in (None, "17"):  # 17 = no key seen although we sent one
                raise self._error(errors.ApiAuthError, AUTH_HEADER_HINT, status=401, code=code)
        super()._raise_for_response(response)

    def _error_class(self, status: int, code: Any = None) -> type[errors.ApiError]:
        if status == 405:
            # Code 25 = method not granted to this key (a permission problem); 23 and 101 =
            # the method does not exist for this version/resource (e.g. PATCH before 8.0).
            return errors.ApiAuthError if str(code) == "25" else errors.ApiClientError
        if str(code) in NOT_RETRYABLE_CODES:
            return errors.ApiClientError
        return super()._error_class(status, code)

    def _xml(self, method: str, path: str, *, params=None, fields=None, resource=None):
        """Send (with an XML body built from `fields`) and parse the XML answer."""
        data = psxml.dict_to_xml(psxml.singular(resource), fields) if fields is not None \
            else None
        response = self.request(method, path, params=params, data=data,
                                headers=XML_HEADERS if data else None)
        return psxml.parse(response.content)

    # -- version --------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """PrestaShop version from `PSWS-Version` ("" when the shop does not say),
        fetched once per instance with HEAD /api/ (GET /api/ if HEAD does not carry it)."""
        if self._version is None:
            self.request("HEAD", "")
            if self._version is None:
                self.request("GET", "")
            self._version = self._version or ""
        return self._version

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """(8, 1, 2) for "8.1.2"; () when unknown."""
        return tuple(int(p) for p in re.findall(r"\d+", self.version)[:4])

    @property
    def supports_patch(self) -> bool:
        """PATCH exists from PrestaShop 8.0 (prestashop-ws.md §5)."""
        return bool(self.version_tuple) and self.version_tuple[0] >= 8

    def ping(self) -> bool:
        """HEAD /api/: True when the key is accepted (records the version), else a typed error."""
        self.request("HEAD", "")
        return True

    # -- generic --------------------------------------------------------------------------

    def list(
        self, resource: str, *, display: str | Iterable[str] | None = "full",
        filters: Mapping[str, Any] | None = None, sort: str | Iterable[str] | None = None,
        limit: int | tuple[int, int] | None = None, date: bool = False,
    ) -> list[dict]:
        """GET /api/{resource} with list parameters (see `list_params`) → list of dicts.
        There is no default ORDER BY and no total count: sort when paging."""
        params = list_params(display=display, filters=filters, sort=sort, limit=limit, date=date)
        return psxml.list_to_dicts(self._xml("GET", resource, params=params))

    def get(self, resource: str, id: int | str) -> dict:
        """GET /api/{resource}/{id} → dict (ApiNotFoundError when missing)."""
        return psxml.record_to_dict(psxml.record_element(self._xml("GET", f"{resource}/{id}")))

    def create(
        self, resource: str, fields: Mapping[str, Any], *, params: Mapping | None = None
    ) -> dict:
        """POST /api/{resource} (no `id` in fields) → the created record. Not idempotent."""
        root = self._xml("POST", resource, params=params, fields=fields, resource=resource)
        return psxml.record_to_dict(psxml.record_element(root))

    def update(
        self, resource: str, id: int | str, fields: Mapping[str, Any], *,
        params: Mapping | None = None,
    ) -> dict:
        """Change only `fields` of one record and return the updated record.

        8.x+: PATCH with `id` + fields. Older: GET the full record, replace the fields,
        drop read-only fields, PUT everything back — never wiping the fields not given."""
        path = f"{resource}/{id}"
        if self.supports_patch:
            root = self._xml("PATCH", path, params=params, fields={"id": id, **fields},
                             resource=resource)
        else:
            current = psxml.record_element(self._xml("GET", path))
            body = psxml.merge_record(current, fields, drop=READ_ONLY_ON_PUT.get(resource, ()))
            response = self.request("PUT", path, params=params, data=body, headers=XML_HEADERS)
            root = psxml.parse(response.content)
        return psxml.record_to_dict(psxml.record_element(root))

    def iter_ids(
        self, resource: str, *, display: str | Iterable[str] = "full",
        filters: Mapping[str, Any] | None = None, page_size: int = 100, start_after: int = 0,
    ) -> Iterator[dict]:
        """Yield records in id order, paging by `filter[id]=>[last]&sort=[id_ASC]&limit=N`
        (keyset paging: stable while records change; no offsets). An `id` filter of the
        caller is replaced by the cursor."""
        if not isinstance(display, str) and "id" not in display:
            display = ["id", *display]
        last = int(start_after)
        while True:
            page = self.list(resource, display=display, sort="[id_ASC]", limit=page_size,
                             filters={**(filters or {}), "id": f">[{last}]"})
            yield from page
            if len(page) < page_size:
                return
            last = int(page[-1]["id"])

    # -- orders and statuses --------------------------------------------------------------

    def order_get(self, id_order: int) -> dict:
        """GET /api/orders/{id} (with associations.order_rows)."""
        return self.get("orders", id_order)

    def orders_after(
        self, last_id: int, *, limit: int = 100, display: str | Iterable[str] = "full"
    ) -> list[dict]:
        """Orders with id > last_id, oldest first (the new-orders cursor)."""
        return self.list("orders", display=display, filters={"id": f">[{int(last_id)}]"},
                         sort="[id_ASC]", limit=limit)

    def orders_by_ids(
        self, ids: Iterable[int], *, display: str | Iterable[str] = "full"
    ) -> list[dict]:
        """Several orders in one call (filter[id]=[1|2|3]); keep batches to ~200 ids."""
        wanted = "|".join(str(int(i)) for i in ids)
        return self.list("orders", display=display, filters={"id": f"[{wanted}]"},
                         sort="[id_ASC]") if wanted else []

    def orders_updated_since(
        self, since: str, *, offset: int = 0, limit: int = 100,
        display: str | Iterable[str] = "full",
    ) -> list[dict]:
        """Orders with date_upd > `since` ("YYYY-MM-DD HH:MM:SS", shop-local time)."""
        return self.list("orders", display=display, filters={"date_upd": f">[{since}]"},
                         sort="[date_upd_ASC,id_ASC]", limit=(offset, limit))

    def order_histories_after(self, last_id: int, limit: int = 100) -> list[dict]:
        """Status changes with id > last_id, oldest first (the gap-free status cursor)."""
        return self.list("order_histories", filters={"id": f">[{int(last_id)}]"},
                         sort="[id_ASC]", limit=limit)

    def order_history_create(
        self, id_order: int, id_order_state: int, send_email: bool = True
    ) -> dict:
        """POST /api/order_histories(?sendemail=1): runs PrestaShop's whole state change
        (emails, invoice, stock re-injection on cancel). Not idempotent: compare the order's
        current_state first."""
        return self.create(
            "order_histories", {"id_order": id_order, "id_order_state": id_order_state},
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
        return self.update("order_carriers", id_order_carrier,
                           {"tracking_number": tracking_number},
                           params={"sendemail": "1"} if send_email else None)

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
        rows = self.list("configurations", display=["name", "value"],
                         filters={"name": f"[{wanted}]"})
        return {row.get("name", ""): row.get("value", "") for row in rows}

    # -- products, combinations, stock ----------------------------------------------------

    def product_get(self, id_product: int) -> dict:
        """GET /api/products/{id}."""
        return self.get("products", id_product)

    def products_by_reference(
        self, reference: str, *, display: Iterable[str] = ("id", "reference", "ean13", "active")
    ) -> list[dict]:
        """Products whose reference equals `reference` (references are not unique)."""
        return self.list("products", display=list(display),
                         filters={"reference": _exact(reference)}, sort="[id_ASC]")

    product_by_reference = products_by_reference

    def combinations_by_reference(
        self, reference: str, *, display: Iterable[str] = ("id", "id_product", "reference")
    ) -> list[dict]:
        """Combinations whose reference equals `reference`."""
        return self.list("combinations", display=list(display),
                         filters={"reference": _exact(reference)}, sort="[id_ASC]")

    def stock_availables_iter(
        self, *, filters: Mapping[str, Any] | None = None, page_size: int = 1000,
        display: Iterable[str] = STOCK_FIELDS,
    ) -> Iterator[dict]:
        """All stock_available rows (narrow display, id-cursor paging), e.g. filtered by
        {"id_shop": 1}. Skip rows with depends_on_stock=1 and aggregate rows
        (id_product_attribute=0) of products with combinations."""
        return self.iter_ids("stock_availables", display=list(display), filters=filters,
                             page_size=page_size)

    def stock_availables_for_product(
        self, id_product: int, id_product_attribute: int | None = None
    ) -> list[dict]:
        """Stock rows of one product (or one combination of it), every shop."""
        filters: dict[str, Any] = {"id_product": id_product}
        if id_product_attribute is not None:
            filters["id_product_attribute"] = id_product_attribute
        return self.list("stock_availables", display=STOCK_FIELDS, filters=filters,
                         sort="[id_ASC]")

    def stock_available_set_quantity(self, id_stock_available: int, quantity: int) -> dict:
        """Set the absolute sellable quantity of one row (idempotent; PATCH on 8.x+,
        GET + full PUT before, which keeps id_shop/location intact)."""
        return self.update("stock_availables", id_stock_available, {"quantity": int(quantity)})

    # -- messages -------------------------------------------------------------------------

    def messages_for_order(self, id_order: int) -> list[dict]:
        """Checkout comments of an order (`messages` resource, PS 1.7+)."""
        return self.list("messages", filters={"id_order": id_order}, sort="[id_ASC]")

    def customer_thread_for_order(self, id_order: int, *, email: str | None = None):
        """The order's customer thread (the one with `email` when given), or None."""
        threads = self.list("customer_threads", filters={"id_order": id_order},
                            sort="[id_ASC]")
        if email is not None:
            threads = [t for t in threads if t.get("email", "").lower() == email.lower()]
        return threads[0] if threads else None

    def customer_messages_for_thread(self, id_customer_thread: int) -> list[dict]:
        """Messages of one customer thread, oldest first."""
        return self.list("customer_messages",
                         filters={"id_customer_thread": id_customer_thread}, sort="[id_ASC]")

    def private_message_add(self, id_order: int, message: str, *, id_employee: int = 0) -> dict:
        """Add a private (staff-only) message to the order page, as the back office does
        (prestashop-ws.md §2.10): reuse or create the order's customer thread (it needs
        both id_customer and id_order to show), then POST a customer_message private=1.
        Not idempotent: check `customer_messages_for_thread` before retrying."""
        order = self.order_get(id_order)
        customer = self.customer_get(int(order["id_customer"]))
        email = customer.get("email", "")
        thread = self.customer_thread_for_order(id_order, email=email)
        if thread is None:
            thread = self.create("customer_threads", {
                "id_lang": order.get("id_lang") or 1, "id_shop": order.get("id_shop") or 1,
                "id_customer": order["id_customer"], "id_order": id_order, "id_contact": 0,
                "email": email, "token": secrets.token_hex(6), "status": "open",
            })
        return self.create("customer_messages", {
            "id_customer_thread": thread["id"], "id_employee": id_employee,
            "message": message, "private": 1,
        })
