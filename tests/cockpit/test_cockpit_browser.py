"""The cockpit in a real headless Chromium against a live server: it renders for a logged-in
operator, lists a failed order with its reason, and draws a point per hour with orders.

Needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver) and
selenium (requirements-dev.txt); without them the tests skip and say so. Screenshots go to
a folder the test prints (tests/browser.py).
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sync.models import ActivityEntry, OrderLink, SyncRun
from tests.browser import log_in
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

PUSH_HOURS_AGO = (1, 5, 30)  # hours with pushed orders: three points on the chart


@pytest.fixture
def activity(shop):
    now = timezone.now()
    link = OrderLink.objects.create(
        shop=shop,
        ps_order_id=5,
        ps_reference="KHWLILZLL",
        state=OrderLink.State.FAILED,
        last_error="Picqer refused the order: Picqer: Invalid country code (HTTP 422)",
    )
    OrderLink.objects.filter(pk=link.pk).update(updated_at=now - timedelta(minutes=12))
    # Mid-hour, so the few minutes between one hour's entries never cross into the next hour.
    anchor = now.replace(minute=30, second=0, microsecond=0)
    for hours_ago in PUSH_HOURS_AGO:
        for n in range(hours_ago % 4 + 1):
            entry = ActivityEntry.objects.create(
                action="order_created", shop=shop, account=shop.account, message="Created"
            )
            ActivityEntry.objects.filter(pk=entry.pk).update(
                created_at=anchor - timedelta(hours=hours_ago, minutes=n)
            )
    WebhookEvent.objects.create(
        account=shop.account,
        event="orders.status_changed",
        dedupe_key="k1",
        object_ref="idorder=240350427",
        body=json.dumps({}).encode(),
        state=WebhookEvent.State.PENDING,
        attempts=2,
        available_at=now + timedelta(minutes=3),
        last_error="ApiServerError: Picqer: Internal Server Error (HTTP 500)",
    )
    SyncRun.objects.create(
        shop=shop,
        state=SyncRun.State.FAILED,
        finished_at=now,
        message="PrestaShop: no answer (timeout)",
    )
    return link


def test_the_cockpit_renders_with_the_failed_order_and_a_point_per_hour_with_orders(
    browser, live_server, operator, activity, screenshots
):
    from selenium.webdriver.common.by import By

    log_in(browser, live_server)
    assert browser.find_element(By.ID, "cockpit").is_displayed()

    panel = browser.find_element(By.ID, "problems")
    row = panel.find_element(By.CSS_SELECTOR, "tr.problem-order")
    assert "DEV #5 / KHWLILZLL" in row.text
    assert "Invalid country code (HTTP 422)" in row.text
    assert [b.text for b in row.find_elements(By.TAG_NAME, "button")] == ["Retry now"]
    panel.screenshot(str(screenshots / "problems-panel.png"))

    points = browser.find_elements(By.CSS_SELECTOR, "svg.cockpit-chart circle.orders-point")
    assert len(points) == len(PUSH_HOURS_AGO)
    assert all(point.is_displayed() for point in points)
    browser.save_screenshot(str(screenshots / "cockpit.png"))


def test_retry_now_in_the_browser_queues_the_order_again(
    browser, live_server, operator, activity, screenshots, monkeypatch
):
    from selenium.webdriver.common.by import By

    from sync.tasks import orders as tasks

    sent = []
    monkeypatch.setattr(tasks.order_sync_task, "apply_async", lambda a, k=None, **o: sent.append(a))
    log_in(browser, live_server)
    browser.find_element(By.CSS_SELECTOR, "#problems tr.problem-order button").click()

    assert "1 order queued again." in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    activity.refresh_from_db()
    assert activity.state == OrderLink.State.PENDING
    assert sent == [(activity.shop_id, 5)]
