"""Picqer → PrestaShop with real processes: signed webhooks from the emulated Picqer reach
the middleware's web server, the inbox, and a real worker."""

import json
import threading
import urllib.request

import pytest
from django.utils import timezone

from sandbox.setup import SHIPPED
from sync.picqer.signatures import picqer_signature
from sync.services.hooks import hook_ensure
from sync.tasks.orders import orders_poll_task
from webhooks.models import WebhookEvent
from webhooks.processing import webhook_events_sweep

from .test_orders_e2e import _links_created, _picqer_orders
from .workers import WebProcess, wait_for

pytestmark = pytest.mark.e2e


def _ps_order(sandbox, id_order):
    return next(o for o in sandbox.state("ps.orders") if int(o["id"]) == int(id_order))


def _pushed_order(sandbox, shop):
    """Place an order in the shop and wait until it is processing in Picqer."""
    placed = sandbox.place_order([{"reference": shop.catalogue["references"][0], "quantity": 1}])
    orders_poll_task.delay(shop.pk)
    wait_for(_links_created(shop, 1), timeout=60, what="the order pushed")
    [order] = _picqer_orders(sandbox)
    return placed, order


def _histories(sandbox, id_order, state):
    return [
        h
        for h in sandbox.state("ps.order_histories")
        if int(h["id_order"]) == int(id_order) and int(h["id_order_state"]) == state
    ]


def _post(url: str, body: bytes, secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Picqer-Signature": picqer_signature(raw_body=body, secret=secret),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_a_shipped_order_gets_its_tracking_code_then_its_mapped_status(
    sandbox_server, sandbox_shop, worker
):
    hook_ensure(account=sandbox_shop.account, kind="orders")
    placed, order = _pushed_order(sandbox_server, sandbox_shop)

    sandbox_server.ship_order(order["idorder"], trackingcode="3STEST0001")

    wait_for(
        lambda: int(_ps_order(sandbox_server, placed["id"])["current_state"]) == SHIPPED,
        timeout=60,
        what="the shop order marked shipped",
    )
    carriers = [
        c
        for c in sandbox_server.state("ps.order_carriers")
        if int(c["id_order"]) == int(placed["id"])
    ]
    assert [c["tracking_number"] for c in carriers] == ["3STEST0001"]
    assert len(_histories(sandbox_server, placed["id"], SHIPPED)) == 1


def test_a_stock_change_in_picqer_changes_the_shop_quantity(sandbox_server, sandbox_shop, worker):
    hook_ensure(account=sandbox_shop.account, kind="stock")
    reference = sandbox_shop.catalogue["references"][-1]

    sandbox_server.set_stock(productcode=reference, amount=17)

    def shop_quantity():
        product = next(
            p for p in sandbox_server.state("ps.products") if p["reference"] == reference
        )
        return [
            int(s["quantity"])
            for s in sandbox_server.state("ps.stock_availables")
            if int(s["id_product"]) == int(product["id"]) and int(s["id_product_attribute"]) == 0
        ]

    wait_for(lambda: shop_quantity() == [17], timeout=60, what="the shop quantity at 17")


def test_the_same_status_webhook_five_times_moves_the_order_once(
    sandbox_server, sandbox_shop, worker, live_server
):
    placed, order = _pushed_order(sandbox_server, sandbox_shop)
    sandbox_server.ship_order(order["idorder"], trackingcode="3STEST0002")  # completed
    account = sandbox_shop.account
    payload = {
        "idhook": 1,
        "name": "PrestaPicqer orders",
        "event": "orders.status_changed",
        "event_triggered_at": "2026-11-26 10:00:00",
        "data": {
            "idorder": order["idorder"],
            "reference": order["reference"],
            "status": "completed",
        },
    }
    identical = json.dumps(payload).encode()

    # Five identical deliveries at once, then five re-deliveries that differ in their
    # timestamp (so the inbox's dedupe key cannot catch them; the status rule must).
    threads = [
        threading.Thread(
            target=_post, args=(account.webhook_url, identical, account.webhook_secret)
        )
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(5):
        payload["event_triggered_at"] = f"2026-11-26 10:00:0{n + 1}"
        assert (
            _post(account.webhook_url, json.dumps(payload).encode(), account.webhook_secret) == 200
        )

    wait_for(
        lambda: (
            WebhookEvent.objects.count() == 6
            and not WebhookEvent.objects.filter(state__in=["pending", "processing"]).exists()
        ),
        timeout=60,
        what="events processed",
    )
    assert int(_ps_order(sandbox_server, placed["id"])["current_state"]) == SHIPPED
    assert len(_histories(sandbox_server, placed["id"], SHIPPED)) == 1


def test_a_webhook_accepted_while_the_broker_is_down_takes_effect_once_it_is_back(
    sandbox_server, sandbox_shop, worker, tmp_path
):
    from .workers import free_port

    placed, order = _pushed_order(sandbox_server, sandbox_shop)
    sandbox_server.ship_order(order["idorder"], trackingcode="3STEST0003")
    # A web server whose broker is unreachable (nothing listens on port 9).
    web = WebProcess(
        tmp_path / "web.log", free_port(), env={"CELERY_BROKER_URL": "redis://127.0.0.1:9/0"}
    ).start()
    try:
        account = sandbox_shop.account
        body = json.dumps(
            {
                "idhook": 1,
                "event": "orders.status_changed",
                "event_triggered_at": "2026-11-26 11:00:00",
                "data": {"idorder": order["idorder"], "status": "completed"},
            }
        ).encode()
        url = f"{web.url}/webhooks/picqer/{account.webhook_key}/"
        assert _post(url, body, account.webhook_secret) == 200
    finally:
        web.stop()
    event = WebhookEvent.objects.get()
    assert event.state == "pending"
    assert int(_ps_order(sandbox_server, placed["id"])["current_state"]) != SHIPPED

    # The broker is back (this process's broker works); beat's sweeper publishes it.
    webhook_events_sweep(now=timezone.now() + timezone.timedelta(minutes=2))

    wait_for(
        lambda: int(_ps_order(sandbox_server, placed["id"])["current_state"]) == SHIPPED,
        timeout=60,
        what="the status applied after the broker came back",
    )
    assert len(_histories(sandbox_server, placed["id"], SHIPPED)) == 1
