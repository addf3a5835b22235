"""The cockpit in a real headless Chromium against a live server: it renders for a logged-in
operator, lists a failed order with its reason, and draws a point per hour with orders.

Needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver) and
selenium (requirements-dev.txt); without them the tests skip and say so. Screenshots go to
a temporary folder the test prints.
"""

import json
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from sync.models import ActivityEntry, OrderLink, SyncRun
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
)
PUSH_HOURS_AGO = (1, 5, 30)  # hours with pushed orders: three points on the chart


def _missing() -> str:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM or not CHROMEDRIVER:
        return "chromium/chromedriver not found: apt-get install -y chromium chromium-driver"
    return ""


@pytest.fixture
def browser():
    reason = _missing()
    if reason:
        print(f"SKIP browser tests: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cockpit-screenshots")
    print(f"\ncockpit screenshots: {folder}")
    return folder


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "op@example.com", "pw-123456")


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
    for hours_ago in PUSH_HOURS_AGO:
        for n in range(hours_ago % 4 + 1):
            entry = ActivityEntry.objects.create(
                action="order_created", shop=shop, account=shop.account, message="Created"
            )
            ActivityEntry.objects.filter(pk=entry.pk).update(
                created_at=now - timedelta(hours=hours_ago, minutes=n)
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


def log_in(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("operator")
    browser.find_element(By.NAME, "password").send_keys("pw-123456")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()


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
    monkeypatch.setattr(tasks.order_sync_task, "delay", lambda *args: sent.append(args))
    log_in(browser, live_server)
    browser.find_element(By.CSS_SELECTOR, "#problems tr.problem-order button").click()

    assert (
        "1 order queued again." in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    )
    activity.refresh_from_db()
    assert activity.state == OrderLink.State.PENDING
    assert sent == [(activity.shop_id, 5)]
