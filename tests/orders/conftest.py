"""Fakes of the PrestaShop webservice and the Picqer API at the HTTP boundary (`responses`).

Records start from the fixture files in tests/fixtures/orders/ (shaped like the payloads
quoted in the research notes) and change as the code under test writes, so a test can
assert on both sides' end state and on every request made.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import pytest
import requests
import responses

from sync.prestashop import xml as psxml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orders"
PS = "https://shop.example.com/api/"
PICQER = "https://example.picqer.com/api/v1/"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def _cdata(value) -> str:
    return f"<![CDATA[{value}]]>" if value not in (None, "") else ""


def render_record(tag: str, record: dict) -> str:
    """A record as the webservice writes it: every value in CDATA, associations nested."""
    parts = [f"<{tag}>"]
    for key, value in record.items():
        if key == "associations":
            parts.append("<associations>")
            for assoc, items in value.items():
                parts.append(f'<{assoc} nodeType="{psxml.singular(assoc)}" api="{assoc}">')
                parts += [render_record(psxml.singular(assoc), item) for item in items]
                parts.append(f"</{assoc}>")
            parts.append("</associations>")
        else:
            parts.append(f"<{key}>{_cdata(value)}</{key}>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def ps_document(inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop '
        f'xmlns:xlink="http://www.w3.org/1999/xlink">\n{inner}\n</prestashop>'
    ).encode()


def ps_error(status: int, code: int, message: str):
    body = ps_document(
        f"<errors><error><code>{_cdata(code)}</code>"
        f"<message>{_cdata(escape(message))}</message></error></errors>"
    )
    return status, {"Content-Type": "text/xml;charset=utf-8"}, body


def _match(value: str, expression: str) -> bool:
    """PrestaShop filter syntax: `[a|b]`, `>[n]`, `<[n]`, `[v]`, `v` (prestashop-ws.md §1.4)."""
    op = expression[0] if expression[:1] in "<>" else ""
    inner = expression[1:] if op else expression
    inner = inner[1:-1] if inner.startswith("[") and inner.endswith("]") else inner
    if op:
        number = re.fullmatch(r"\d+", inner) and re.fullmatch(r"\d+", value)
        left, right = (int(value), int(inner)) if number else (value, inner)
        return left > right if op == ">" else left < right
    return value in inner.split("|")


class FakePrestaShop:
    """The webservice of https://shop.example.com (PrestaShop 8.1 unless told otherwise)."""

    def __init__(self, rsps: responses.RequestsMock, version: str = "8.1.5"):
        self.version = version
        self.keeps_note = True  # False: PATCH/PUT silently ignore `note` (PrestaShop#37255)
        self.errors: dict[tuple[str, str], tuple] = {}  # (METHOD, resource) -> response
        self.records: dict[str, dict[str, dict]] = defaultdict(dict)
        self.writes: list[tuple[str, str, dict]] = []
        for resource, name in [
            ("orders", "ps_order_73"),
            ("addresses", "ps_address_10"),
            ("addresses", "ps_address_11"),
            ("customers", "ps_customer_4"),
            ("countries", "ps_country_13"),
            ("countries", "ps_country_21"),
            ("states", "ps_state_9"),
        ]:
            record = psxml.record_to_dict(
                psxml.record_element(psxml.parse((FIXTURES / f"{name}.xml").read_bytes()))
            )
            self.records[resource][record["id"]] = record
        for message in psxml.list_to_dicts(
            psxml.parse((FIXTURES / "ps_messages_73.xml").read_bytes())
        ):
            self.records["messages"][message["id"]] = message
        rsps.add_callback(responses.HEAD, PS, callback=self._root)
        rsps.add(
            responses.GET,
            re.compile(re.escape(PS) + r"images/products/\d+/\d+"),
            body=b"\xff\xd8\xff\xe0fake-jpeg",
            content_type="image/jpeg",
        )
        for method in ("GET", "POST", "PUT", "PATCH"):
            rsps.add_callback(
                method, re.compile(re.escape(PS) + r"[a-z_]+(/\d+)?(\?.*)?$"), callback=self._handle
            )

    # -- set-up helpers -------------------------------------------------------------------

    @property
    def order(self) -> dict:
        return self.records["orders"]["73"]

    def add_order(self, id_order: int, **changes) -> dict:
        """A copy of order 73 under another id (split carts, multistore)."""
        order = copy.deepcopy(self.order)
        order.update(id=str(id_order), **{k: str(v) for k, v in changes.items()})
        self.records["orders"][str(id_order)] = order
        return order

    def add_history(self, id_history: int, id_order: int, state: int) -> None:
        self.records["order_histories"][str(id_history)] = {
            "id": str(id_history),
            "id_employee": "0",
            "id_order_state": str(state),
            "id_order": str(id_order),
            "date_add": "2026-03-02 10:15:41",
        }
        if str(id_order) in self.records["orders"]:
            self.records["orders"][str(id_order)]["current_state"] = str(state)

    def private_messages(self, id_order: int = 73) -> list[str]:
        threads = {
            t["id"]
            for t in self.records["customer_threads"].values()
            if t["id_order"] == str(id_order)
        }
        return [
            m["message"]
            for m in self.records["customer_messages"].values()
            if m["id_customer_thread"] in threads and m["private"] == "1"
        ]

    # -- the webservice -------------------------------------------------------------------

    def _root(self, request):
        return 200, {"PSWS-Version": self.version, "Content-Type": "text/xml"}, b""

    def _handle(self, request):
        url = urlsplit(request.url)
        resource, _, record_id = url.path[len("/api/") :].partition("/")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if (request.method, resource) in self.errors:
            return self.errors[(request.method, resource)]
        if request.method == "GET":
            return (
                self._get(resource, record_id, params)
                if record_id
                else self._list(resource, params)
            )
        fields = psxml.record_to_dict(psxml.record_element(psxml.parse(request.body)))
        self.writes.append((request.method, resource, fields))
        if request.method == "POST":
            return self._create(resource, fields)
        return self._update(resource, record_id, fields)

    def _visible(self, resource: str, record: dict, params: dict) -> bool:
        # Orders are restricted to the shop context (multistore, prestashop-ws.md §2.1).
        return (
            resource != "orders"
            or "id_shop" not in params
            or record.get("id_shop") == params["id_shop"]
        )

    def _get(self, resource, record_id, params):
        record = self.records[resource].get(record_id)
        if record is None or not self._visible(resource, record, params):
            return ps_error(404, 87, f"Id(s) not exists: {record_id}")
        tag = psxml.singular(resource)
        return 200, {"Content-Type": "text/xml"}, ps_document(render_record(tag, record))

    def _list(self, resource, params):
        rows = [r for r in self.records[resource].values() if self._visible(resource, r, params)]
        for key, expression in params.items():
            if key.startswith("filter["):
                rows = [r for r in rows if _match(str(r.get(key[7:-1], "")), expression)]
        sort = params.get("sort", "[id_ASC]").strip("[]").split(",")[-1]
        field, _, direction = sort.rpartition("_")
        rows.sort(
            key=lambda r: int(r[field]) if field == "id" else r[field], reverse=direction == "DESC"
        )
        if "limit" in params:
            offset, _, count = params["limit"].rpartition(",")
            rows = rows[int(offset or 0) : int(offset or 0) + int(count)]
        tag = psxml.singular(resource)
        inner = "".join(render_record(tag, r) for r in rows)
        return 200, {"Content-Type": "text/xml"}, ps_document(f"<{resource}>{inner}</{resource}>")

    def _create(self, resource, fields):
        record_id = str(max((int(i) for i in self.records[resource]), default=0) + 1)
        record = {"id": record_id, **fields}
        self.records[resource][record_id] = record
        return (
            201,
            {"Content-Type": "text/xml"},
            ps_document(render_record(psxml.singular(resource), record)),
        )

    def _update(self, resource, record_id, fields):
        record = self.records[resource].get(record_id)
        if record is None:
            return ps_error(404, 87, f"Id(s) not exists: {record_id}")
        if resource == "orders" and not self.keeps_note:
            fields = {k: v for k, v in fields.items() if k != "note"}
        record.update({k: v for k, v in fields.items() if k != "associations"})
        return self._get(resource, record_id, {})


