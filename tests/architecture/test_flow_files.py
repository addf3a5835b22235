"""The two flows of docs/architecture.md stay short: each runs at most FLOW_FILES_MAX
project files of its own, besides the shared foundation every flow runs on (issue 10;
flowtrace.FOUNDATION). Run in-process against the sandbox emulator (a real HTTP server)
with Celery tasks executed eagerly, so one trace sees the whole flow from the task that
starts it to the last write. `-s` prints the files, the list the architecture doc shows."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver

import webhooks.tasks  # noqa: F401 - registers the inbox tasks, as the web process's warm-up does
from config.celery import app as celery_app
from sandbox.setup import SHIPPED, sandbox_configure
from sync.models import OrderLink
from sync.picqer.signatures import picqer_signature
from sync.services.orders import orders_poll
from sync.tasks.orders import orders_poll_task

from .flowtrace import FlowTrace

FLOW_FILES_MAX = 12

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager():
    """Tasks run where they are enqueued (after the commit, as in production)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def shop(sandbox_server, eager):
    shop = sandbox_configure(sandbox_url=sandbox_server.base_url)
    # Stock follows new orders in its own tasks (another flow, traced by the stock tests).
    shop.stock_enabled = False
    shop.save(update_fields=["stock_enabled"])
    shop.catalogue = sandbox_server.seed(products=3, seed=5)
    orders_poll(shop_id=shop.pk)  # places the cursor: orders before it are never sent
    return shop


def _pushed(sandbox_server, shop) -> OrderLink:
    sandbox_server.place_order([{"reference": shop.catalogue["references"][0], "quantity": 1}])
    orders_poll_task.delay(shop.pk)
    return OrderLink.objects.get(shop=shop, state=OrderLink.State.CREATED)


def _report(name: str, trace: FlowTrace) -> None:
    print(f"\n{name}: {len(trace.files)} project files, {len(trace.own_files)} its own")
    for path in trace.files:
        print(f"  {path}{'' if path in trace.own_files else '  (foundation)'}")


def test_a_status_change_in_prestashop_reaches_picqer_through_few_files(sandbox_server, shop):
    sandbox_server.place_order([{"reference": shop.catalogue["references"][0], "quantity": 1}])
    with FlowTrace() as trace:
        orders_poll_task.delay(shop.pk)

    link = OrderLink.objects.get(shop=shop)
    assert link.state == OrderLink.State.CREATED, link.last_error
    assert [o["reference"] for o in sandbox_server.state("picqer.orders")] == [
        link.picqer_reference
    ]
    _report("PrestaShop status change -> Picqer order", trace)
    assert len(trace.own_files) <= FLOW_FILES_MAX, trace.own_files


def test_a_picqer_webhook_reaches_the_shop_status_and_tracking_through_few_files(
    sandbox_server, shop
):
    link = _pushed(sandbox_server, shop)
    sandbox_server.ship_order(link.picqer_idorder, trackingcode="3SFLOW0001")
    account = shop.account
    body = json.dumps(
        {
            "idhook": 1,
            "name": "PrestaPicqer orders",
            "event": "orders.status_changed",
            "event_triggered_at": "2026-12-01 10:00:00",
            "data": {
                "idorder": link.picqer_idorder,
                "reference": link.picqer_reference,
                "status": "completed",
            },
        }
    ).encode()
    signature = picqer_signature(raw_body=body, secret=account.webhook_secret)
    path = urlsplit(account.webhook_url).path
    get_resolver().resolve(path)  # the URL map is built once per process, before any flow

    with FlowTrace() as trace:
        answer = Client().post(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_PICQER_SIGNATURE=signature,
        )

    assert answer.status_code == 200
    [order] = [o for o in sandbox_server.state("ps.orders") if int(o["id"]) == link.ps_order_id]
    assert int(order["current_state"]) == SHIPPED
    carriers = sandbox_server.state("ps.order_carriers")
    assert [c["tracking_number"] for c in carriers if int(c["id_order"]) == link.ps_order_id] == [
        "3SFLOW0001"
    ]
    _report("Picqer webhook -> PrestaShop status and tracking", trace)
    assert len(trace.own_files) <= FLOW_FILES_MAX, trace.own_files
