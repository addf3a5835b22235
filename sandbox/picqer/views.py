"""The Picqer API endpoint: auth, budget, faults, then a small route table."""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_before_call
from ..runtime import runtime
from ..util import json_response, parse_json
from . import catalog as c
from . import hooks as h
from . import orders as o
from . import picklists as p
from .http import PicqerError, Req, basic_auth_ok, rate_limit_remaining, rate_limit_take

logger = logging.getLogger(__name__)
ID = r"(\d+)"
ROUTES = [
    ("GET", r"orders", o.orders_list),
    ("POST", r"orders", o.order_create),
    ("GET", rf"orders/{ID}", o.order_get),
    ("DELETE", rf"orders/{ID}", o.order_cancel),
    ("PUT", rf"orders/{ID}", o.order_update),
    ("GET", rf"orders/{ID}/productstatus", o.order_productstatus),
    ("GET", r"templates", o.templates_list),
    ("POST", rf"orders/{ID}/process", o.order_process),
    ("POST", rf"orders/{ID}/allocate", o.order_allocate),
    ("POST", rf"orders/{ID}/deallocate", o.order_deallocate),
    ("GET", rf"orders/{ID}/tags", o.order_tags),
    ("POST", rf"orders/{ID}/tags", o.order_tag_add),
    ("GET", rf"orders/{ID}/comments", o.order_comments),
    ("POST", rf"orders/{ID}/comments", o.order_comment_add),
    ("GET", r"products", c.products_list),
    ("POST", r"products", c.product_create),
    ("GET", rf"products/{ID}", c.product_get),
    ("PUT", rf"products/{ID}", c.product_update),
    ("POST", rf"products/{ID}/(activate|inactivate)", c.product_set_active),
    ("GET", rf"products/{ID}/images", c.product_images),
    ("POST", rf"products/{ID}/images", c.product_image_add),
    ("GET", rf"products/{ID}/stock", c.product_stock),
    ("GET", rf"products/{ID}/stock/{ID}", c.product_stock),
    ("POST", rf"products/{ID}/stock/{ID}", c.product_stock_change),
    ("GET", r"warehouses", c.warehouses_list),
    ("GET", rf"warehouses/{ID}", c.warehouse_get),
    ("GET", rf"warehouses/{ID}/stock", c.warehouse_stock),
    ("GET", r"shippingproviders", c.shippingproviders_list),
    ("GET", r"vatgroups", c.vatgroups_list),
    ("GET", rf"vatgroups/{ID}", c.vatgroup_get),
    ("GET", r"tags", c.tags_list),
    ("POST", r"tags", c.tag_create),
    ("GET", rf"tags/{ID}", c.tag_get),
    ("DELETE", rf"tags/{ID}", c.tag_delete),
    ("GET", r"hooks", h.hooks_list),
    ("POST", r"hooks", h.hook_create),
    ("GET", rf"hooks/{ID}", h.hook_get),
    ("DELETE", rf"hooks/{ID}", h.hook_deactivate),
    ("POST", rf"hooks/{ID}/reactivate", h.hook_reactivate),
    ("GET", r"picklists", p.picklists_list),
    ("GET", rf"picklists/{ID}", p.picklist_get),
    ("GET", rf"picklists/{ID}/shipments", p.picklist_shipments),
    ("GET", r"shipments", p.shipments_list),
]
COMPILED = [(m, re.compile(pattern + "/?"), fn) for m, pattern, fn in ROUTES]


@csrf_exempt
def picqer_api(request: HttpRequest, path: str) -> HttpResponse:
    """Every /picqer/api/v1/<path> call."""
    store = runtime().store
    knobs, fail = fault_before_call(
        store, side="picqer", call=f"{request.method} {path.strip('/')}"
    )
    limit = knobs["picqer_rate_limit"]
    try:
        with store.tx() as tx:
            if not basic_auth_ok(request.headers.get("Authorization", ""), knobs["picqer_api_key"]):
                raise PicqerError(401, 4, "Invalid API key")  # code not documented
            remaining = rate_limit_take(tx, limit=limit)
    except PicqerError as exc:
        with store.tx() as tx:
            remaining = rate_limit_remaining(tx, limit=limit)
        return _error(exc, remaining)
    if fail:
        return _error(PicqerError(500, 1, "Unknown application error"), remaining)
    try:
        status, payload = _dispatch(request, path, knobs)
    except PicqerError as exc:
        return _error(exc, remaining)
    return json_response(payload, status=status, headers={"X-RateLimit-Remaining": remaining})


def _dispatch(request: HttpRequest, path: str, knobs: dict) -> tuple[int, object]:
    path_ok = False
    for method, pattern, fn in COMPILED:
        match = pattern.fullmatch(path)
        if not match:
            continue
        path_ok = True
        if method != request.method:
            continue
        body = None
        if request.method in ("POST", "PUT"):
            try:
                body = parse_json(request.body)
            except ValueError as exc:
                raise PicqerError(400, 22, "No valid JSON") from exc
        req = Req(query=request.GET, body=body, knobs=knobs)
        with runtime().store.tx() as tx:
            return fn(tx, req, *match.groups())
    if path_ok:
        raise PicqerError(405, 8, "API function not yet implemented")
    raise PicqerError(404, 8, "API function not yet implemented")


def _error(exc: PicqerError, remaining: int) -> HttpResponse:
    return json_response(
        exc.payload(), status=exc.status, headers={"X-RateLimit-Remaining": remaining}
    )
