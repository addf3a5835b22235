"""The full catalogue stock sync: counts, only-differences writes, one run per shop."""

import math
from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sync.http.errors import ApiTransportError
from sync.models import ActivityEntry
from sync.models.stock import SyncRun
from sync.services.stock import (
    stock_sync_claim,
    stock_sync_fail_stale,
    stock_sync_full,
    stock_sync_request,
    stock_sync_retry_wait,
    stock_sync_start,
    stock_sync_sweep,
)
from sync.tasks.stock import stock_sync_full_task

from .conftest import PICQER, seed_simple, seed_stock


@pytest.fixture
def catalogue(ps, picqer):
    """Picqer: A=5, B=7, C=0 (-2), D=3 (not in the shop), TSHIRT-M=4, TSHIRT-L=1.
    PrestaShop: A=5 (same), B=1, C=4, X (not in Picqer), T-shirt with M=4 (same), L=9."""
    for idproduct, code, free in [
        (1, "A", 5),
        (2, "B", 7),
        (3, "C", -2),
        (4, "D", 3),
        (5, "TSHIRT-M", 4),
        (6, "TSHIRT-L", 1),
    ]:
        picqer.add_product(code, idproduct, free)
    picqer.add_product("SERVICE", 7, 0, type="unlimited_stock")
    seed_simple(ps, 1, "A", 5)
    seed_simple(ps, 2, "B", 1)
    seed_simple(ps, 3, "C", 4)
    seed_simple(ps, 4, "X", 8)
    ps.add("products", {"id": 5, "reference": "TSHIRT", "active": 1, "type": "combinations"})
    ps.add("combinations", {"id": 10, "id_product": 5, "reference": "TSHIRT-M"})
    ps.add("combinations", {"id": 11, "id_product": 5, "reference": "TSHIRT-L"})
    seed_stock(ps, 5, 5, 0, 13)
    seed_stock(ps, 6, 5, 10, 4)
    seed_stock(ps, 7, 5, 11, 9)
    return ps


def run_for(shop):
    return stock_sync_start(shop=shop, trigger="test")


def test_counts_and_only_differing_rows_written(shop, catalogue):
    run = stock_sync_full(shop=shop, run=run_for(shop))
    written = {w[2]["id"]: w[2]["quantity"] for w in catalogue.writes}
    assert written == {"2": "7", "3": "0", "7": "1"}
    run.refresh_from_db()
    assert (
        run.state,
        run.checked,
        run.changed,
        run.missing_in_prestashop,
        run.missing_in_picqer,
        run.errors,
    ) == ("done", 5, 3, 1, 1, 0)
    assert run.finished_at is not None


def test_a_second_run_writes_nothing(shop, catalogue):
    stock_sync_full(shop=shop, run=run_for(shop))
    catalogue.writes.clear()
    run = stock_sync_full(shop=shop, run=run_for(shop))
    assert catalogue.writes == [] and run.changed == 0 and run.checked == 5


def test_a_refused_row_is_counted_and_the_run_goes_on(shop, catalogue):
    catalogue.refuse[("stock_availables", 2)] = (
        "133",
        "You cannot update the available stock when it depends on stock.",
    )
    run = stock_sync_full(shop=shop, run=run_for(shop))
    assert (run.errors, run.changed, run.state) == (1, 2, "done")


def test_picqer_calls_stay_within_one_per_hundred_products(shop, ps, picqer, rsps):
    for i in range(250):
        picqer.add_product(f"SKU-{i}", 1000 + i, i % 4)
    seed_simple(ps, 1, "SKU-1", 0)
    stock_sync_full(shop=shop, run=run_for(shop))
    picqer_calls = [c for c in rsps.calls if c.request.url.startswith(PICQER)]
    assert len(picqer_calls) <= math.ceil(250 / 100) + 5


