"""The cockpit as the operator sees it: real headless Chromium against the live server, a
real worker process and the sandbox's Picqer and PrestaShop.

- a push Picqer answers 500 shows on the cockpit with its reason and next try; "Retry now"
  creates the Picqer order once the fault is gone, and the problem leaves the cockpit;
- a hook deactivated in Picqer shows as a problem once its status is read, mails one alert
  (the worker's file mail backend) and, after reactivation, one "resolved" mail;
- the chart draws one point per hour with pushed orders.

Screenshots (cockpit, problems panel, shop page) go to $SCREENSHOT_DIR or a printed temporary
folder (tests/browser.py). Needs chromium and chromium-driver; without them the tests skip.
"""

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sync.health import heartbeat_record
from sync.models import ActivityEntry, OrderLink
from sync.picqer.client import PicqerClient
from sync.services.alerts import alerts_evaluate
from sync.services.cockpit import PUSHED_ACTIONS
from sync.services.hooks import HOOK_KINDS, hook_ensure
from sync.tasks.alerts import alerts_evaluate_task
from sync.tasks.orders import orders_poll_task
from tests.browser import log_in
from tests.stock.test_admin_plain_words import assert_plain

from .workers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FILE_MAIL = "django.core.mail.backends.filebased.EmailBackend"
ALERT_TO = "ops@example.com"
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
# Far enough that the page reload and the click happen before the task's own retry runs.
RETRY_MARGIN = timedelta(seconds=8)


def _by():
    from selenium.webdriver.common.by import By

    return By


def _cockpit(browser, live_server) -> None:
    browser.get(f"{live_server.url}/admin/")


def _problem_rows(browser, kind: str) -> list:
    return browser.find_elements(_by().CSS_SELECTOR, f"#problems tr.problem-{kind}")


def _problem_row(browser, live_server, kind: str, *words: str):
    """The cockpit's problem row of `kind` containing every one of `words` (reloaded)."""
    _cockpit(browser, live_server)
    return next(
        (row for row in _problem_rows(browser, kind) if all(w in row.text for w in words)), None
    )


def _picqer_orders(sandbox, reference: str) -> list[dict]:
    return [o for o in sandbox.state("picqer.orders") if o["reference"] == reference]


def _mails(folder: Path, at_least: int = 0) -> list | None:
    """Every message the file backend wrote (a file per connection, messages separated);
    None while there are fewer than `at_least`."""
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns):
        for raw in path.read_bytes().split(MAIL_SEPARATOR):
            if raw.strip():
                found.append(message_from_bytes(raw.lstrip(), policy=policy.default))
    return found if len(found) >= at_least else None


def _pushed_entries(shop, *, count: int) -> list | None:
    """The shop's "created in Picqer" activity entries, once there are `count`."""
    entries = list(ActivityEntry.objects.filter(shop=shop, action__in=PUSHED_ACTIONS))
    return entries if len(entries) == count else None


def _message_shown(browser, text: str) -> bool:
    """Waits for the page a click loads (a click does not wait for it) to say `text`."""
    from selenium.common.exceptions import StaleElementReferenceException

    def shown():
        try:
            lists = browser.find_elements(_by().CSS_SELECTOR, "ul.messagelist li.success")
            return any(text in e.text for e in lists)
        except StaleElementReferenceException:  # the old page went while we read it
            return False

    return wait_for(shown, timeout=20, what=f"the message {text!r}")


@pytest.fixture
def browser_now(browser):
    """The browser without implicit waits: the tests poll with their own timeouts."""
    browser.implicitly_wait(0)
    return browser


def test_a_push_picqer_answers_500_shows_why_and_retry_now_creates_it_once(
    browser_now, sandbox_server, sandbox_shop, start_worker, operator, live_server, screenshots
):
    browser = browser_now
    refs = sandbox_shop.catalogue["references"]
    placed = sandbox_server.place_order([{"reference": refs[0], "quantity": 1}])
    reference = f"DEV #{placed['id']} / {placed['reference']}"
    sandbox_server.knobs(fault_only="POST orders", picqer_fail_next=1000)
    start_worker(concurrency=1)
    log_in(browser, live_server)

    orders_poll_task.delay(sandbox_shop.pk)

    row = wait_for(
        lambda: _problem_row(browser, live_server, "order", reference, "HTTP 500"),
        timeout=60,
        interval=1,
        what="the failing push on the cockpit",
    )
    assert "Waiting to retry the push to Picqer" in row.text
    assert "next try at" in row.text
    assert [b.text for b in row.find_elements(_by().TAG_NAME, "button")] == [
        "Retry now",
        "Give up",
    ]
    browser.find_element(_by().ID, "problems").screenshot(str(screenshots / "problems-panel.png"))

    # The fault clears; the operator does not wait for the scheduled retry.
    wait_for(
        lambda: OrderLink.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()),
            shop=sandbox_shop,
            next_attempt_at__gt=timezone.now() + RETRY_MARGIN,
        ).exists(),
        timeout=60,
        what="the order waiting for a retry that is not due yet",
    )
    sandbox_server.knobs(picqer_fail_next=0)
    row = _problem_row(browser, live_server, "order", reference)
    row.find_element(_by().XPATH, ".//button[text()='Retry now']").click()

    assert _message_shown(browser, "1 order queued again.")
    wait_for(
        lambda: _picqer_orders(sandbox_server, reference),
        timeout=60,
        what="the order created in Picqer",
    )
    wait_for(
        lambda: _problem_row(browser, live_server, "order", reference) is None,
        timeout=30,
        interval=1,
        what="the problem to leave the cockpit",
    )
    assert len(_picqer_orders(sandbox_server, reference)) == 1
    link = OrderLink.objects.get(shop=sandbox_shop)
    assert link.state == OrderLink.State.CREATED
    assert (link.last_error, link.next_attempt_at) == ("", None)
    assert "Nothing needs attention." in browser.find_element(_by().ID, "problems").text