class FakePicqer:
    """The Picqer API of account "example"."""

    def __init__(self, rsps: responses.RequestsMock):
        self.products: list[dict] = []
        self.orders: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = defaultdict(list)
        self.vatgroups = json.loads(fixture_text("picqer_vatgroups.json"))
        self.timeouts_after_create = 0  # POST /orders creates the order, then times out
        self.drops_before_create = 0  # POST /orders fails to connect (nothing created)
        self.server_errors_before_create = 0  # POST /orders answers 500 (nothing created)
        self.refuse_create: dict | None = None  # JSON error body for a 400 on POST /orders
        self._ids = itertools.count(240350427)
        self._product_ids = itertools.count(900)
        for method in ("GET", "POST", "PUT", "DELETE"):
            rsps.add_callback(method, re.compile(re.escape(PICQER) + r".*"), callback=self._handle)

    def add_product(self, productcode: str, idproduct: int | None = None) -> dict:
        product = json.loads(fixture_text("picqer_product.json"))
        product.update(productcode=productcode, idproduct=idproduct or next(self._product_ids))
        self.products.append(product)
        return product

    @property
    def created(self) -> list[dict]:
        return list(self.orders.values())

    def _handle(self, request):
        url = urlsplit(request.url)
        path = url.path[len("/api/v1/") :].strip("/")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        body = json.loads(request.body) if request.body else None
        shape = re.sub(r"/\d+", "/{id}", "/" + path)[1:]
        route = f"{request.method} {shape}"
        ids = [int(n) for n in re.findall(r"/(\d+)", "/" + path)]
        handler = getattr(self, "_" + re.sub(r"\W+", "_", route).strip("_").lower(), None)
        if handler is None:
            return (
                404,
                {},
                json.dumps({"error": True, "error_code": 20, "error_message": "Item not found"}),
            )
        status, payload = handler(ids, params, body)
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def _get_products(self, ids, params, body):
        # Picqer's search is not exact: case-insensitive here, so the code must filter.
        code = params["productcode"].lower()
        return 200, [p for p in self.products if p["productcode"].lower() == code]

    def _get_products_id(self, ids, params, body):
        for product in self.products:
            if product["idproduct"] == ids[0]:
                return 200, product
        return 404, {"error": True, "error_code": 20, "error_message": "Item not found"}

    def _post_products(self, ids, params, body):
        if any(p["productcode"] == body["productcode"] for p in self.products):
            return 400, {"error": True, "error_code": 7, "error_message": "Productcode exists"}
        product = self.add_product(body["productcode"])
        product.update(body)
        return 201, product

    def _post_products_id_images(self, ids, params, body):
        return 201, {"idproduct_image": 1, "url": "/files/2/x/original.jpg"}

    def _get_vatgroups(self, ids, params, body):
        return 200, self.vatgroups

    def _post_orders(self, ids, params, body):
        if self.drops_before_create:
            self.drops_before_create -= 1
            raise requests.exceptions.ConnectionError("connection refused")
        if self.server_errors_before_create:
            self.server_errors_before_create -= 1
            return 500, json.loads((FIXTURES.parent / "picqer" / "error_server.json").read_text())
        if self.refuse_create:
            return 400, self.refuse_create
        known = {p["idproduct"] for p in self.products}
        if any(line.get("idproduct") not in known for line in body.get("products") or []):
            return 400, json.loads(fixture_text("picqer_error_product_missing.json"))
        order = json.loads(fixture_text("picqer_order_created.json"))
        idorder = next(self._ids)
        order.update(
            body, idorder=idorder, orderid=f"O2026-{idorder - 240349425}", status="concept", tags={}
        )
        self.orders[idorder] = order
        if self.timeouts_after_create:
            self.timeouts_after_create -= 1
            raise requests.exceptions.ReadTimeout("read timed out")
        return 201, order

    def _get_orders(self, ids, params, body):
        return 200, [o for o in self.orders.values() if o["reference"] == params["reference"]]

    def _get_orders_id(self, ids, params, body):
        return 200, self.orders[ids[0]]

    def _post_orders_id_process(self, ids, params, body):
        order = self.orders[ids[0]]
        if order["status"] != "concept":
            return 400, {
                "error": True,
                "error_code": 21,
                "error_message": "Item not found or does not have the right status",
            }
        order["status"] = "processing"
        return 200, order

    def _post_orders_id_allocate(self, ids, params, body):
        self.orders[ids[0]]["allocated"] = True
        return 200, self.orders[ids[0]]

    def _delete_orders_id(self, ids, params, body):
        order = self.orders[ids[0]]
        if order["status"] not in ("concept", "expected") and params.get("force") != "true":
            return 400, {
                "error": True,
                "error_code": 21,
                "error_message": "Item not found or does not have the right status",
            }
        order["status"] = "cancelled"
        return 200, order

    def _post_orders_id_tags(self, ids, params, body):
        tag = {
            "idtag": body["idtag"],
            "title": f"Tag {body['idtag']}",
            "color": "#823882",
            "inherit": False,
            "textColor": "#ffffff",
        }
        self.orders[ids[0]]["tags"][tag["title"]] = tag
        return 201, tag

    def _get_orders_id_comments(self, ids, params, body):
        return 200, self.comments[ids[0]]

    def _post_orders_id_comments(self, ids, params, body):
        comment = {
            "idcomment": len(self.comments[ids[0]]) + 1,
            "body": body["body"],
            "show_at_related": False,
            "is_visible_fulfilment": False,
        }
        self.comments[ids[0]].append(comment)
        return 201, comment


@pytest.fixture
def ps(rsps):
    return FakePrestaShop(rsps)


@pytest.fixture
def picqer(rsps):
    fake = FakePicqer(rsps)
    for code in ("demo_1", "TSHIRT-RED-S", "MUG-9"):
        fake.add_product(code)
    return fake


@pytest.fixture
def enqueued(monkeypatch):
    """Tasks published by the code under test (after commit), instead of a broker."""
    from sync.tasks import orders as tasks

    calls: list[tuple[str, tuple]] = []
    for name in ("order_sync_task", "orders_poll_task", "orders_reconcile_shop_task"):
        task = getattr(tasks, name)
        # apply_async: what sync.jobs and Task.delay both end in.
        monkeypatch.setattr(
            task, "apply_async", lambda a=(), k=None, _n=name, **o: calls.append((_n, tuple(a)))
        )
    return calls
