"""The cockpit page (the admin index) with the Django test client."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prestapicqer.models import Shop
from sync.models import ActivityEntry, OrderLink, SyncRun
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def index(admin_client) -> str:
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_cockpit_shows_each_shop_with_its_figures_and_chart(admin_client, shop, pushed):
    page = index(admin_client)
    assert f'id="shop-{shop.pk}"' in page
    assert "Dev shop (DEV)" in page
    assert page.count('class="orders-point"') == 2
    assert "<svg" in page and "&lt;svg" not in page  # the chart is markup, not text


def test_the_problems_panel_lists_a_failed_order_with_its_reason(admin_client, failed_order):
    page = index(admin_client)
    panel = page[page.index('id="problems"') : page.index('class="shop-panels"')]
    assert "DEV #5 / KHWLILZLL" in panel
    assert "Gave up after retries: Picqer: Internal Server Error (HTTP 500)" in panel
    assert reverse("admin:sync_orderlink_change", args=[failed_order.pk]) in panel


def test_retry_now_posts_to_the_existing_push_again_action(
    admin_client, failed_order, enqueued, shop, django_capture_on_commit_callbacks
):
    page = index(admin_client)
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(form.group(1), fields, follow=True)
    failed_order.refresh_from_db()
    assert failed_order.state == OrderLink.State.PENDING
    assert enqueued == [("order_sync_task", (shop.pk, 5))]


def test_give_up_marks_an_unheld_waiting_order_failed_and_skips_a_held_one(admin_client, shop):
    now = timezone.now()
    waiting = OrderLink.objects.create(shop=shop, ps_order_id=20, state=OrderLink.State.PENDING)
    held = OrderLink.objects.create(
        shop=shop,
        ps_order_id=21,
        state=OrderLink.State.PUSHING,
        claimed_until=now + timedelta(minutes=5),
    )
    admin_client.post(
        reverse("admin:sync_orderlink_changelist"),
        {"action": "give_up", "_selected_action": [waiting.pk, held.pk]},
    )
    waiting.refresh_from_db()
    held.refresh_from_db()
    assert (waiting.state, waiting.last_error) == (
        OrderLink.State.FAILED,
        "The operator gave up on this order.",
    )
    assert held.state == OrderLink.State.PUSHING
    assert ActivityEntry.objects.filter(action="order_failed", ps_order_id=20).exists()


def test_the_cockpit_stays_within_a_fixed_number_of_queries_with_100k_activity_rows(
    admin_client, shop, django_assert_max_num_queries
):
    second = Shop.objects.create(
        account=shop.account,
        name="Second",
        prefix="TWO",
        prestashop_url="https://two.example.com",
        webservice_key="k" * 32,
    )
    now = timezone.now()
    setup = time.perf_counter()
    # One executemany: bulk_create builds 100k model instances first (20 s on a busy CI).
    stamp = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO sync_activityentry (created_at, level, action, message, shop_id,"
            " ps_order_id, ps_reference, picqer_orderid, product_reference, details)"
            " VALUES (%s, 'info', %s, 'x', %s, %s, '', '', '', '{}')",
            [
                (
                    stamp(now - timedelta(minutes=i % 10000)),
                    "stock_updated" if i % 3 == 0 else "order_created",
                    (shop.pk, second.pk)[i % 2],
                    i,
                )
                for i in range(100_000)
            ],
        )
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                account=shop.account,
                event="orders.status_changed",
                dedupe_key=f"k{i}",
                body=json.dumps({}).encode(),
                received_at=now - timedelta(minutes=i % 1440),
                state=WebhookEvent.State.DONE,
                processed_at=now,
            )
            for i in range(5000)
        ],
        batch_size=1000,
    )
    for link_shop in (shop, second):
        OrderLink.objects.create(shop=link_shop, ps_order_id=1, state=OrderLink.State.FAILED)
        SyncRun.objects.create(shop=link_shop, state=SyncRun.State.DONE, finished_at=now)
    print(f"setup {time.perf_counter() - setup:.1f} s")

    started = time.perf_counter()
    with django_assert_max_num_queries(40) as captured:
        page = index(admin_client)
    assert "Second (TWO)" in page
    print(
        f"cockpit with 100k activity rows: {len(captured)} queries, "
        f"{time.perf_counter() - started:.2f} s"
    )