def test_a_deactivated_hook_is_a_problem_with_one_alert_mail_and_one_resolved_mail(
    browser_now,
    sandbox_server,
    sandbox_shop,
    start_worker,
    operator,
    live_server,
    screenshots,
    tmp_path,
    settings,
):
    browser = browser_now
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # The worker mails through the file backend; so does this process's own evaluation.
    start_worker(concurrency=1, EMAIL_URL=f"filemail:///{mail_dir}", ALERT_EMAILS=ALERT_TO)
    settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = FILE_MAIL, str(mail_dir)
    settings.ALERT_EMAILS = [ALERT_TO]
    account = sandbox_shop.account
    for kind in HOOK_KINDS:
        hook_ensure(account=account, kind=kind)
    for name in ("worker", "beat"):  # beat is not running here: no "process missing" alert
        heartbeat_record(name=name)
    account.refresh_from_db()
    PicqerClient.for_account(account).hook_deactivate(account.orders_hook_id)  # in Picqer
    account_page = reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])

    # Opening the account page reads the hooks' status from Picqer.
    log_in(browser, live_server, next_url=account_page)
    orders_field = browser.find_element(_by().CSS_SELECTOR, ".field-orders_webhook_status")
    assert "Picqer deactivated it" in orders_field.text
    row = _problem_row(browser, live_server, "hook", "Picqer orders webhook of Sandbox")
    assert row is not None, browser.find_element(_by().ID, "problems").text
    assert "Picqer deactivated it after failed deliveries" in row.text
    browser.find_element(_by().ID, "problems").screenshot(
        str(screenshots / "problems-panel-hook.png")
    )

    alerts_evaluate_task.delay()  # what beat runs every minute
    (alert,) = wait_for(lambda: _mails(mail_dir, at_least=1), timeout=60, what="the alert mail")
    assert alert["Subject"] == "[PrestaPicqer] Picqer webhook deactivated: Sandbox"
    assert alert["To"] == ALERT_TO
    assert "Picqer reports the orders webhook inactive." in alert.get_content()
    assert alerts_evaluate()["mailed"] == 0  # still open: no second mail within the hour

    browser.get(f"{live_server.url}{account_page}")
    browser.find_element(
        _by().CSS_SELECTOR, ".field-orders_webhook_status button.hook-button"
    ).click()
    assert _message_shown(browser, "reactivated")
    wait_for(
        lambda: _problem_row(browser, live_server, "hook") is None,
        timeout=30,
        interval=1,
        what="the hook problem to leave the cockpit",
    )

    alerts_evaluate_task.delay()
    alert, resolved = wait_for(
        lambda: _mails(mail_dir, at_least=2),
        timeout=60,
        what="the resolved mail",
    )
    assert resolved["Subject"] == "[PrestaPicqer] Resolved: Picqer webhook deactivated: Sandbox"
    assert alerts_evaluate() == {"opened": 0, "mailed": 0, "resolved": 0, "open": 0}
    assert len(_mails(mail_dir)) == 2


HOURS_AGO = (0, 3, 30)  # when the three pushed orders count as created: three chart points


def test_the_chart_has_a_point_per_hour_with_pushed_orders(
    browser_now, sandbox_server, sandbox_shop, start_worker, operator, live_server, screenshots
):
    browser = browser_now
    refs = sandbox_shop.catalogue["references"]
    for n in range(len(HOURS_AGO)):
        sandbox_server.place_order([{"reference": refs[n], "quantity": 1}])
    start_worker(concurrency=1)

    orders_poll_task.delay(sandbox_shop.pk)

    pushed = wait_for(
        lambda: _pushed_entries(sandbox_shop, count=len(HOURS_AGO)),
        timeout=60,
        what="three orders pushed",
    )
    now = timezone.now()
    for entry, hours_ago in zip(pushed, HOURS_AGO, strict=True):
        ActivityEntry.objects.filter(pk=entry.pk).update(
            created_at=now - timedelta(hours=hours_ago)
        )
    log_in(browser, live_server)

    panel = browser.find_element(_by().ID, f"shop-{sandbox_shop.pk}")
    points = panel.find_elements(_by().CSS_SELECTOR, "svg.cockpit-chart circle.orders-point")
    assert len(points) == len(HOURS_AGO)
    assert all(point.is_displayed() for point in points)
    assert "Nothing needs attention." in browser.find_element(_by().ID, "problems").text
    browser.save_screenshot(str(screenshots / "cockpit.png"))
    panel.screenshot(str(screenshots / "shop-panel.png"))

    # What the real flow logged reads in words: no action code, no raw status id.
    for name in ("sync_activityentry_changelist", "sync_orderlink_changelist"):
        browser.get(f"{live_server.url}{reverse(f'admin:{name}')}")
        assert_plain(browser.page_source)
    browser.get(
        f"{live_server.url}{reverse('admin:prestapicqer_shop_change', args=[sandbox_shop.pk])}"
    )
    assert browser.find_element(_by().ID, "shop_form").is_displayed()
    browser.save_screenshot(str(screenshots / "shop-change.png"))
