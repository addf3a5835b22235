"""PicqerClient: the Picqer REST API (docs/sources.md#picqer-protocol).

JSON in and out, Basic auth with the API key as username, a descriptive User-Agent, offset
pagination by 100 over bare JSON arrays, and a per-account request budget shared by all
processes (`ratelimit.py`). A 429 pauses every process; this client re-sends the identical
request once when the pause is short, otherwise raises ApiRateLimitedError for Celery.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from django.conf import settings

from sync.http import errors, ratelimit
from sync.http.base import (
    HttpClient,
    deadline_remaining,
    looks_like_html,
    submit_under_deadline,
)

from . import records
from .errors import UNKNOWN_PRODUCT_CODE, PicqerHookExistsError, PicqerUnknownProductError

PAGE_SIZE = 100  # fixed by Picqer; a shorter page is the last one
MAX_INLINE_RETRY_AFTER = 30.0  # longer pauses go back to Celery instead of holding a worker
# When Picqer reports this few requests left, pause everyone this long (then re-check).
LOW_BUDGET_REMAINING = 5
LOW_BUDGET_PAUSE_SECONDS = 5.0
DEFAULT_TAG_COLOR = "#823882"  # Picqer's own default (picqer-php createTag)


class PicqerClient(HttpClient):
    """One Picqer account. Build it with `PicqerClient.for_account(account)`."""

    service_name = "Picqer"

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        rate_limit_key: str,
        rate_limit_per_minute: int | None = None,
        user_agent: str | None = None,
        refusal: str = "",
    ) -> None:
        super().__init__(
            api_url,
            refusal=refusal,
            auth=(api_key, ""),
            headers={
                "User-Agent": user_agent or settings.PICQER_USER_AGENT,
                "Accept": "application/json",
            },
            secrets=[api_key],
        )
        self.rate_limit_key = rate_limit_key
        self.rate_limit_per_minute = rate_limit_per_minute or settings.PICQER_RATE_LIMIT_PER_MINUTE

    @classmethod
    def for_account(cls, account, **kwargs) -> PicqerClient:
        """Client for a `PicqerAccount` (its `api_url` and `api_key`); the rate-limit
        budget is shared by every client of the same account."""
        return cls(
            account.api_url,
            account.api_key or "",
            rate_limit_key=f"picqer:{account.pk}",
            refusal=account.key_problem(),
            **kwargs,
        )

    # -- transport ------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send within the shared budget. On 429: record a shared pause, and re-send the
        identical request once if the pause is at most MAX_INLINE_RETRY_AFTER seconds."""
        for attempt in (1, 2):
            # Inside an `http_deadline` (an admin page) waiting for the budget counts too.
            left = deadline_remaining()
            max_wait = None if left is None else max(0.0, left)
            ratelimit.acquire(self.rate_limit_key, self.rate_limit_per_minute, max_wait=max_wait)
            inline_limit = (
                MAX_INLINE_RETRY_AFTER
                if max_wait is None
                else min(MAX_INLINE_RETRY_AFTER, max_wait)
            )
            try:
                response = super().request(method, path, **kwargs)
                self._slow_down_when_budget_low(response)
                return response
            except errors.ApiRateLimitedError as exc:
                ratelimit.record_pause(self.rate_limit_key, exc.retry_after)
                if attempt == 2 or exc.retry_after > inline_limit:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _slow_down_when_budget_low(self, response: requests.Response) -> None:
        """Picqer's own count wins over ours: when `X-RateLimit-Remaining` (confirmed header,
        docs/sources.md#picqer-rate-limit-remaining) says little is left, every process pauses, so
        our per-minute count and Picqer's window cannot drift into a burst of 429s."""
        try:
            remaining = int(response.headers.get("X-RateLimit-Remaining", ""))
        except ValueError:
            return
        if remaining <= LOW_BUDGET_REMAINING:
            ratelimit.record_pause(self.rate_limit_key, LOW_BUDGET_PAUSE_SECONDS)

    def _parse_error_body(self, response: requests.Response) -> tuple[Any, str]:
        """Picqer errors: {"error": true, "error_code": 24, "error_message": "..."}."""
        try:
            body = response.json()
        except ValueError:
            return None, ""
        if not isinstance(body, dict):
            return None, ""
        return body.get("error_code"), str(body.get("error_message") or "")

    def _error_class(self, status: int, code: Any = None) -> type[errors.ApiError]:
        cls = super()._error_class(status, code)
        # Picqer writes its codes as numbers; text is taken as well.
        if cls is errors.ApiClientError and code in (
            UNKNOWN_PRODUCT_CODE,
            f"{UNKNOWN_PRODUCT_CODE}",
        ):
            return PicqerUnknownProductError
        return cls

    def _decode(self, response: requests.Response) -> Any:
        """The JSON body of a 2xx response (None for 204/empty)."""
        if response.status_code == 204 or not response.content.strip():
            return None
        if looks_like_html(response):
            raise self._error(
                errors.ApiResponseError,
                "answered with an HTML page, not the Picqer API",
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise self._error(
                errors.ApiResponseError,
                "answered with a body that is not JSON",
                status=response.status_code,
            ) from None

    # -- generic --------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET `path` (relative to /api/v1/) and return the decoded JSON."""
        return self._decode(self.request("GET", path, params=params))

    def post(self, path: str, json: Any = None) -> Any:
        """POST JSON (None sends no body, as for /orders/{id}/process)."""
        return self._decode(self.request("POST", path, json=json))

    def put(self, path: str, json: Any = None) -> Any:
        """PUT JSON with the fields to change."""
        return self._decode(self.request("PUT", path, json=json))

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """DELETE (Picqer answers 204 or the changed object)."""
        return self._decode(self.request("DELETE", path, params=params))

    def iter_list(
        self, path: str, params: Mapping[str, Any] | None = None, *, read_ahead: bool = False
    ) -> Iterator[dict]:
        """Yield every item of a paginated list: offset 0, 100, 200… until a short page.
        The caller's `params` are copied per page, never mutated. `read_ahead` requests the
        next page (on one helper thread) while the caller works through the current one:
        the same calls in the same order, but a caller that records or compares each page
        no longer adds that time to every page's round trip."""
        if read_ahead:
            yield from self._iter_list_ahead(path, params)
            return
        offset = 0
        while True:
            page = self._list_page(path, params, offset)
            yield from page
            if len(page) < PAGE_SIZE:
                return
            offset += PAGE_SIZE

    def _iter_list_ahead(self, path: str, params: Mapping[str, Any] | None) -> Iterator[dict]:
        # Only HTTP runs on the thread; the caller's context (the task's HTTP deadline) goes
        # with each request. Leaving early waits for the one page in flight, no more.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="picqer-pages") as pool:
            offset = 0
            pending = submit_under_deadline(pool, self._list_page, path, params, offset)
            while pending is not None:
                page, pending = pending.result(), None
                if len(page) >= PAGE_SIZE:
                    offset += PAGE_SIZE
                    pending = submit_under_deadline(pool, self._list_page, path, params, offset)
                yield from page

    def _list_page(self, path: str, params: Mapping[str, Any] | None, offset: int) -> list:
        page = self.get(path, {**(params or {}), "offset": offset}) or []
        if not isinstance(page, list):
            raise self._error(errors.ApiResponseError, f"expected a list from {path}")
        return page

    def ping(self) -> bool:
        """Cheap authenticated call (first page of /vatgroups): True, or a typed error.
        Picqer answers a bare list of `{idvatgroup, …}` (docs/sources.md#picqer-vat-groups);
        other JSON means the address is some other API (ApiWrongServiceError)."""
        rows = self.get("vatgroups")
        if not isinstance(rows, list) or not all(
            isinstance(row, dict) and "idvatgroup" in row for row in rows
        ):
            raise self._error(
                errors.ApiWrongServiceError,
                "answered JSON that is not Picqer's: /vatgroups gave no list of VAT groups",
            )
        return True

    # -- orders ---------------------------------------------------------------------------

    def order_create(self, fields: Mapping[str, Any]) -> records.Order:
        """POST /orders; Picqer creates it as "concept". A guest order has no `idcustomer`
        and must carry `deliveryname`/`deliverycountry` (ISO-2) itself. Not idempotent:
        callers claim locally and search by reference before re-posting. An idproduct
        Picqer does not know raises PicqerUnknownProductError (nothing was created)."""
        return records.order_parse(self.post("orders", dict(fields)))

    def order_get(self, idorder: int) -> records.Order:
        """GET /orders/{idorder}."""
        return records.order_parse(self.get(f"orders/{idorder}"))

    def orders_find_by_reference(self, reference: str) -> list[records.Order]:
        """GET /orders?reference=… → every order with exactly this reference (0..n)."""
        return [records.order_parse(o) for o in self.iter_list("orders", {"reference": reference})]

    def order_process(self, idorder: int) -> records.Order:
        """POST /orders/{idorder}/process: concept → processing (creates picklists).
        Error 32 (order already closed) means it was processed before."""
        return records.order_parse(self.post(f"orders/{idorder}/process"))

    def order_allocate(self, idorder: int) -> None:
        """POST /orders/{idorder}/allocate: reserve stock for a concept order."""
        self.post(f"orders/{idorder}/allocate")

    def order_deallocate(self, idorder: int) -> None:
        """POST /orders/{idorder}/deallocate: release the reservation again."""
        self.post(f"orders/{idorder}/deallocate")

    def order_cancel(self, idorder: int, *, force: bool = False) -> None:
        """DELETE /orders/{idorder}: cancels concept/expected orders only. `force=True`
        cancels regardless and removes picklists even if picked — audit it."""
        self.delete(f"orders/{idorder}", {"force": "true"} if force else None)

    def order_tags_add(self, idorder: int, idtags: Iterable[int]) -> None:
        """POST /orders/{idorder}/tags {"idtag": N}, once per tag (no bulk endpoint)."""
        for idtag in idtags:
            self.post(f"orders/{idorder}/tags", {"idtag": idtag})

    def order_tags_list(self, idorder: int) -> list[records.Tag]:
        """GET /orders/{idorder}/tags."""
        return records.records_parse(
            self.get(f"orders/{idorder}/tags"), records.tag_parse, what="tags"
        )

    def order_comment_add(
        self,
        idorder: int,
        body: str,
        *,
        show_at_related: bool = False,
        is_visible_fulfilment: bool = False,
    ) -> records.Comment:
        """POST /orders/{idorder}/comments {"body": …}. Not idempotent: check
        `order_comments_list` first when retrying."""
        return records.comment_parse(
            self.post(
                f"orders/{idorder}/comments",
                {
                    "body": body,
                    "show_at_related": show_at_related,
                    "is_visible_fulfilment": is_visible_fulfilment,
                },
            )
        )

    def order_comments_list(self, idorder: int) -> list[records.Comment]:
        """GET /orders/{idorder}/comments."""
        return records.records_parse(
            self.get(f"orders/{idorder}/comments"), records.comment_parse, what="comments"
        )

    def order_picklists(
        self, idorder: int, *, order: records.Order | None = None
    ) -> list[records.Picklist]:
        """Picklists of an order. UNCONFIRMED (docs/sources.md#picqer-order-picklists): the order
        object embeds object embeds `picklists` (seen in one integration only). When absent we ask
        GET /picklists?idorder=… (filter also unconfirmed) and keep only the items whose
        `idorder` matches, so an ignored filter cannot return other orders' picklists."""
        order = order if order is not None else self.order_get(idorder)
        if order.picklists is not None:
            return list(order.picklists)
        page = self.get("picklists", {"idorder": idorder})
        picklists = records.records_parse(page, records.picklist_parse, what="picklists")
        return [p for p in picklists if p.idorder == idorder]

    # -- picklists and shipments ----------------------------------------------------------

    def picklist_shipments(self, idpicklist: int) -> list[records.Shipment]:
        """GET /picklists/{idpicklist}/shipments. Tracking is `trackingcode`/`tracktraceurl`
        (newer: `parcels[].tracking_code`); skip entries with `cancelled: true`."""
        return records.records_parse(
            self.get(f"picklists/{idpicklist}/shipments"), records.shipment_parse, what="shipments"
        )

    # -- products and stock ---------------------------------------------------------------

    def product_get(self, idproduct: int) -> records.Product:
        """GET /products/{idproduct} (includes `stock` per warehouse)."""
        return records.product_parse(self.get(f"products/{idproduct}"))

    def products_by_productcode(
        self, productcode: str, *, include_inactive: bool = False
    ) -> list[records.Product]:
        """GET /products?productcode=… → list (active products only by default).

        With `include_inactive` also asks `&inactive` (Pinelab queries active and inactive
        separately; the exact semantics of `inactive` are not documented) and merges."""
        found = self._products("products", {"productcode": productcode})
        if include_inactive:
            seen = {p.idproduct for p in found}
            extra = self._products("products", {"productcode": productcode, "inactive": "1"})
            found += [p for p in extra if p.idproduct not in seen]
        return found

    def _products(self, path: str, params: Mapping[str, Any]) -> list[records.Product]:
        return records.records_parse(self.get(path, params), records.product_parse, what="products")

    def product_create(self, fields: Mapping[str, Any]) -> records.Product:
        """POST /products; needs productcode (unique), name, price (excl. VAT), idvatgroup."""
        return records.product_parse(self.post("products", dict(fields)))

    def product_update(self, idproduct: int, fields: Mapping[str, Any]) -> None:
        """PUT /products/{idproduct} with only the fields to change (idempotent)."""
        self.put(f"products/{idproduct}", dict(fields))

    def product_image_add(self, idproduct: int, image: bytes) -> None:
        """POST /products/{id}/images {"image": <base64>} (docs/sources.md#picqer-product-images:
        the PHP client's addImageToProduct; Pinelab sends png/jpeg). Not idempotent: check
        the product's `images` before sending again."""
        self.post(
            f"products/{idproduct}/images", {"image": base64.b64encode(image).decode("ascii")}
        )

    def products_iter(
        self, params: Mapping[str, Any] | None = None, *, read_ahead: bool = False
    ) -> Iterator[records.Product]:
        """Every product (paginated), filtered by e.g. {"tag": "X"}; `read_ahead` as for
        `iter_list`."""
        return map(records.product_parse, self.iter_list("products", params, read_ahead=read_ahead))

    def product_stock(self, idproduct: int) -> list[records.StockRow]:
        """GET /products/{idproduct}/stock → one row per warehouse, with `freestock`."""
        return records.records_parse(
            self.get(f"products/{idproduct}/stock"), records.stock_row_parse, what="stock rows"
        )

    def warehouse_stock_iter(self, idwarehouse: int) -> Iterator[records.WarehouseStockItem]:
        """GET /warehouses/{id}/stock (paginated): every product with stock or reservations
        there — items `{idproduct, productcode, stock: {…, freestock}}`. For full syncs."""
        return map(
            records.warehouse_stock_item_parse, self.iter_list(f"warehouses/{idwarehouse}/stock")
        )

    def warehouses_list(self) -> list[records.Warehouse]:
        """GET /warehouses → [{idwarehouse, name, accept_orders, counts_for_general_stock…}]."""
        return [records.warehouse_parse(w) for w in self.iter_list("warehouses")]

    # -- reference data -------------------------------------------------------------------

    def tags_list(self) -> list[records.Tag]:
        """GET /tags → [{idtag, title, color, inherit, textColor}] (key is `title`)."""
        return [records.tag_parse(t) for t in self.iter_list("tags")]

    def tag_create(
        self, title: str, *, color: str = DEFAULT_TAG_COLOR, inherit: bool = False
    ) -> records.Tag:
        """POST /tags."""
        return records.tag_parse(
            self.post("tags", {"title": title, "color": color, "inherit": inherit})
        )

    def vatgroups_list(self) -> list[records.VatGroup]:
        """GET /vatgroups → [{idvatgroup, name, percentage}]."""
        return [records.vatgroup_parse(v) for v in self.iter_list("vatgroups")]

    def shipping_providers_list(self) -> list[records.ShippingProvider]:
        """GET /shippingproviders → [{idshippingprovider, name, provider, active, profiles}]."""
        return [records.shipping_provider_parse(p) for p in self.iter_list("shippingproviders")]

    # -- webhooks -------------------------------------------------------------------------

    def hooks_list(self) -> list[records.Hook]:
        """GET /hooks (paginated) → [{idhook, name, event, address, active, secret}]."""
        return [records.hook_parse(h) for h in self.iter_list("hooks")]

    def hook_create(self, *, name: str, event: str, address: str, secret: str) -> records.Hook:
        """POST /hooks, one event per hook. A duplicate address+event answers 400
        "Error: Hook already exists": PicqerHookExistsError."""
        try:
            created = self.post(
                "hooks", {"name": name, "event": event, "address": address, "secret": secret}
            )
        except errors.ApiClientError as exc:
            if type(exc) is errors.ApiClientError and "already exists" in exc.message.lower():
                raise self._error(
                    PicqerHookExistsError, exc.message, status=exc.status, code=exc.code
                ) from exc
            raise
        return records.hook_parse(created)

    def hook_deactivate(self, idhook: int) -> None:
        """DELETE /hooks/{idhook}: deactivates (Picqer keeps the hook)."""
        self.delete(f"hooks/{idhook}")

    def hook_reactivate(self, idhook: int) -> records.Hook:
        """POST /hooks/{idhook}/reactivate (changelog 2026-02-17)."""
        return records.hook_parse(self.post(f"hooks/{idhook}/reactivate"))
