"""Stock of one product on Picqer's stock webhooks."""

from unittest import mock

import pytest
from celery.exceptions import Retry

from sync.http.errors import ApiRateLimitedError
from sync.mappers.stock import free_stock_total
from sync.models.stock import SyncRun
from sync.picqer.records import StockRow
from sync.services.stock import stock_product_changed, stock_sync_product
from sync.tasks.stock import stock_sync_product_task

from .conftest import seed_simple, seed_stock


def stock_writes(ps):
    return [w for w in ps.writes if w[1] == "stock_availables"]


def test_free_stock_is_summed_over_all_warehouses_when_none_are_chosen(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    assert stock_sync_product(shop=shop, idproduct=138) == "6531-RB-7-9: set to 42"
    assert stock_writes(ps) == [("PATCH", "stock_availables", {"id": "1", "quantity": "42"})]


def test_only_the_chosen_warehouses_count(shop, ps, picqer):
    shop.warehouse_ids = [19]
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    stock_sync_product(shop=shop, idproduct=138)
    assert ps.get("stock_availables", 1)["quantity"] == "7"


def test_negative_free_stock_becomes_zero(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, -5, 2)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    stock_sync_product(shop=shop, idproduct=138)
    assert ps.get("stock_availables", 1)["quantity"] == "0"
    assert free_stock_total([StockRow(idwarehouse=1, stock=0, freestock=-3)]) == 0


def test_a_combination_is_written_on_its_own_row_not_the_aggregate(shop, ps, picqer):
    picqer.add_product("TSHIRT-M", 140, 4)
    ps.add("products", {"id": 2, "reference": "TSHIRT", "active": 1, "type": "combinations"})
    ps.add("combinations", {"id": 7, "id_product": 2, "reference": "TSHIRT-M"})
    ps.add("combinations", {"id": 8, "id_product": 2, "reference": "TSHIRT-L"})
    seed_stock(ps, 20, 2, 0, 9)
    seed_stock(ps, 21, 2, 7, 5)
    seed_stock(ps, 22, 2, 8, 4)
    assert stock_sync_product(shop=shop, idproduct=140) == "TSHIRT-M: set to 4"
    assert [w[2]["id"] for w in stock_writes(ps)] == ["21"]


def test_the_parent_of_combinations_is_never_written(shop, ps, picqer):
    picqer.add_product("TSHIRT", 141, 4)
    ps.add("products", {"id": 2, "reference": "TSHIRT", "active": 1, "type": "combinations"})
    ps.add("combinations", {"id": 7, "id_product": 2, "reference": "TSHIRT-M"})
    seed_stock(ps, 20, 2, 0, 9)
    seed_stock(ps, 21, 2, 7, 5)
    assert stock_sync_product(shop=shop, idproduct=141).startswith("ignored: reference TSHIRT")
    assert stock_writes(ps) == []


def test_equal_stock_is_not_written(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps, 1, "6531-RB-7-9", 42)
    assert stock_sync_product(shop=shop, idproduct=138) == "6531-RB-7-9: already 42"
    assert stock_writes(ps) == []


def test_prestashop_17_gets_get_and_full_put_keeping_other_fields(shop, ps17, picqer):
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps17, 1, "6531-RB-7-9", 10)
    stock_sync_product(shop=shop, idproduct=138)
    method, _, sent = stock_writes(ps17)[0]
    assert method == "PUT"
    assert sent["quantity"] == "42"
    assert (sent["id_shop"], sent["out_of_stock"], sent["location"]) == ("1", "2", "A-01-03")
    assert ps17.get("stock_availables", 1)["location"] == "A-01-03"


def test_product_missing_in_prestashop_is_ignored_with_a_reason(shop, ps, picqer):
    picqer.add_product("6531-RB-7-9", 138, 35)
    seed_simple(ps, 1, "6531-rb-7-9", 10)  # PrestaShop's filter ignores case; we do not
    result = stock_sync_product(shop=shop, idproduct=138)
    assert result == "ignored: reference 6531-RB-7-9 not found in PrestaShop"
    assert stock_writes(ps) == []


