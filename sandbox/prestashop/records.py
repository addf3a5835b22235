"""Writes through the webservice: POST, PUT (whole record), PATCH (8.x), DELETE.

PUT follows `WebserviceRequest::saveEntityFromXml`: every non-required field missing from
the body is set to NULL (stored as 0 or ''); required fields keep their value.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..knobs import ps_version_tuple
from ..store import Tx
from ..util import now_local
from .schema import RESOURCES, Resource, empty_value
from .state import order_state_apply, stock_aggregate_refresh
from .xmlio import PSError

INT_RE = re.compile(r"^-?\d+$")
DATE_FIELDS = ("date_add", "date_upd")


def _validate(res: Resource, doc: dict) -> None:
    for name in res.required:
        value = doc.get(name)
        empty = not value if name in res.multilang else value in (None, "")
        if empty:
            raise PSError(400, 85, f'Validation error: "Property {_cls(res)}->{name} is empty."')
    for name, value in doc.items():
        is_int = name.startswith("id_") or name in ("quantity", "current_state")
        if (
            is_int
            and name not in res.multilang
            and value not in ("", None)
            and not INT_RE.match(str(value))
        ):
            raise PSError(400, 85, f'Validation error: "Property {_cls(res)}->{name} is not valid"')


def _cls(res: Resource) -> str:
    return "".join(part.capitalize() for part in res.singular.split("_"))


def _check_fields(res: Resource, fields: dict) -> None:
    for name in fields:
        if name != "associations" and name not in res.fields:
            raise PSError(400, 123, f'Unknown field "{name}" for resource {res.name}')


def record_create(tx: Tx, res: Resource, fields: dict) -> dict:
    """POST: a new record; an <id> in the body is refused (code 91)."""
    if fields.get("id"):
        raise PSError(400, 91, "id is forbidden when adding a new resource")
    _check_fields(res, fields)
    doc = {
        name: fields.get(name, empty_value(name) if name not in res.multilang else [])
        for name in res.fields
        if name != "id"
    }
    now = now_local()
    for name in DATE_FIELDS:
        if name in res.fields and not doc.get(name):
            doc[name] = now
    doc["associations"] = fields.get("associations", {})
    _validate(res, doc)
    tx.insert(res.kind, doc)
    doc["id"] = str(doc["id"])
    tx.put(res.kind, int(doc["id"]), doc)
    _after_create(tx, res, doc)
    return doc


def record_update(
    tx: Tx, res: Resource, url_id: str | None, fields: dict, *, partial: bool
) -> dict:
    """PUT (partial=False) or PATCH (partial=True); <id> is required in the body (code 90)."""
    body_id = fields.get("id", "")
    if not body_id:
        raise PSError(400, 90, "id is required when modifying a resource")
    if url_id and url_id != body_id:
        raise PSError(400, 89, "id is duplicate in request")
    old = tx.get(res.kind, body_id)
    if old is None:
        raise PSError(404, 92, f"Invalid ID: {body_id}")
    _check_fields(res, fields)
    doc = dict(old)
    for name in res.fields:
        if name in fields:
            doc[name] = fields[name]
        elif not partial and name not in res.required and name not in (*DATE_FIELDS, "id"):
            doc[name] = [] if name in res.multilang else empty_value(name)
    if "associations" in fields:
        editable = {
            k: v
            for k, v in fields["associations"].items()
            if k in res.associations and not res.associations[k].virtual
        }
        doc["associations"] = {**old.get("associations", {}), **editable}
    if "date_upd" in res.fields:
        doc["date_upd"] = now_local()
    _validate(res, doc)
    _before_update(tx, res, old, doc)
    tx.put(res.kind, int(body_id), doc)
    _after_update(tx, res, old, doc)
    return doc


def record_delete(tx: Tx, res: Resource, id_: str) -> None:
    if not tx.delete(res.kind, id_):
        raise PSError(404, 87, f"Id(s) not exists: {id_}")


def _after_create(tx: Tx, res: Resource, doc: dict) -> None:
    if res.name == "order_histories":
        order = tx.get("ps.orders", doc["id_order"])
        if order is None or tx.get("ps.order_states", doc["id_order_state"]) is None:
            raise PSError(
                400, 85, 'Validation error: "Property OrderHistory->id_order is not valid"'
            )
        order_state_apply(tx, order=order, state_id=doc["id_order_state"])
    elif res.name == "customer_messages":
        thread = tx.get("ps.customer_threads", doc["id_customer_thread"] or 0)
        if thread is not None:
            thread["date_upd"] = now_local()
            tx.put("ps.customer_threads", int(thread["id"]), thread)


def _before_update(tx: Tx, res: Resource, old: dict, doc: dict) -> None:
    if res.name == "stock_availables" and old.get("depends_on_stock") == "1":
        raise PSError(500, 133, "You cannot update the available stock when it depends on stock.")


def _after_update(tx: Tx, res: Resource, old: dict, doc: dict) -> None:
    if res.name == "orders" and doc["current_state"] != old["current_state"]:
        # Order::setWsCurrentState → setCurrentState(): a history row plus side effects.
        requested = doc["current_state"]
        doc["current_state"] = old["current_state"]
        if requested not in ("", "0"):
            order_state_apply(tx, order=doc, state_id=requested, add_history=True)
        else:
            tx.put(res.kind, int(doc["id"]), doc)
    elif res.name == "stock_availables" and doc["id_product_attribute"] not in ("", "0"):
        stock_aggregate_refresh(tx, id_product=doc["id_product"], id_shop=doc["id_shop"])


def resource(name: str, *, version: str = "") -> Resource:
    """The resource called `name` as the announced `version` has it, or the 400 code 27
    PrestaShop answers. Before 1.7 there is no `messages` resource; before 1.7.8 orders
    have no `note` (docs/sources.md#prestashop-version-differences)."""
    release = ps_version_tuple(version)
    if name == "messages" and release and release < (1, 7):
        raise PSError(400, 27, f'Resource of type "{name}" does not exists.')
    if name == "orders" and release and release < (1, 7, 8):
        res = RESOURCES[name]
        return replace(res, fields=tuple(f for f in res.fields if f != "note"))
    if name not in RESOURCES:
        close = [r for r in RESOURCES if r.startswith(name[:3])]
        hint = f' Did you mean: "{close[0]}"?' if close else ""
        raise PSError(400, 27, f'Resource of type "{name}" does not exists.{hint}')
    return RESOURCES[name]