def test_warehouse_stock_is_the_fallback_when_products_carry_no_stock(shop, ps, picqer, rsps):
    shop.warehouse_ids = [18]
    product = picqer.add_product("A", 1, 99)
    del product["stock"]
    rsps.add(
        "GET",
        f"{PICQER}warehouses/18/stock",
        json=[
            {
                "idproduct": 1,
                "productcode": "A",
                "stock": {"idwarehouse": 18, "stock": 6, "reserved": 0, "freestock": 6},
            }
        ],
    )
    seed_simple(ps, 1, "A", 0)
    stock_sync_full(shop=shop, run=run_for(shop))
    assert ps.get("stock_availables", 1)["quantity"] == "6"


def test_requests_share_one_queued_run(shop):
    with mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async"):
        first = stock_sync_request(shop=shop, trigger="url")
        second = stock_sync_request(shop=shop, trigger="cron")
    assert first.pk == second.pk
    assert SyncRun.objects.filter(shop=shop).count() == 1


def test_requests_during_a_run_publish_no_task_each(shop, django_capture_on_commit_callbacks):
    SyncRun.objects.create(shop=shop, state=SyncRun.State.RUNNING, started_at=timezone.now())
    with (
        mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        runs = [stock_sync_request(shop=shop, trigger="webhook") for _ in range(5)]

    assert len({run.pk for run in runs}) == 1
    delay.assert_called_once_with((runs[0].pk,), {})  # the running one starts it when it ends


def test_the_database_allows_one_running_run_per_shop(shop):
    SyncRun.objects.create(shop=shop, state=SyncRun.State.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(shop=shop, state=SyncRun.State.RUNNING)
    assert stock_sync_start(shop=shop, trigger="command") is None


def test_a_queued_run_waits_while_another_runs(shop):
    SyncRun.objects.create(shop=shop, state=SyncRun.State.RUNNING, started_at=timezone.now())
    queued = SyncRun.objects.create(shop=shop)
    assert stock_sync_claim(run_id=queued.pk) is None
    queued.refresh_from_db()
    assert queued.state == SyncRun.State.QUEUED


def _running(shop, *, beat_ago: timedelta) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        shop=shop,
        state=SyncRun.State.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - beat_ago,
    )


def test_a_run_whose_worker_stopped_beating_is_failed_within_minutes(shop, settings):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    dead = _running(shop, beat_ago=timedelta(minutes=4))
    assert stock_sync_start(shop=shop, trigger="command") is not None
    dead.refresh_from_db()
    last_beat = timezone.localtime(timezone.now() - timedelta(minutes=4))
    assert dead.state == SyncRun.State.FAILED
    assert dead.message.startswith("the worker running it stopped (no progress since ")
    assert dead.message[-9:-1] in {
        f"{last_beat:%H:%M:%S}",
        f"{last_beat - timedelta(seconds=1):%H:%M:%S}",
    }
    entry = ActivityEntry.objects.get(action="stock_sync_failed")
    assert entry.level == "error" and f"Full stock sync {dead.pk} failed" in entry.message


def test_a_run_that_beats_is_left_running(shop, settings):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    alive = _running(shop, beat_ago=timedelta(minutes=2))  # started an hour ago
    assert stock_sync_fail_stale() == 0
    alive.refresh_from_db()
    assert alive.state == SyncRun.State.RUNNING


def test_a_run_waiting_for_its_retry_is_not_stale(shop, settings):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    waiting = _running(shop, beat_ago=timedelta(minutes=4))
    stock_sync_retry_wait(
        run=waiting,
        exc=ApiTransportError("could not connect"),
        countdown=600,
        attempt=1,
        max_attempts=9,
    )
    assert stock_sync_fail_stale() == 0
    waiting.refresh_from_db()
    assert waiting.state == SyncRun.State.RUNNING


def test_the_sweeper_fails_a_dead_run_and_starts_the_one_queued_behind_it(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    dead = _running(shop, beat_ago=timedelta(minutes=1))
    with mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async"):
        queued = stock_sync_request(shop=shop, trigger="webhook")  # waits for the running one
    # Its worker dies and beats no more.
    SyncRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=4))
    with (
        mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert stock_sync_sweep() == {"failed_stale": 1, "republished": 0}
    dead.refresh_from_db()
    assert dead.state == SyncRun.State.FAILED
    delay.assert_called_once_with((queued.pk,), {})


def test_the_next_request_after_a_dead_run_starts_a_new_one(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    _running(shop, beat_ago=timedelta(minutes=4))
    with (
        mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = stock_sync_request(shop=shop, trigger="url")
    delay.assert_called_with((run.pk,), {})
    assert not SyncRun.objects.filter(state=SyncRun.State.RUNNING).exists()


def test_the_sweeper_publishes_a_queued_run_whose_message_was_lost(shop):
    lost = SyncRun.objects.create(shop=shop)
    SyncRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async") as delay:
        assert stock_sync_sweep() == {"failed_stale": 0, "republished": 1}
    delay.assert_called_once_with((lost.pk,), {})


def test_a_retry_of_the_task_records_when_it_is_due(shop, rsps, settings, celery_retries):
    settings.STOCK_SYNC_STALE_SECONDS = 180
    rsps.add("GET", f"{PICQER}products", status=503, body="busy")
    with mock.patch.object(stock_sync_full_task, "apply_async"):
        run = stock_sync_request(shop=shop, trigger="url")
    before = timezone.now()
    stock_sync_full_task.apply(args=(run.pk,), retries=6)  # Celery draws up to 600 s
    run.refresh_from_db()
    assert run.state == SyncRun.State.RUNNING
    # No sign of life is expected before the retry: the stale check waits for it.
    (countdown,) = celery_retries
    assert run.heartbeat_at == run.next_attempt_at
    assert run.heartbeat_at >= before + timedelta(seconds=countdown)


def test_the_task_runs_a_queued_run_and_starts_the_next(
    shop, catalogue, django_capture_on_commit_callbacks
):
    following = []

    def request_during_the_run(*, shop, run):  # a cron call arriving mid-run
        following.append(stock_sync_request(shop=shop, trigger="cron"))
        return stock_sync_full(shop=shop, run=run)

    with (
        mock.patch.object(stock_sync_full_task, "apply_async") as delay,
        mock.patch("sync.tasks.stock.stock_sync_full", side_effect=request_during_the_run),
    ):
        run = stock_sync_request(shop=shop, trigger="url")
        with django_capture_on_commit_callbacks(execute=True):
            stock_sync_full_task.apply(args=(run.pk,))
    run.refresh_from_db()
    assert run.state == SyncRun.State.DONE
    assert following[0].pk != run.pk and following[0].state == SyncRun.State.QUEUED
    assert delay.call_args_list[-1] == mock.call((following[0].pk,), {})


def test_the_task_fails_the_run_on_a_permission_error(shop, rsps):
    rsps.add(
        "GET",
        f"{PICQER}products",
        status=401,
        json={"error": True, "error_code": 1, "error_message": "Unauthorized"},
    )
    with mock.patch.object(stock_sync_full_task, "apply_async"):
        run = stock_sync_request(shop=shop, trigger="url")
    stock_sync_full_task.apply(args=(run.pk,))
    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED and "Unauthorized" in run.message


def test_more_differing_rows_than_writes_in_flight_are_all_written_and_counted(shop, ps, picqer):
    from sync.services.stock.writes import MAX_IN_FLIGHT

    count = MAX_IN_FLIGHT * 2 + 3
    for i in range(1, count + 1):
        picqer.add_product(f"SKU-{i}", i, 7)
        seed_simple(ps, i, f"SKU-{i}", 0)
    run = stock_sync_full(shop=shop, run=run_for(shop))
    assert (run.checked, run.changed, run.errors) == (count, count, 0)
    assert {w[2]["quantity"] for w in ps.writes} == {"7"} and len(ps.writes) == count


def test_a_retryable_write_error_is_raised_so_the_task_retries_the_run(shop, catalogue):
    from sync.http.errors import ApiServerError

    catalogue.refuse[("stock_availables", 3)] = ("2", "[PHP Warning #2] database gone")
    run = run_for(shop)
    with pytest.raises(ApiServerError):
        stock_sync_full(shop=shop, run=run)
    run.refresh_from_db()
    assert run.state == SyncRun.State.RUNNING  # left for the retry, not closed as done


def test_a_crashing_run_is_closed_so_the_next_one_can_start(shop):
    with mock.patch.object(stock_sync_full_task, "apply_async"):
        run = stock_sync_request(shop=shop, trigger="url")
    with mock.patch("sync.tasks.stock.stock_sync_full", side_effect=KeyError("idproduct")):
        result = stock_sync_full_task.apply(args=(run.pk,))

    assert isinstance(result.result, KeyError)  # the crash is still reported
    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED
    assert "crashed: KeyError" in run.message


def test_the_full_sync_fills_the_product_index_from_its_pages(shop, catalogue, rsps):
    from sync.models.products import ProductIndex, ProductIndexEntry

    stock_sync_full(shop=shop, run=run_for(shop))

    index = dict(
        ProductIndexEntry.objects.filter(account=shop.account).values_list(
            "productcode", "idproduct"
        )
    )
    assert index == {"A": 1, "B": 2, "C": 3, "D": 4, "TSHIRT-M": 5, "TSHIRT-L": 6, "SERVICE": 7}
    assert ProductIndex.objects.get(account=shop.account).filled_at is not None
    product_calls = [c for c in rsps.calls if c.request.url.startswith(PICQER + "products")]
    assert len(product_calls) == 1  # the one page the sync reads anyway


def test_queueing_writes_never_waits_for_the_shop_so_picqer_pages_keep_coming():
    """The page loop submits; a slow shop must not hold it up (writes wait in a list)."""
    import threading

    from sync.services.stock.writes import MAX_IN_FLIGHT, StockWriter

    release, written, results = threading.Event(), [], []

    class SlowShop:
        def stock_available_set_quantity(self, row_id, quantity):
            release.wait()
            written.append(row_id)

    rows = MAX_IN_FLIGHT * 3
    with StockWriter(SlowShop(), on_result=lambda ref, err: results.append((ref, err))) as writer:
        submitting = threading.Thread(
            target=lambda: [writer.submit(f"SKU-{i}", i, 1) for i in range(rows)], daemon=True
        )
        submitting.start()
        submitting.join(timeout=30)  # a deadlock guard, not a timing measure
        queued_while_blocked = not submitting.is_alive()
        release.set()
        submitting.join()
        writer.finish()
    assert queued_while_blocked
    assert sorted(written) == list(range(rows))
    assert len(results) == rows and all(err is None for _, err in results)


def test_the_full_sync_writes_with_the_shops_parallel_setting(shop, catalogue, monkeypatch):
    from sync.services.stock import reconcile
    from sync.services.stock.writes import StockWriter

    pools = []

    class CountingWriter(StockWriter):
        def __init__(self, prestashop, *, on_result, workers):
            pools.append(workers)
            super().__init__(prestashop, on_result=on_result, workers=workers)

    monkeypatch.setattr(reconcile, "StockWriter", CountingWriter)
    shop.stock_write_parallel = 2
    shop.save()

    run = stock_sync_full(shop=shop, run=run_for(shop))

    assert pools == [2]
    assert run.changed == len(catalogue.writes) > 0 and run.errors == 0


def test_no_more_writes_are_in_flight_than_the_writer_has_workers():
    """Three workers: a barrier of three passes only when three writes run at once, and no
    fourth may ever join them."""
    import threading

    from sync.services.stock.writes import StockWriter

    together, lock, running, most = threading.Barrier(3, timeout=30), threading.Lock(), [0], [0]

    class CountingShop:
        def stock_available_set_quantity(self, row_id, quantity):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            together.wait()
            with lock:
                running[0] -= 1

    results = []
    with StockWriter(CountingShop(), on_result=lambda r, e: results.append(e), workers=3) as w:
        for i in range(30):
            w.submit(f"SKU-{i}", i, 1)
        w.finish()
    assert most[0] == 3
    assert results == [None] * 30
