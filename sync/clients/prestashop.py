"""PrestaShopClient: the PrestaShop webservice (prestashop-ws.md), XML only.

The webservice key is the Basic-auth username; `id_shop` goes on every call of a multistore
shop; the version comes from the `PSWS-Version` header. Updates PATCH on 8.x+ and fall back
to GET + full PUT before, because a PUT sets every absent field to NULL (§1.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import requests

from . import errors, psxml
from .base import HttpClient
from .prestashop_resources import PrestaShopResources
from .psquery import list_params

XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
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
class PrestaShopClient(PrestaShopResources, HttpClient):
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
        filters: Mapping[str, Any] | None = None, page_size: int = 100,
    ) -> Iterator[dict]:
        """Yield records in id order, paging by `filter[id]=>[last]&sort=[id_ASC]&limit=N`
        (keyset paging: stable while records change; no offsets). An `id` filter of the
        caller is replaced by the cursor."""
        if not isinstance(display, str) and "id" not in display:
            display = ["id", *display]
        last = 0
        while True:
            page = self.list(resource, display=display, sort="[id_ASC]", limit=page_size,
                             filters={**(filters or {}), "id": f">[{last}]"})
            yield from page
            if len(page) < page_size:
                return
            last = int(page[-1]["id"])