@pytest.mark.parametrize(
    "reference",
    [
        "KIT[2]",
        "[BOX]",
        "SKU]9",
        "A|B",
        "12,5",
        "50%",
        "50% OFF",
        "RED SHIRT L",
        "Größe-42 ü",
        "[]|",
        " lead",
    ],
)
def test_references_with_filter_characters_reach_their_stock_row(shop, ps, picqer, reference):
    # The fake shop reads filter values as PrestaShop does: `[A[1]]` adds no condition,
    # `[A|B]` is an OR, `[12,5]` a BETWEEN, and `=` ignores case and trailing spaces.
    picqer.add_product(reference, 138, 35)
    seed_simple(ps, 1, reference.upper() + " ", 10)  # what MySQL's `=` would also return
    seed_simple(ps, 2, reference, 10)
    seed_simple(ps, 3, "X" + reference, 10)
    assert stock_sync_product(shop=shop, idproduct=138) == f"{reference}: set to 35"
    assert stock_writes(ps) == [("PATCH", "stock_availables", {"id": "2", "quantity": "35"})]


def test_unknown_picqer_product_is_ignored(shop, ps, picqer):
    assert stock_sync_product(shop=shop, idproduct=999) == "ignored: Picqer product 999 not found"


def test_multistore_writes_only_this_shops_row(shop, ps, picqer, rsps):
    shop.prestashop_shop_id = 2
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps, 1, "6531-RB-7-9", 10, stock_id=1, id_shop=1)
    seed_stock(ps, 2, 1, 0, 10, id_shop=2)
    stock_sync_product(shop=shop, idproduct=138)
    assert [w[2]["id"] for w in stock_writes(ps)] == ["2"]
    ps_calls = [c for c in rsps.calls if "shop.example.com" in c.request.url]
    assert all("id_shop=2" in c.request.url for c in ps_calls)


def test_ten_webhooks_in_a_burst_schedule_one_update(shop, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(stock_sync_product_task, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        results = [stock_product_changed(account=shop.account, idproduct=138) for _ in range(10)]
    apply_async.assert_called_once_with((shop.pk, 138), {}, countdown=5)
    assert results[1] == "DEV: update already pending"


def test_a_broker_failure_is_retryable_and_does_not_swallow_the_next_change(
    shop, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from sync.http.errors import BrokerUnavailableError

    with (
        mock.patch.object(
            stock_sync_product_task, "apply_async", side_effect=OperationalError("Error 111")
        ),
        pytest.raises(BrokerUnavailableError) as raised,
        django_capture_on_commit_callbacks(execute=True),
    ):
        stock_product_changed(account=shop.account, idproduct=138)
    assert raised.value.retryable  # the webhook inbox retries the event with backoff

    with (
        mock.patch.object(stock_sync_product_task, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert (
            stock_product_changed(account=shop.account, idproduct=138) == "DEV: update in 5 s"
        )  # the marker of the failed publish is gone
    apply_async.assert_called_once_with((shop.pk, 138), {}, countdown=5)


def test_the_task_releases_the_burst_before_reading_picqer(
    shop, ps, picqer, django_capture_on_commit_callbacks
):
    picqer.add_product("6531-RB-7-9", 138, 3)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    with (
        mock.patch.object(stock_sync_product_task, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        stock_product_changed(account=shop.account, idproduct=138)
        assert stock_sync_product_task.apply(args=(shop.pk, 138)).get() == "6531-RB-7-9: set to 3"
        stock_product_changed(account=shop.account, idproduct=138)
    assert apply_async.call_count == 2


def test_full_sync_on_webhook_queues_one_run(shop, django_capture_on_commit_callbacks):
    shop.full_sync_on_webhook = True
    shop.save()
    with mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async"):
        for _ in range(3):
            stock_product_changed(account=shop.account, idproduct=138)
    assert SyncRun.objects.filter(shop=shop, state=SyncRun.State.QUEUED).count() == 1


def test_no_stock_shop_means_ignored(shop):
    shop.stock_enabled = False
    shop.save()
    assert stock_product_changed(account=shop.account, idproduct=138).startswith("ignored:")


def test_rate_limit_retries_after_the_asked_delay(shop, celery_retries):
    error = ApiRateLimitedError("slow down", retry_after=30, service="Picqer")
    with (
        mock.patch("sync.tasks.stock.stock_sync_product", side_effect=error),
        pytest.raises(Retry),
    ):
        stock_sync_product_task(shop.pk, 138)
    assert celery_retries[0] >= 30
