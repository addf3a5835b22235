"""Picqer orders: create (concept), find, process, allocate, cancel, tags, comments."""

from __future__ import annotations

import re
from datetime import datetime

from ..store import Tx
from ..util import LOCAL_TZ, now_local
from .catalog import TAGS, VATGROUPS, product_or_404, products_by_code, stock_adjust
from .hooks import event_emit
from .http import PicqerError, Req, bad_request, not_found, page, public
from .picklists import picklist_create, picklists_of_order, picklists_release

ORDERS = "picqer.orders"
COMMENTS = "picqer.comments"
ADDRESS_FIELDS = (
    "name",
    "contactname",
    "address",
    "address2",
    "zipcode",
    "city",
    "region",
    "country",
)
COPIED_FIELDS = (
    "idtemplate",
    "idshippingprovider_profile",
    "telephone",
    "emailaddress",
    "reference",
    "customer_remarks",
    "pickup_point_data",
    "partialdelivery",
    "auto_split",
    "invoiced",
    "preferred_delivery_date",
    "discount",
    "language",
    "warehouses",
    "orderfields",
)
CLOSED = "Order is already closed"
WRONG_STATUS = "Item not found or does not have the right status"


def order_view(tx: Tx, order: dict) -> dict:
    """The order as GET /orders/{id} shows it, with its picklists embedded."""
    return {**public(order), "picklists": [public(p) for p in picklists_of_order(tx, order)]}


def order_or_404(tx: Tx, idorder: int | str) -> dict:
    order = tx.get(ORDERS, idorder)
    if order is None:
        raise not_found("Order")
    return order


def orders_list(tx: Tx, req: Req):
    q = req.query
    items = tx.all(ORDERS)
    for name in ("reference", "status", "orderid", "emailaddress"):
        if q.get(name) is not None:
            items = [o for o in items if (o.get(name) or "") == q[name]]
    if req.int_param("sinceid") is not None:
        items = [o for o in items if o["idorder"] > req.int_param("sinceid")]
    if req.int_param("beforeid") is not None:
        items = [o for o in items if o["idorder"] < req.int_param("beforeid")]
    if q.get("sincedate"):
        items = [o for o in items if o["created"] >= q["sincedate"]]
    if q.get("untildate"):
        items = [o for o in items if o["created"] <= q["untildate"]]
    if q.get("search"):
        term = q["search"].lower()
        items = [
            o
            for o in items
            if any(
                term in str(o.get(f) or "").lower()
                for f in ("orderid", "reference", "deliveryname", "deliverycontactname")
            )
        ]
    return 200, [order_view(tx, o) for o in page(items, req)]


def order_get(tx: Tx, req: Req, idorder: str):
    return 200, order_view(tx, order_or_404(tx, idorder))


def order_create(tx: Tx, req: Req):
    body = req.json()
    if body.get("idcustomer"):
        raise bad_request(25, "Customer you are making an order for, does not exists")
    lines = body.get("products")
    if not isinstance(lines, list) or not lines:
        raise bad_request(13, "Order is missing products")
    order = _order_header(tx, body)
    order["products"] = [_order_line(tx, line, n, req.knobs) for n, line in enumerate(lines, 1)]
    tx.insert(ORDERS, order, id_field="idorder", start=5001)
    event_emit(tx, event="orders.created", data=order_view(tx, order))
    return 201, order_view(tx, order)


