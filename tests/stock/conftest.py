"""Fixtures for the Picqer → PrestaShop tests: the one fake per vendor (tests/fakes), Picqer's
records starting from tests/fixtures/stock."""

import pytest

from tests.fakes import picqer as picqer_fake
from tests.fakes.picqer import FakePicqer
from tests.fakes.prestashop import FakePrestaShop

PICQER = picqer_fake.BASE


@pytest.fixture
def ps(rsps):
    return FakePrestaShop(rsps, version="8.1.2")


@pytest.fixture
def ps17(rsps):
    return FakePrestaShop(rsps, version="1.7.8.11")


@pytest.fixture
def picqer(rsps):
    return FakePicqer(rsps, fixtures="stock")


@pytest.fixture
def picqer_orders(picqer):
    """Picqer's order 240350427 (and its picklist's shipments), which a test changes."""
    picqer.add_order()
    return picqer


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
