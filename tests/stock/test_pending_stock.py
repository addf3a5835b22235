"""Stock that does not oversell: every stock write is Picqer's free stock less the units of
orders PrestaShop has taken and Picqer does not count yet."""

from unittest import mock

import pytest

from prestapicqer.models import PicqerAccount, Shop
from sync.mappers.stock import quantity_sellable
from sync.models import CatalogueReport, PendingOrder, PendingOrderLine
from sync.prestashop.records import Order, OrderRow
from sync.services.stock import stock_pending_changed, stock_sync_full, stock_sync_product
from sync.services.stock.full import stock_sync_start
from sync.services.stock.pending import order_units, pending_units_by_reference
from sync.services.stock.report import catalogue_report_build
from sync.tasks.stock import stock_sync_product_task

from .conftest import seed_simple

pytestmark = pytest.mark.django_db
State = PendingOrder.State


def hold(shop, order_id: int, state: str = State.RESERVED, **units: int) -> PendingOrder:
    order = PendingOrder.objects.create(shop=shop, ps_order_id=order_id, state=state)
    for reference, n in units.items():
        PendingOrderLine.objects.create(order=order, reference=reference, units=n)
    return order


def other_shop(account, prefix: str, **fields) -> Shop:
    return Shop.objects.create(
        account=account,
        name=f"Shop {prefix}",
        prefix=prefix,
        prestashop_url=f"https://{prefix.lower()}.example.com",
        webservice_key="ZYXWVUTSRQPONMLKJIHGFEDCBA654321",
        **fields,
    )


@pytest.mark.parametrize(
    ("free", "pending", "written"), [(5, 2, 3), (5, 0, 5), (2, 5, 0), (0, 1, 0), (5, -1, 5)]
)
def test_the_sellable_quantity_is_free_less_pending_never_below_zero(free, pending, written):
    assert quantity_sellable(free=free, pending=pending) == written


def test_order_units_sum_the_rows_of_one_reference():
    order = Order(
        id=1,
        order_rows=(
            OrderRow(product_reference="A", product_quantity=2),
            OrderRow(product_reference="A", product_quantity=1),
            OrderRow(product_reference="", product_quantity=4),
            OrderRow(product_reference="B", product_quantity=0),
        ),
    )
    assert order_units(order) == {"A": 3}


def test_the_orders_of_every_enabled_shop_of_the_account_count(shop, account):
    second = other_shop(account, "TWO")
    switched_off = other_shop(account, "OFF", enabled=False)
    elsewhere = other_shop(
        PicqerAccount.objects.create(
            name="Other", subdomain="other", api_key="other-key-1234567890"
        ),
        "ELS",
    )
    hold(shop, 1, A=2)
    hold(second, 7, A=1, B=4)
    hold(switched_off, 8, A=10)
    hold(elsewhere, 9, A=10)
    hold(shop, 2, State.CANCELLED, A=3)
    hold(shop, 3, State.IN_PICQER, A=3)

    assert pending_units_by_reference(shop=shop) == {"A": 3, "B": 4}
    assert pending_units_by_reference(shop=second, references=["B"]) == {"B": 4}


def test_the_setting_off_writes_free_stock(shop):
    hold(shop, 1, A=2)
    shop.stock_reserve_pending_orders = False
    assert pending_units_by_reference(shop=shop) == {}


def test_the_per_product_update_holds_back_the_pending_units(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, 5)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    hold(shop, 73, **{"6531-RB-7-9": 2})

    result = stock_sync_product(shop=shop, idproduct=138)

    assert ps.get("stock_availables", 1)["quantity"] == "3"
    assert result == "6531-RB-7-9: set to 3 (5 free in Picqer − 2 in orders not in Picqer yet)"


def test_more_pending_than_free_writes_zero(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, 1)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    hold(shop, 73, **{"6531-RB-7-9": 2})
    stock_sync_product(shop=shop, idproduct=138)
    assert ps.get("stock_availables", 1)["quantity"] == "0"


def test_the_full_sync_holds_back_the_pending_units(shop, ps, picqer):
    picqer.add_product("A", 1, 5)
    picqer.add_product("B", 2, 7)
    seed_simple(ps, 1, "A", 5)
    seed_simple(ps, 2, "B", 7)
    hold(shop, 73, A=2)

    stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))

    assert {w[2]["id"]: w[2]["quantity"] for w in ps.writes} == {"1": "3"}


def test_a_change_during_the_full_sync_is_written_again_at_its_end(
    shop, ps, picqer, django_capture_on_commit_callbacks
):
    picqer.add_product("A", 1, 5)
    seed_simple(ps, 1, "A", 5)
    original = pending_units_by_reference
    reads = []

    def placed_meanwhile(**kwargs):
        if reads and not PendingOrder.objects.exists():
            hold(shop, 74, A=1)  # a bank-wire order arrives while the run reads Picqer
        reads.append(1)
        return original(**kwargs)

    with (
        mock.patch("sync.services.stock.reconcile.pending_units_by_reference", placed_meanwhile),
        mock.patch("sync.tasks.stock.stock_pending_changed_task.apply_async") as rewrite,
        django_capture_on_commit_callbacks(execute=True),
    ):
        stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))

    rewrite.assert_called_once_with((shop.account_id, ["A"]), {})


def test_the_match_report_shows_the_pending_units_and_what_would_be_written(shop, ps, picqer):
    picqer.add_product("A", 1, 5)
    seed_simple(ps, 1, "A", 5)
    hold(shop, 73, A=2)

    report = catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))

    row = report.rows.get(reference="A")
    assert (row.picqer_free_stock, row.pending_units, row.quantity_to_write) == (5, 2, 3)


def test_a_pending_change_schedules_the_update_in_each_shop_that_holds_back(
    shop, account, picqer, django_capture_on_commit_callbacks
):
    picqer.add_product("6531-RB-7-9", 138, 5)
    second = other_shop(account, "TWO")
    other_shop(account, "FRE", stock_reserve_pending_orders=False)
    with (
        mock.patch.object(stock_sync_product_task, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = stock_pending_changed(
            account_id=account.pk, references=["6531-RB-7-9", "NOT-IN-PICQER"]
        )

    assert sorted(c.args[0] for c in apply_async.call_args_list) == [
        (shop.pk, 138),
        (second.pk, 138),
    ]
    assert "DEV 6531-RB-7-9: update in 5 s" in result