def _order_header(tx: Tx, body: dict) -> dict:
    year = datetime.now(LOCAL_TZ).year
    order: dict = {
        "idorder": None,
        "idcustomer": None,
        "idtemplate": 1,
        "idshippingprovider_profile": None,
        "orderid": f"O{year}-{tx.next_id('picqer.orderid', 1):04d}",
    }
    for prefix in ("delivery", "invoice"):
        for name in ADDRESS_FIELDS:
            order[prefix + name] = body.get(prefix + name)
    if not order["invoicename"]:
        for name in ADDRESS_FIELDS:  # Picqer copies the delivery address when none is given
            order["invoice" + name] = order["invoice" + name] or order["delivery" + name]
    for prefix in ("delivery", "invoice"):
        country = order[prefix + "country"]
        if not country or not re.fullmatch(r"[A-Za-z]{2}", country):
            raise bad_request(9, "Invalid country code")
        order[prefix + "country"] = country.upper()
        order[f"full_{prefix}_address"] = _full_address(order, prefix)
    if not order["deliveryname"]:
        raise bad_request(5, "Missing parameters with POST or PUT: deliveryname")
    defaults = {
        "idtemplate": 1,
        "partialdelivery": True,
        "auto_split": True,
        "invoiced": False,
        "discount": 0,
        "language": "nl",
        "warehouses": [1],
        "orderfields": [],
    }
    for name in COPIED_FIELDS:
        order[name] = body.get(name, defaults.get(name))
    now = now_local()
    order.update(
        {
            "calculatevat": True,
            "status": "concept",
            "paused_reason": None,
            "via_portal": False,
            "public_status_page": f"https://example.picqer.com/s/sandbox{order['orderid']}",
            "created": now,
            "updated": now,
            "pricelists": [],
            "tags": {},
            "_allocated": False,
        }
    )
    return order


def _full_address(order: dict, prefix: str) -> str:
    parts = [
        order[prefix + "name"],
        order[prefix + "contactname"],
        order[prefix + "address"],
        order[prefix + "address2"],
        " ".join(p for p in (order[prefix + "zipcode"], order[prefix + "city"]) if p),
        order[prefix + "country"],
    ]
    return "\n".join(p for p in parts if p)


def _order_line(tx: Tx, line: dict, number: int, knobs: dict) -> dict:
    if (
        not isinstance(line, dict)
        or not line.get("amount")
        or not (line.get("idproduct") or line.get("productcode"))
    ):
        raise bad_request(23, "Idproduct or amount missing from product in a order")
    if line.get("idproduct"):
        product = tx.get("picqer.products", line["idproduct"])
    else:
        found = products_by_code(tx, code=str(line["productcode"]), knobs=knobs)
        product = found[0] if found else None
    if product is None:
        raise bad_request(24, "Product you are trying to order, does not exists")
    idvatgroup = line.get("idvatgroup") or product["idvatgroup"]
    if tx.get(VATGROUPS, idvatgroup) is None:
        raise bad_request(14, "Unknown vatgroup")
    return {
        "idorder_product": tx.next_id("picqer.order_products", 90001),
        "idproduct": product["idproduct"],
        "idvatgroup": idvatgroup,
        "productcode": product["productcode"],
        "name": line.get("name") or product["name"],
        "remarks": line.get("remarks") or "",
        "price": float(line["price"]) if line.get("price") is not None else product["price"],
        "amount": int(line["amount"]),
        "amount_cancelled": 0,
        "weight": product["weight"],
        "partof_idorder_product": None,
        "has_parts": False,
    }


# status transitions -------------------------------------------------------------------------
def _require(order: dict, allowed: set[str], *, busy_code: int = 32) -> None:
    """Refuse a transition: completed/cancelled are closed (32); processing/paused orders
    are "closed" for process/allocate (32) and "being processed" for cancel (30)."""
    status = order["status"]
    if status in allowed:
        return
    if status in ("completed", "cancelled"):
        raise bad_request(32, CLOSED)
    if status in ("processing", "paused") and busy_code:
        raise bad_request(
            busy_code,
            CLOSED if busy_code == 32 else "Cannot change order. This order is being processed",
        )
    raise bad_request(21, WRONG_STATUS)


def status_set(tx: Tx, order: dict, status: str) -> None:
    """Change the status, store, and fire orders.status_changed (+ completed)."""
    order["status"], order["updated"] = status, now_local()
    tx.put(ORDERS, order["idorder"], order)
    event_emit(tx, event="orders.status_changed", data=order_view(tx, order))
    if status == "completed":
        event_emit(tx, event="orders.completed", data=order_view(tx, order))


def _allocation(tx: Tx, order: dict, sign: int) -> None:
    for line in order["products"]:
        product = product_or_404(tx, line["idproduct"])
        stock_adjust(tx, product=product, reservedallocations=sign * line["amount"])
    order["_allocated"] = sign > 0


