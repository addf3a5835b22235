"""PrestaShopClient: the PrestaShop webservice (docs/sources.md#prestashop-protocol), XML only.

The webservice key is the Basic-auth username; `id_shop` goes on every call of a multistore
shop; the version comes from the `PSWS-Version` header. Updates PATCH on 8.x+ and fall back
to GET + full PUT: a PUT sets absent fields to NULL (docs/sources.md#prestashop-put-replaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import requests

from sync.http import errors
from sync.http.base import HttpClient
from sync.prestashop import xml as psxml

from .query import list_params
from .resources import PrestaShopResources

XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
# Fields the webservice outputs but refuses on PUT ("parameter … not writable", code 93).
# docs/sources.md#prestashop-read-only-on-put (partly unconfirmed); extend when seen.
READ_ONLY_ON_PUT: dict[str, tuple[str, ...]] = {
    "products": ("manufacturer_name", "quantity"),
}
AUTH_HEADER_MISSING = (
    "did not receive the webservice key: the web server drops the Authorization header "
    "before PrestaShop sees it (PHP running as CGI/FPM). In PrestaShop go to Advanced "
    'Parameters > Webservice and switch on "Enable CGI mode for PHP"'
)
# 401 codes of a key PrestaShop knows (docs/sources.md#prestashop-auth): 21 = the key has no
# permissions at all, 26 = this resource is not granted to it. 18-20 (bad format, unknown,
# inactive) mean a wrong key.
PERMISSION_CODES_401 = {"21", "26"}
# PrestaShop answers 500, but retrying cannot help (docs/sources.md#prestashop-depends-on-stock).
NOT_RETRYABLE_CODES = {"133"}


def _auth_realm(response: requests.Response) -> str:
    """The realm of a `WWW-Authenticate: Basic realm="…"` header ("" when none)."""
    found = re.search(r'realm="([^"]*)"', response.headers.get("WWW-Authenticate", ""))
    return found.group(1) if found else ""


class PrestaShopClient(PrestaShopResources, HttpClient):
    """One PrestaShop shop. Build it with `PrestaShopClient.for_shop(shop)`."""

    service_name = "PrestaShop"

    def __init__(
        self,
        shop_url: str,
        webservice_key: str,
        *,
        shop_id: int | None = None,
        refusal: str = "",
    ):
        base = shop_url.rstrip("/")
        base = base[:-4] if base.endswith("/api") else base
        super().__init__(
            base + "/api/", auth=(webservice_key, ""), secrets=[webservice_key], refusal=refusal
        )
        self._webservice_key = webservice_key
        self.shop_id = shop_id
        self._version: str | None = None

    @classmethod
    def for_shop(cls, shop) -> PrestaShopClient:
        """Client for a `Shop` (prestashop_url, webservice_key, prestashop_shop_id)."""
        return cls(
            shop.prestashop_url,
            shop.webservice_key or "",
            shop_id=shop.prestashop_shop_id,
            refusal=shop.key_problem(),
        )

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
        """A 401 without PrestaShop's XML error body (or with code 17, "no key") although we
        sent the key means the key never reached PrestaShop (docs/sources.md#prestashop-auth: the
        dispatcher dies with a bare "401 Unauthorized" when it sees no key). A realm that is
        not PrestaShop's is a password the web server asks for itself."""
        if response.status_code == 401 and response.request.method != "HEAD":
            code, _ = self._parse_error_body(response)
            if code in (None, "17") and "Authorization" in response.request.headers:
                realm = _auth_realm(response)
                if realm and "prestashop" not in realm.lower():
                    raise self._error(
                        errors.ApiAuthError,
                        f"is behind a password of the web server itself (HTTP authentication "
                        f'"{realm}"), so PrestaShop never sees the key: let /api/ through '
                        "without that password",
                        status=401,
                        code=code,
                    )
                raise self._error(
                    errors.ApiAuthHeaderMissingError, AUTH_HEADER_MISSING, status=401, code=code
                )
        super()._raise_for_response(response)

    def _default_message(self, response: requests.Response) -> str:
        if response.status_code == 401:
            # HEAD carries no error body: the key is wrong or never arrived.
            return (
                "refused the webservice key (a wrong key, or the web server drops the "
                "Authorization header; Test connection tells which)"
            )
        return super()._default_message(response)

    def _error_class(self, status: int, code: Any = None) -> type[errors.ApiError]:
        code = str(code) if code is not None else None
        if status == 405:
            # Code 25 = method not granted to this key (a permission problem); 23 and 101 =
            # the method does not exist for this version/resource (e.g. PATCH before 8.0).
            return errors.ApiPermissionError if code == "25" else errors.ApiClientError
        if (status == 401 and code in PERMISSION_CODES_401) or status == 403:
            return errors.ApiPermissionError  # 403 = code 132, key not allowed on this shop
        if code in NOT_RETRYABLE_CODES:
            return errors.ApiClientError
        return super()._error_class(status, code)

    def _xml(self, method: str, path: str, *, params=None, fields=None, resource=None, **kwargs):
        """Send (with an XML body built from `fields`) and parse the XML answer."""
        data = psxml.dict_to_xml(psxml.singular(resource), fields) if fields is not None else None
        response = self.request(
            method, path, params=params, data=data, headers=XML_HEADERS if data else None, **kwargs
        )
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
        """PATCH exists from PrestaShop 8.0 (docs/sources.md#prestashop-patch)."""
        return bool(self.version_tuple) and self.version_tuple[0] >= 8

    def ping(self) -> bool:
        """GET /api/ (the resources this key may use; records the version): True when the
        key is accepted and the answer is the webservice's, else a typed error. GET, not
        HEAD: only a body says why a key is refused (wrong key, no rights, header lost)."""
        root = self._xml("GET", "")
        if root.tag != "prestashop" or root.find("api") is None:
            raise self._error(
                errors.ApiResponseError,
                "answered XML that is not the PrestaShop webservice's resource list",
            )
        return True

    def ping_with_key_in_address(self) -> errors.ApiError | None:
        """Diagnosis for ApiAuthHeaderMissingError only: GET /api/?ws_key=… — the one way
        PrestaShop reads a key without the Authorization header. None when the key is
        accepted that way, else the error. Sent to the saved address only, never redirected
        (the key must not travel to another host in a URL); the log redacts ws_key."""
        try:
            self._xml("GET", "", params={"ws_key": self._webservice_key}, allow_redirects=False)
        except errors.ApiError as exc:
            return exc
        return None

    # -- generic --------------------------------------------------------------------------

    def list(
        self,
        resource: str,
        *,
        display: str | Iterable[str] | None = "full",
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        limit: int | tuple[int, int] | None = None,
        date: bool = False,
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
        self,
        resource: str,
        id: int | str,
        fields: Mapping[str, Any],
        *,
        params: Mapping | None = None,
    ) -> dict:
        """Change only `fields` of one record and return the updated record.

        8.x+: PATCH with `id` + fields. Older: GET the full record, replace the fields,
        drop read-only fields, PUT everything back — never wiping the fields not given."""
        path = f"{resource}/{id}"
        if self.supports_patch:
            root = self._xml(
                "PATCH", path, params=params, fields={"id": id, **fields}, resource=resource
            )
        else:
            current = psxml.record_element(self._xml("GET", path))
            body = psxml.merge_record(current, fields, drop=READ_ONLY_ON_PUT.get(resource, ()))
            response = self.request("PUT", path, params=params, data=body, headers=XML_HEADERS)
            root = psxml.parse(response.content)
        return psxml.record_to_dict(psxml.record_element(root))

    def iter_ids(
        self,
        resource: str,
        *,
        display: str | Iterable[str] = "full",
        filters: Mapping[str, Any] | None = None,
        page_size: int = 100,
    ) -> Iterator[dict]:
        """Yield records in id order, paging by `filter[id]=>[last]&sort=[id_ASC]&limit=N`
        (keyset paging: stable while records change; no offsets). An `id` filter of the
        caller is replaced by the cursor."""
        if not isinstance(display, str) and "id" not in display:
            display = ["id", *display]
        last = 0
        while True:
            page = self.list(
                resource,
                display=display,
                sort="[id_ASC]",
                limit=page_size,
                filters={**(filters or {}), "id": f">[{last}]"},
            )
            yield from page
            if len(page) < page_size:
                return
            last = int(page[-1]["id"])
