"""The Picqer API of account "example" for unit tests, behind `responses`.

Products, orders, tags, comments and shipments live in memory and change as the code under
test writes. Payloads start from the recorded fixture files (tests/fixtures/<suite>/picqer_*)
and errors carry Picqer's `{"error": true, "error_code", "error_message"}` body, as the real
API and the sandbox emulator answer (tests/contract runs the same cases against all three).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

BASE = "https://example.picqer.com/api/v1/"
TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures"
PAGE_SIZE = 100
NOT_FOUND = {"error": True, "error_code": 20, "error_message": "Item not found"}
WRONG_STATUS = {
    "error": True,
    "error_code": 21,
    "error_message": "Item not found or does not have the right status",
}


class FakePicqer:
    """Picqer, empty until a test adds products (`add_product`) or orders (`add_order`).

    `fixtures` names the folder of tests/fixtures whose picqer_*.json files the records start
    from (each suite recorded its own products and orders). Knobs for what the real API
    sometimes does are plain attributes."""

    def __init__(self, rsps: responses.RequestsMock, *, fixtures: str = "orders"):
        self.fixtures = FIXTURES / fixtures
        self.products: list[dict] = []
        self.orders: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = defaultdict(list)
        self.shipments: list[dict] = []  # of every picklist; GET filters by idpicklist
        self.vatgroups = self._load("orders/picqer_vatgroups.json")
        self.warehouses: list[dict] = self._load("contract/fixtures/picqer_warehouses.json")
        self.tags: list[dict] = []
        self.hooks: list[dict] = []
        self.timeouts_after_create = 0  # POST /orders creates the order, then times out
        self.drops_before_create = 0  # POST /orders fails to connect (nothing created)
        self.server_errors_before_create = 0  # POST /orders answers 500 (nothing created)
        self.refuse_create: dict | None = None  # JSON error body for a 400 on POST /orders
        self._ids = itertools.count(240350427)
        self._product_ids = itertools.count(900)
        for method in ("GET", "POST", "PUT", "DELETE"):
            rsps.add_callback(method, re.compile(re.escape(BASE) + r".*"), callback=self._handle)

    def _load(self, relative: str):
        """A recorded payload: tests/fixtures/<relative>, or tests/<relative> for contract/."""
        base = TESTS if relative.startswith("contract/") else FIXTURES
        return json.loads((base / relative).read_text())

    # -- set-up ----------------------------------------------------------------------------

    def add_product(
        self, productcode: str, idproduct: int | None = None, *freestock: int, **changes
    ) -> dict:
        """A product like the suite's recorded one; `freestock` gives one stock row per
        warehouse (18, 19, …) with that free stock."""
        product = json.loads((self.fixtures / "picqer_product.json").read_text())
        product.update(
            productcode=productcode,
            idproduct=next(self._product_ids) if idproduct is None else idproduct,
        )
        if freestock:
            rows = product["stock"]
            product["stock"] = [
                {**rows[i % len(rows)], "idwarehouse": 18 + i, "freestock": f, "stock": max(f, 0)}
                for i, f in enumerate(freestock)
            ]
        product.update(changes)
        self.products.append(product)
        return product

    def add_order(self) -> dict:
        """The suite's recorded order (picqer_order.json) and its picklist's shipments."""
        order = json.loads((self.fixtures / "picqer_order.json").read_text())
        self.orders[order["idorder"]] = order
        self.shipments = json.loads((self.fixtures / "picqer_shipments.json").read_text())
        return order

    @property
    def order(self) -> dict:
        """The order a test is about: the last one added or created."""
        return list(self.orders.values())[-1]

    def set_status(self, status: str) -> None:
        self.order["status"] = status

    def shipment(self, **changes) -> dict:
        """A shipment like the recorded first one, with `changes`."""
        shipment = json.loads((self.fixtures / "picqer_shipments.json").read_text())[0]
        shipment.update(changes)
        return shipment

    @property
    def created(self) -> list[dict]:
        return list(self.orders.values())

    # -- the API ---------------------------------------------------------------------------

    def _view(self, order: dict) -> dict:
        """An order as Picqer answers it: each line as sent, completed like a recorded line
        from the product it names (the stored order keeps the lines as the code sent them)."""
        template = self._load("orders/picqer_order_created.json")["products"][0]
        products = {p["idproduct"]: p for p in self.products}
        lines = []
        for number, line in enumerate(order.get("products") or [], start=1):
            product = products.get(line.get("idproduct"), {})
            known = {
                k: product[k]
                for k in ("productcode", "name", "price", "idvatgroup")
                if k in product
            }
            lines.append({**template, "idorder_product": number, **known, **line})
        return {**order, "products": lines}

    def _handle(self, request: requests.PreparedRequest):
        url = urlsplit(request.url)
        path = url.path[len("/api/v1/") :].strip("/")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        body = json.loads(request.body) if request.body else None
        shape = re.sub(r"/\d+", "/{id}", "/" + path)[1:]
        route = f"{request.method} {shape}"
        ids = [int(n) for n in re.findall(r"/(\d+)", "/" + path)]
        handler = getattr(self, "_" + re.sub(r"\W+", "_", route).strip("_").lower(), None)
        if handler is None:
            return 404, {}, json.dumps(NOT_FOUND)
        status, payload = handler(ids, params, body)
        if status == 204:
            return status, {}, b""
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def _get_products(self, ids, params, body):
        items = self.products
        if "productcode" in params:
            # Picqer's search is not exact: case-insensitive here, so the code must filter.
            code = params["productcode"].lower()
            items = [p for p in items if p["productcode"].lower() == code]
        offset = int(params.get("offset") or 0)
        return 200, items[offset : offset + PAGE_SIZE]

    def _get_products_id(self, ids, params, body):
        for product in self.products:
            if product["idproduct"] == ids[0]:
                return 200, product
        return 404, NOT_FOUND

    def _post_products(self, ids, params, body):
        if any(p["productcode"] == body["productcode"] for p in self.products):
            return 400, {
                "error": True,
                "error_code": 40,
                "error_message": "Productcode already exists",
            }
        product = self.add_product(body["productcode"])
        product.update(body)
        return 201, product

    def _get_products_id_stock(self, ids, params, body):
        status, product = self._get_products_id(ids, params, body)
        return (200, product["stock"]) if status == 200 else (status, product)

    def _get_warehouses(self, ids, params, body):
        return 200, self.warehouses

    def _get_warehouses_id_stock(self, ids, params, body):
        rows = [
            {"idproduct": p["idproduct"], "productcode": p["productcode"], "stock": row}
            for p in self.products
            for row in p["stock"]
            if row["idwarehouse"] == ids[0]
        ]
        offset = int(params.get("offset") or 0)
        return 200, rows[offset : offset + PAGE_SIZE]

    def _get_tags(self, ids, params, body):
        return 200, self.tags

    def _post_tags(self, ids, params, body):
        tag = {"idtag": 1075 + len(self.tags), "color": "#823882", "inherit": False, **body}
        tag["textColor"] = "#ffffff"
        self.tags.append(tag)
        return 201, tag

    def _get_hooks(self, ids, params, body):
        return 200, self.hooks

    def _post_hooks(self, ids, params, body):
        if any((h["event"], h["address"]) == (body["event"], body["address"]) for h in self.hooks):
            return 400, self._load("contract/fixtures/picqer_error_hook_exists.json")
        hook = {**self._load("picqer/hook.json"), **body, "active": True}
        hook["idhook"] = hook["idhook"] + len(self.hooks)
        self.hooks.append(hook)
        return 201, hook

    def _hook(self, idhook: int) -> dict:
        return next(h for h in self.hooks if h["idhook"] == idhook)

    def _delete_hooks_id(self, ids, params, body):
        self._hook(ids[0])["active"] = False
        return 204, None

    def _post_hooks_id_reactivate(self, ids, params, body):
        hook = self._hook(ids[0])
        hook["active"] = True
        return 200, hook

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
            return 500, self._load("picqer/error_server.json")
        if self.refuse_create:
            return 400, self.refuse_create
        known = {p["idproduct"] for p in self.products}
        if any(line.get("idproduct") not in known for line in body.get("products") or []):
            return 400, self._load("orders/picqer_error_product_missing.json")
        order = self._load("orders/picqer_order_created.json")
        idorder = next(self._ids)
        order.update(
            body, idorder=idorder, orderid=f"O2026-{idorder - 240349425}", status="concept", tags={}
        )
        self.orders[idorder] = order
        if self.timeouts_after_create:
            self.timeouts_after_create -= 1
            raise requests.exceptions.ReadTimeout("read timed out")
        return 201, self._view(order)

    def _get_orders(self, ids, params, body):
        found = [o for o in self.orders.values() if o["reference"] == params["reference"]]
        return 200, [self._view(o) for o in found]

    def _get_orders_id(self, ids, params, body):
        if ids[0] not in self.orders:
            return 404, NOT_FOUND
        return 200, self._view(self.orders[ids[0]])

    def _post_orders_id_process(self, ids, params, body):
        order = self.orders[ids[0]]
        if order["status"] != "concept":
            return 400, WRONG_STATUS
        order["status"] = "processing"
        picklist = {"idpicklist": 439 + len(self.orders), "idorder": ids[0], "status": "new"}
        order["picklists"] = [{**picklist, "picklistid": f"P2026-{picklist['idpicklist']}"}]
        return 200, self._view(order)

    def _post_orders_id_allocate(self, ids, params, body):
        self.orders[ids[0]]["allocated"] = True
        return 200, self._view(self.orders[ids[0]])

    def _delete_orders_id(self, ids, params, body):
        order = self.orders[ids[0]]
        if order["status"] not in ("concept", "expected") and params.get("force") != "true":
            return 400, WRONG_STATUS
        order["status"] = "cancelled"
        return 204, None

    def _post_orders_id_tags(self, ids, params, body):
        tag = next((t for t in self.tags if t["idtag"] == body["idtag"]), None) or {
            "idtag": body["idtag"],
            "title": f"Tag {body['idtag']}",
            "color": "#823882",
            "inherit": False,
            "textColor": "#ffffff",
        }
        self.orders[ids[0]]["tags"][tag["title"]] = tag
        return 201, list(self.orders[ids[0]]["tags"].values())

    def _get_orders_id_tags(self, ids, params, body):
        return 200, list(self.orders[ids[0]]["tags"].values())

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

    def _get_picklists_id_shipments(self, ids, params, body):
        return 200, [s for s in self.shipments if s["idpicklist"] == ids[0]]
