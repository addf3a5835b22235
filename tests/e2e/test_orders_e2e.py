"""PrestaShop → Picqer orders with real processes: the sandbox, real Celery workers.

Exactly once under pressure: two pollers at once, a worker killed mid-push, and a create
that times out after Picqer stored the order.
"""

import time

import pytest

from sync.models import ActivityEntry, OrderLink
from sync.tasks.orders import order_sync_task, orders_poll_task, orders_reconcile_shop_task

from .workers import wait_for

pytestmark = pytest.mark.e2e


def _links_created(shop, count):
    def check():
        links = list(OrderLink.objects.filter(shop=shop))
        done = [
            link
            for link in links
            if link.state == OrderLink.State.CREATED and link.picqer_status == "processing"
        ]
        return links if len(done) >= count else None

    return check


def _picqer_orders(sandbox, reference_prefix="DEV #"):
    return [
        o for o in sandbox.state("picqer.orders") if o["reference"].startswith(reference_prefix)
    ]


def test_an_order_placed_in_the_shop_appears_in_picqer(sandbox_server, sandbox_shop, worker):
    sandbox_shop.use_shop_price = True
    sandbox_shop.save()
    refs = sandbox_shop.catalogue["references"]
    placed = sandbox_server.place_order(
        [{"reference": refs[0], "quantity": 2}, {"reference": refs[-1], "quantity": 1}],
        message="Leave at the door",
    )

    orders_poll_task.delay(sandbox_shop.pk)

    wait_for(_links_created(sandbox_shop, 1), timeout=60, what="the order pushed")
    [order] = _picqer_orders(sandbox_server)
    assert order["reference"] == f"DEV #{placed['id']} / {placed['reference']}"
    assert order["status"] == "processing"
    lines = {p["productcode"]: p for p in order["products"]}
    assert {code: p["amount"] for code, p in lines.items()} == {refs[0]: 2, refs[-1]: 1}
    assert all(p["price"] > 0 for p in lines.values())
    assert order["customer_remarks"] == "Leave at the door"
    link = OrderLink.objects.get(shop=sandbox_shop)
    assert link.picqer_orderid == order["orderid"]


def test_two_pollers_at_once_create_each_order_once(sandbox_server, sandbox_shop, start_worker):
    refs = sandbox_shop.catalogue["references"]
    for n in range(5):
        sandbox_server.place_order([{"reference": refs[n % len(refs)], "quantity": 1}])
    start_worker()
    start_worker()

    for _ in range(4):
        orders_poll_task.delay(sandbox_shop.pk)

    wait_for(_links_created(sandbox_shop, 5), timeout=90, what="five orders pushed")
    references = [o["reference"] for o in _picqer_orders(sandbox_server)]
    assert len(references) == 5
    assert len(set(references)) == 5


def test_a_worker_killed_mid_push_leaves_exactly_one_picqer_order(
    sandbox_server, sandbox_shop, start_worker
):
    refs = sandbox_shop.catalogue["references"]
    placed = sandbox_server.place_order([{"reference": refs[1], "quantity": 1}])
    # Picqer answers slowly, so the create is in flight when the worker dies.
    sandbox_server.knobs(picqer_latency_ms=1500)
    victim = start_worker(ORDER_LEASE_SECONDS=3)

    orders_poll_task.delay(sandbox_shop.pk)
    wait_for(
        lambda: OrderLink.objects.filter(shop=sandbox_shop, state=OrderLink.State.PUSHING).exists(),
        timeout=60,
        interval=0.02,
        what="the push to start",
    )
    victim.kill()

    time.sleep(4)  # the emulator finishes the request; the dead worker's lease expires
    sandbox_server.knobs(picqer_latency_ms=0)
    start_worker(ORDER_LEASE_SECONDS=3)
    orders_reconcile_shop_task.delay(sandbox_shop.pk)  # what beat does every 10 minutes

    wait_for(_links_created(sandbox_shop, 1), timeout=60, what="the order recovered")
    orders = _picqer_orders(sandbox_server)
    assert [o["reference"] for o in orders] == [f"DEV #{placed['id']} / {placed['reference']}"]


def test_a_create_that_times_out_after_picqer_stored_it_is_adopted_not_repeated(
    sandbox_server, sandbox_shop, start_worker
):
    refs = sandbox_shop.catalogue["references"]
    placed = sandbox_server.place_order([{"reference": refs[2], "quantity": 1}])
    # POST /orders: the emulator waits 2.5 s (the client gives up after 1 s), then stores it.
    sandbox_server.knobs(fault_only="POST orders", picqer_timeout_next=1, timeout_seconds=2.5)
    start_worker(HTTP_READ_TIMEOUT=1)

    order_sync_task.delay(sandbox_shop.pk, placed["id"])
    orders_poll_task.delay(sandbox_shop.pk)

    wait_for(_links_created(sandbox_shop, 1), timeout=90, what="the order adopted")
    assert sandbox_server.knobs()["picqer_timeout_next"] == 0  # the timeout did happen
    orders = _picqer_orders(sandbox_server)
    assert len(orders) == 1
    link = OrderLink.objects.get(shop=sandbox_shop)
    assert link.attempts == 1  # one POST; the retry found the order by reference
    assert link.picqer_idorder == orders[0]["idorder"]


def test_a_push_picqer_answers_500_for_a_while_shows_why_and_when_then_succeeds_once(
    sandbox_server, sandbox_shop, worker
):
    refs = sandbox_shop.catalogue["references"]
    placed = sandbox_server.place_order([{"reference": refs[3], "quantity": 1}])
    # The first two creates get Picqer's 500; each is retried after the task's backoff.
    sandbox_server.knobs(fault_only="POST orders", picqer_fail_next=2)

    orders_poll_task.delay(sandbox_shop.pk)

    waiting = wait_for(
        lambda: OrderLink.objects.filter(shop=sandbox_shop, next_attempt_at__isnull=False).first(),
        timeout=60,
        what="the first retry recorded on the link",
    )
    assert waiting.state == OrderLink.State.PUSHING
    assert "HTTP 500" in waiting.last_error
    assert waiting.retries >= 1
    warning = ActivityEntry.objects.filter(action="order_retry").first()
    assert warning.level == "warning"
    assert f"DEV #{placed['id']} / {placed['reference']}" in warning.message
    assert "next try at" in warning.message

    wait_for(_links_created(sandbox_shop, 1), timeout=120, what="the order pushed after the fault")
    assert sandbox_server.knobs()["picqer_fail_next"] == 0
    orders = _picqer_orders(sandbox_server)
    assert [o["reference"] for o in orders] == [f"DEV #{placed['id']} / {placed['reference']}"]
    link = OrderLink.objects.get(shop=sandbox_shop)
    assert (link.last_error, link.next_attempt_at, link.retries) == ("", None, 0)
    assert ActivityEntry.objects.filter(action="order_retry").count() == 2  # one per retry