def order_allocate(tx: Tx, req: Req, idorder: str):
    order = order_or_404(tx, idorder)
    _require(order, {"concept", "expected"})
    if not order["_allocated"]:
        _allocation(tx, order, +1)
        order["updated"] = now_local()
        tx.put(ORDERS, order["idorder"], order)
        event_emit(tx, event="orders.allocated", data=order_view(tx, order))
    return 200, order_view(tx, order)


def order_deallocate(tx: Tx, req: Req, idorder: str):
    order = order_or_404(tx, idorder)
    _require(order, {"concept", "expected"}, busy_code=0)
    if order["_allocated"]:
        _allocation(tx, order, -1)
        tx.put(ORDERS, order["idorder"], order)
    return 200, order_view(tx, order)


def order_process(tx: Tx, req: Req, idorder: str):
    """concept/expected → processing; a picklist reserves the stock."""
    order = order_or_404(tx, idorder)
    _require(order, {"concept", "expected"})
    if order["_allocated"]:
        _allocation(tx, order, -1)
    picklist_create(tx, order=order)
    event_emit(tx, event="orders.closed", data=order_view(tx, order))
    status_set(tx, order, "processing")
    return 200, order_view(tx, order)


def order_cancel(tx: Tx, req: Req, idorder: str):
    """DELETE: only concept/expected, unless ?force=true (then picklists go too)."""
    order = order_or_404(tx, idorder)
    force = req.query.get("force", "").lower() in ("1", "true")
    if force:
        _require(order, {"concept", "expected", "processing", "paused"})
    else:
        _require(order, {"concept", "expected"}, busy_code=30)
    if order["_allocated"]:
        _allocation(tx, order, -1)
    picklists_release(tx, order=order)
    status_set(tx, order, "cancelled")
    return 204, None


# tags and comments --------------------------------------------------------------------------
def order_tags(tx: Tx, req: Req, idorder: str):
    return 200, list(order_or_404(tx, idorder)["tags"].values())


def order_tag_add(tx: Tx, req: Req, idorder: str):
    order = order_or_404(tx, idorder)
    tag = tx.get(TAGS, req.json().get("idtag"))
    if tag is None:
        raise not_found("Tag")
    order["tags"][tag["title"]] = tag
    tx.put(ORDERS, order["idorder"], order)
    return 201, list(order["tags"].values())


def order_comments(tx: Tx, req: Req, idorder: str):
    order = order_or_404(tx, idorder)
    return 200, page([public(c) for c in tx.where(COMMENTS, "_idorder", order["idorder"])], req)


def order_comment_add(tx: Tx, req: Req, idorder: str):
    order = order_or_404(tx, idorder)
    body = req.json()
    if not body.get("body"):
        raise bad_request(5, "Missing parameters with POST or PUT: body")
    now = now_local()
    comment = tx.insert(
        COMMENTS,
        {
            "idcomment": None,
            "_idorder": order["idorder"],
            "show_at_related": bool(body.get("show_at_related", False)),
            "is_visible_fulfilment": bool(body.get("is_visible_fulfilment", False)),
            "author_type": "api",
            "author": {"name": "API"},
            "body": body["body"],
            "created": now,
            "updated": now,
        },
        id_field="idcomment",
        start=401,
    )
    return 201, public(comment)


__all__ = ["PicqerError"]


def order_update(tx: Tx, req: Req, idorder: str):
    """PUT /orders/{id}: header fields (address, reference, remarks...) — not lines."""
    order = order_or_404(tx, idorder)
    if order["status"] in ("completed", "cancelled"):
        raise bad_request(32, CLOSED)
    body = req.json()
    editable = {p + n for p in ("delivery", "invoice") for n in ADDRESS_FIELDS} | set(COPIED_FIELDS)
    for key, value in body.items():
        if key in editable:
            order[key] = value
    order["updated"] = now_local()
    tx.put(ORDERS, order["idorder"], order)
    return 200, order_view(tx, order)


def order_productstatus(tx: Tx, req: Req, idorder: str):
    """Per line: allocated (concept orders with an allocation, or processing/closed)."""
    order = order_or_404(tx, idorder)
    allocated = order["_allocated"] or order["status"] in ("processing", "completed")
    return 200, {"products": [{**line, "allocated": allocated} for line in order["products"]]}


def templates_list(tx: Tx, req: Req):
    return 200, [{"idtemplate": 1, "name": "Default", "default": True}]
