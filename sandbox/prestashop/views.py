"""The PrestaShop webservice endpoint: /prestashop/api/<resource>[/<id>]."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from itertools import islice

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_before_call
from ..knobs import ps_supports_patch
from ..runtime import runtime
from ..store import Tx
from . import query
from .records import record_create, record_delete, record_update, resource
from .schema import RESOURCES, Resource
from .xmlio import PSError, document, errors_document, parse_body, render_list, render_record

REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key '
    'as the login. No password required."'
)
SHOP_SCOPED = ("orders", "stock_availables")


@csrf_exempt
def prestashop_api(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every webservice call: faults, key check, then one transaction for the work."""
    started = time.monotonic()
    knobs, fail = fault_before_call(
        runtime().store, side="prestashop", call=f"{request.method} {path.strip('/')}"
    )
    key = _key(request)
    if not key:
        response = HttpResponse("401 Unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = REALM
        return response
    if key != knobs["ws_key"]:
        code, msg = (
            (18, "Invalid authentication key format")
            if len(key) != 32
            else (20, "Authentification key is not active")
        )
        response = HttpResponse(
            errors_document([(code, msg)]), status=401, content_type="text/xml;charset=utf-8"
        )
        response["WWW-Authenticate"] = REALM
        return response
    if fail:
        status, body = 500, errors_document([(2, "[PHP Warning #2] sandbox fault injection")])
    else:
        try:
            status, body = _handle(request, path.strip("/"), knobs["ps_version"])
        except _NotFoundError:
            status, body = 404, b""
        except PSError as exc:
            status, body = exc.status, errors_document([(exc.code, exc.message)])
    return _respond(request, status, body, knobs["ps_version"], started)


def _key(request: HttpRequest) -> str:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            return base64.b64decode(encoded).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return request.GET.get("ws_key", "")


def _respond(
    request: HttpRequest, status: int, body: bytes, version: str, started: float
) -> HttpResponse:
    sha1 = hashlib.sha1(body).hexdigest()  # noqa: S324 - a cache key, as PrestaShop uses it
    if (
        ps_supports_patch(version)
        and request.headers.get("Local-Content-Sha1") == sha1
        and status == 200
    ):
        status, body = 304, b""
    response = HttpResponse(
        b"" if request.method == "HEAD" else body,
        status=status,
        content_type="text/xml;charset=utf-8",
    )
    response["PSWS-Version"] = version
    response["X-Powered-By"] = "PrestaShop Webservice"
    response["Access-Time"] = str(int(time.time()))
    response["Execution-Time"] = f"{time.monotonic() - started:.3f}"
    response["Content-Sha1"] = sha1
    return response


def _handle(request: HttpRequest, path: str, version: str) -> tuple[int, bytes]:
    method = request.method
    if method in ("GET", "POST") and request.GET.get("ps_method"):
        method = request.GET["ps_method"].upper()
    base = (
        request.path[: request.path.index("/api/") + 5]
        if "/api/" in request.path
        else request.path.rstrip("/") + "/"
    )
    base = request.build_absolute_uri(base)
    if not path:
        return 200, _api_index(base, version)
    name, _, id_ = path.partition("/")
    res = resource(name, version=version)
    if method == "PATCH" and not ps_supports_patch(version):
        raise PSError(405, 23, "Method PATCH is not valid")
    if method in res.forbidden:
        raise PSError(405, 101, f"Method {method} is not allowed for the resource {res.name}")
    with runtime().store.tx() as tx:
        if method in ("GET", "HEAD"):
            return 200, _read(tx, request, res, id_, base)
        if method == "DELETE":
            if not id_:
                raise PSError(400, 41, "You have to set an id for DELETE")
            record_delete(tx, res, id_)
            return 200, b""
        fields = parse_body(request.body, res)
        if method == "POST":
            doc = record_create(tx, res, fields)
            return 201, document(render_record(res, _view(tx, res, doc), base))
        if method in ("PUT", "PATCH"):
            doc = record_update(tx, res, id_ or None, fields, partial=method == "PATCH")
            return 200, document(render_record(res, _view(tx, res, doc), base))
    raise PSError(405, 23, f"Method {method} is not valid")


def _read(tx: Tx, request: HttpRequest, res: Resource, id_: str, base: str) -> bytes:
    params = request.GET
    if params.get("schema") in ("blank", "synopsis"):
        return document(render_record(res, {f: "" for f in res.fields}, base))
    if params.get("schema"):
        raise PSError(
            400,
            28,
            "Please select a schema of type 'synopsis' to get the whole "
            "schema informations (which fields are required, which kind of content)"
            " or 'blank' to get an empty schema to fill before using POST request",
        )
    display, minimal = query.parse_display(res, params.get("display"))
    if id_:
        doc = tx.get(res.kind, id_)
        if doc is None:
            raise _NotFoundError(404, 87, f"Id(s) not exists: {id_}")
        return document(render_record(res, _view(tx, res, doc), base, display))
    with_dates = params.get("date") == "1"
    filters = {k[7:-1]: v for k, v in params.items() if k.startswith("filter[") and k.endswith("]")}
    shop = None
    if res.name in SHOP_SCOPED and params.get("id_shop", "1") != "all":
        shop = params.get("id_shop", "1")
        if tx.get("ps.shops", shop) is None:
            raise PSError(404, 999, f"No shop found with id {shop}")
    keep = query.filters_predicate(res, filters, with_dates=with_dates)
    if params.get("limit") and query.in_id_order(params.get("sort")):
        # A limited page in id order is read lazily from the first id the filter allows and
        # stops when full: keyset paging over 100,000 records must not decode them all.
        offset, count = query.parse_limit(params["limit"])
        matching = (
            d
            for d in tx.iter_after(res.kind, query.id_lower_bound(filters))
            if (shop is None or d.get("id_shop") == shop) and keep(d)
        )
        docs = list(islice(matching, offset, offset + count))
    else:
        docs = [
            d for d in tx.all(res.kind) if (shop is None or d.get("id_shop") == shop) and keep(d)
        ]
        docs = query.apply_sort(res, docs, params.get("sort"), with_dates=with_dates)
        docs = query.apply_limit(docs, params.get("limit"))
    if not minimal:
        # Computing live associations costs a scan per record: skip it when the display
        # shows none of them (a narrow list of 20,000 products would otherwise take minutes).
        shown = None if display is None else {name for name, _ in display}
        docs = [
            _view(tx, res, d, associations=shown is None or bool(shown & set(res.associations)))
            for d in docs
        ]
    return document(render_list(res, docs, base, display, minimal))


class _NotFoundError(PSError):
    """A missing single record: PrestaShop answers a bare 404."""


def _view(tx: Tx, res: Resource, doc: dict, *, associations: bool = True) -> dict:
    """Fields PrestaShop computes on read (getters and, unless not shown, live associations)."""
    doc = dict(doc)
    if res.name == "orders":
        carriers = tx.where("ps.order_carriers", "id_order", doc["id"])
        doc["shipping_number"] = carriers[0]["tracking_number"] if carriers else ""
    elif associations and res.name == "products":
        combos = tx.where("ps.combinations", "id_product", doc["id"])
        stock = tx.where("ps.stock_availables", "id_product", doc["id"])
        doc["associations"] = {
            **doc.get("associations", {}),
            "combinations": [{"id": c["id"]} for c in combos],
            "stock_availables": [
                {"id": s["id"], "id_product_attribute": s["id_product_attribute"]} for s in stock
            ],
        }
    elif associations and res.name == "customer_threads":
        messages = tx.where("ps.customer_messages", "id_customer_thread", doc["id"])
        doc["associations"] = {"customer_messages": [{"id": m["id"]} for m in messages]}
    return doc


def _api_index(base: str, version: str) -> bytes:
    patch = ' patch="true"' if ps_supports_patch(version) else ""
    rows = []
    for res in RESOURCES.values():
        perms = " ".join(
            f'{m.lower()}="{"false" if m in res.forbidden else "true"}"'
            for m in ("GET", "PUT", "POST")
        )
        delete = "false" if "DELETE" in res.forbidden else "true"
        attrs = f'{perms}{patch} delete="{delete}" head="true"'
        href = f'xlink:href="{base}{res.name}"'
        rows.append(
            f"<{res.name} {href} {attrs}>\n<description {href} {attrs}>"
            f"{res.description}</description>\n"
            f'<schema xlink:href="{base}{res.name}?schema=blank" type="blank"/>\n'
            f'<schema xlink:href="{base}{res.name}?schema=synopsis" type="synopsis"/>\n'
            f"</{res.name}>\n"
        )
    return document('<api shopName="PrestaShop Sandbox">\n' + "".join(rows) + "</api>\n")
