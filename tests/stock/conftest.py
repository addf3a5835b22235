"""Fixtures for the Picqer → PrestaShop tests: HTTP mocked with `responses`, a fake shop."""

import copy
import json
import re
from pathlib import Path

import pytest

from .fake_prestashop import FakePrestaShop

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stock"
PICQER = "https://example.picqer.com/api/v1/"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def ps(rsps):
    return FakePrestaShop(rsps)


@pytest.fixture
def ps17(rsps):
    return FakePrestaShop(rsps, version="1.7.8.11")


class PicqerOrders:
    """Picqer's order 240350427 whose status and shipments a test changes between calls."""

    def __init__(self, rsps):
        self.order = load("picqer_order.json")
        self.shipments = load("picqer_shipments.json")
        rsps.add_callback(
            "GET", f"{PICQER}orders/240350427", callback=lambda r: (200, {}, json.dumps(self.order))
        )
        rsps.add_callback(
            "GET",
            re.compile(rf"{re.escape(PICQER)}picklists/\d+/shipments"),
            callback=self._shipments,
        )

    def _shipments(self, request):
        idpicklist = int(request.url.rsplit("/", 2)[-2])
        return 200, {}, json.dumps([s for s in self.shipments if s["idpicklist"] == idpicklist])

    def set(self, status: str) -> None:
        self.order["status"] = status

    def shipment(self, **changes) -> dict:
        shipment = copy.deepcopy(load("picqer_shipments.json")[0])
        shipment.update(changes)
        return shipment


@pytest.fixture
def picqer_orders(rsps):
    return PicqerOrders(rsps)


def seed_order(
    ps: FakePrestaShop,
    *,
    state: int = 3,
    carrier: str = "PostNL",
    tracking: str = "",
    id_order: int = 73,
    reference: str = "ITQRFWVHT",
    order_carrier_id: int = 2,
) -> None:
    """A PrestaShop order (73, ITQRFWVHT) with one order_carrier row and its carrier."""
    ps.add(
        "orders",
        {
            "id": id_order,
            "id_carrier": 2,
            "current_state": state,
            "reference": reference,
            "id_shop": 1,
            "module": "ps_wirepayment",
            "total_paid": "64.460000",
            "valid": 1,
        },
    )
    ps.add(
        "carriers",
        {
            "id": 2,
            "deleted": 0,
            "is_module": 0,
            "id_reference": 2,
            "name": carrier,
            "url": "https://postnl.nl/tracktrace/?B=@",
            "active": 1,
        },
    )
    ps.add(
        "order_carriers",
        {
            "id": order_carrier_id,
            "id_order": id_order,
            "id_carrier": 2,
            "id_order_invoice": 2,
            "weight": "0.000000",
            "shipping_cost_tax_excl": "2.000000",
            "shipping_cost_tax_incl": "2.000000",
            "tracking_number": tracking,
            "date_add": "2026-01-13 09:40:18",
        },
    )


@pytest.fixture
def link(shop):
    """The link the push wrote when it created Picqer order 240350427 for PrestaShop order 73:
    Picqer → PrestaShop changes reach only orders linked like this."""
    from sync.models import OrderLink

    return OrderLink.objects.create(
        shop=shop,
        ps_order_id=73,
        ps_reference="ITQRFWVHT",
        state=OrderLink.State.CREATED,
        picqer_idorder=240350427,
        picqer_orderid="O2026-1002",
        picqer_status="concept",
        attempts=1,
    )


class PicqerProducts:
    """Picqer's products (GET /products paged by offset, GET /products/{id})."""

    def __init__(self, rsps):
        self.products: list[dict] = []
        rsps.add_callback(
            "GET", re.compile(rf"{re.escape(PICQER)}products/\d+$"), callback=self._one
        )
        rsps.add_callback(
            "GET", re.compile(rf"{re.escape(PICQER)}products(\?.*)?$"), callback=self._page
        )

    def add(self, idproduct: int, productcode: str, *freestock: int, **changes) -> dict:
        product = copy.deepcopy(load("picqer_product.json"))
        stock_rows = product["stock"]
        product.update(idproduct=idproduct, productcode=productcode, **changes)
        product["stock"] = [
            {**stock_rows[i % 2], "idwarehouse": 18 + i, "freestock": free, "stock": max(free, 0)}
            for i, free in enumerate(freestock)
        ]
        self.products.append(product)
        return product

    def _one(self, request):
        idproduct = int(request.url.rsplit("/", 1)[-1])
        for product in self.products:
            if product["idproduct"] == idproduct:
                return 200, {}, json.dumps(product)
        return (
            404,
            {},
            json.dumps({"error": True, "error_code": 20, "error_message": "Item not found"}),
        )

    def _page(self, request):
        from urllib.parse import parse_qs, urlsplit

        offset = int(parse_qs(urlsplit(request.url).query).get("offset", ["0"])[0])
        return 200, {}, json.dumps(self.products[offset : offset + 100])


@pytest.fixture
def picqer_products(rsps):
    return PicqerProducts(rsps)


def seed_simple(
    ps, id_product: int, reference: str, quantity: int, *, stock_id=None, id_shop: int = 1
) -> None:
    """A product without combinations and its stock row (PrestaShop 1.7.5+ fields)."""
    ps.add(
        "products",
        {"id": id_product, "reference": reference, "active": 1, "ean13": "", "type": "simple"},
    )
    seed_stock(ps, stock_id or id_product, id_product, 0, quantity, id_shop=id_shop)


def seed_stock(
    ps, id_: int, id_product: int, id_attribute: int, quantity: int, *, id_shop: int = 1
) -> None:
    ps.add(
        "stock_availables",
        {
            "id": id_,
            "id_product": id_product,
            "id_product_attribute": id_attribute,
            "id_shop": id_shop,
            "id_shop_group": 0,
            "quantity": quantity,
            "depends_on_stock": 0,
            "out_of_stock": 2,
            "location": "A-01-03",
        },
    )
