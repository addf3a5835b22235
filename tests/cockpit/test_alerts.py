"""Alerts: each condition opens once, mails at most hourly, resolves with one mail; no
credential ever reaches a mail."""

from datetime import UTC, datetime, timedelta

import pytest

from sync.health import heartbeat_record
from sync.models import ActivityEntry, Alert, Heartbeat, OrderLink, PollCursor, SyncRun
from sync.scrub import credentials_scrub
from sync.services.alerts import alerts_evaluate
from sync.services.hooks_seen import hooks_seen_record

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recipients(settings):
    settings.ALERT_EMAILS = ["ops@example.com"]


@pytest.fixture
def now():
    return datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


@pytest.fixture
def processes_alive(now):
    """Worker and beat beating throughout a test's evaluations (the last beat is stamped at
    the end of the test's span), so only the condition under test is open."""
    for name in ("worker", "beat"):
        heartbeat_record(name=name)
        Heartbeat.objects.filter(name=name).update(seen_at=now + timedelta(hours=2))


def kinds(mailoutbox):
    return [mail.subject for mail in mailoutbox]


def open_alerts():
    return list(Alert.objects.filter(resolved_at__isnull=True).values_list("kind", "subject"))


def lifecycle(now, mailoutbox, clear, *, kind, title):
    """Evaluate at now, +30 min, +61 min, then clear the condition and evaluate again:
    one mail on opening, none within the hour, a reminder after it, one "resolved" mail."""
    mailed = []
    for minutes in (0, 30, 61):
        alerts_evaluate(now=now + timedelta(minutes=minutes))
        mailed.append(kinds(mailoutbox))
        mailoutbox.clear()
        assert [k for k, _ in open_alerts()] == [kind]
    clear()
    alerts_evaluate(now=now + timedelta(minutes=62))
    mailed.append(kinds(mailoutbox))
    assert open_alerts() == []
    subject = f"[PrestaPicqer] {title}"
    assert mailed == [[subject], [], [subject], [f"[PrestaPicqer] Resolved: {title}"]]


def test_a_failed_order_opens_throttles_and_resolves(
    failed_order, processes_alive, now, mailoutbox
):
    def clear():
        OrderLink.objects.filter(pk=failed_order.pk).update(state=OrderLink.State.CREATED)

    lifecycle(now, mailoutbox, clear, kind="order_failed", title="Orders failed for good: Dev shop")


def test_the_mail_names_the_order_and_its_reason(failed_order, processes_alive, now, mailoutbox):
    alerts_evaluate(now=now)
    (mail,) = mailoutbox
    assert mail.to == ["ops@example.com"]
    assert "DEV #5 / KHWLILZLL: Gave up after retries: Picqer: Internal Server Error" in mail.body


def test_an_order_stuck_for_more_than_15_minutes(shop, processes_alive, now, mailoutbox):
    link = OrderLink.objects.create(
        shop=shop, ps_order_id=8, ps_reference="AAA", state=OrderLink.State.PUSHING
    )
    at(link, now - timedelta(minutes=14))
    alerts_evaluate(now=now)
    assert mailoutbox == []
    at(link, now - timedelta(minutes=16))

    def clear():
        OrderLink.objects.filter(pk=link.pk).update(state=OrderLink.State.CREATED)

    lifecycle(now, mailoutbox, clear, kind="order_stuck", title="Orders stuck: Dev shop")


def test_a_poll_failing_for_more_than_10_minutes(shop, processes_alive, now, mailoutbox):
    cursor = PollCursor.objects.create(
        shop=shop, last_polled_at=now, last_error="PrestaShop: no answer (timeout)"
    )
    first = ActivityEntry.objects.create(action="orders_poll_failed", message="x", shop=shop)
    at(first, now - timedelta(minutes=9))
    alerts_evaluate(now=now)
    assert mailoutbox == []
    at(first, now - timedelta(minutes=11))

    def clear():
        PollCursor.objects.filter(pk=cursor.pk).update(last_error="")

    lifecycle(now, mailoutbox, clear, kind="poll_failing", title="Order polling failing: Dev shop")


def test_a_failed_full_sync_until_a_later_run_succeeds(shop, processes_alive, now, mailoutbox):
    SyncRun.objects.create(
        shop=shop, state=SyncRun.State.FAILED, message="Picqer: 503", finished_at=now
    )

    def clear():
        SyncRun.objects.create(shop=shop, state=SyncRun.State.DONE, finished_at=now)

    lifecycle(
        now, mailoutbox, clear, kind="full_sync_failed", title="Full stock sync failed: Dev shop"
    )


def test_a_missing_worker_or_beat_heartbeat(shop, processes_alive, now, mailoutbox):
    Heartbeat.objects.filter(name="beat").update(seen_at=now - timedelta(minutes=6))

    def clear():
        Heartbeat.objects.filter(name="beat").update(seen_at=now + timedelta(minutes=62))

    lifecycle(
        now, mailoutbox, clear, kind="heartbeat_missing", title="Process not running: Celery beat"
    )


def test_a_refused_picqer_key(account, shop, processes_alive, now, mailoutbox):
    class Refused(Exception):
        status = 403

        def __str__(self):
            return "Picqer: Forbidden (HTTP 403)"

    hooks_seen_record(account_id=account.pk, error=Refused())

    def clear():
        hooks_seen_record(account_id=account.pk, status={"orders": {"state": "active"}})

    lifecycle(now, mailoutbox, clear, kind="key_refused", title="API key refused: Picqer Main")


def test_a_refused_prestashop_key(shop, processes_alive, now, mailoutbox):
    cursor = PollCursor.objects.create(
        shop=shop, last_polled_at=now, last_error="PrestaShop: Unauthorized (HTTP 401)"
    )

    def clear():
        PollCursor.objects.filter(pk=cursor.pk).update(last_error="")

    lifecycle(
        now, mailoutbox, clear, kind="key_refused", title="API key refused: PrestaShop Dev shop"
    )


def test_a_hook_deactivated_and_reactivated_by_the_watchdog(
    account, shop, processes_alive, now, mailoutbox
):
    for action, message in (
        (
            "hook_deactivated",
            "Picqer had deactivated the orders webhook (hook 30088); reactivating it.",
        ),
        ("hook_reactivated", "Picqer orders webhook reactivated."),
    ):
        at(
            ActivityEntry.objects.create(action=action, message=message, account=account),
            now - timedelta(minutes=1),
        )
    alerts_evaluate(now=now)
    (mail,) = mailoutbox
    assert mail.subject == "[PrestaPicqer] Picqer webhook deactivated: Main"
    assert "reactivated" in mail.body
    mailoutbox.clear()
    alerts_evaluate(now=now + timedelta(minutes=16))  # the watchdog fixed it: resolved
    assert kinds(mailoutbox) == ["[PrestaPicqer] Resolved: Picqer webhook deactivated: Main"]


def test_the_recipients_include_the_accounts_own(
    account, failed_order, processes_alive, now, mailoutbox
):
    account.alert_emails = "shop-owner@example.com, , warehouse@example.com"
    account.save()
    alerts_evaluate(now=now)
    assert mailoutbox[0].to == [
        "ops@example.com",
        "shop-owner@example.com",
        "warehouse@example.com",
    ]


def test_without_recipients_the_alert_is_open_but_unmailed_and_mailed_once_there_are(
    settings, failed_order, processes_alive, now, mailoutbox
):
    settings.ALERT_EMAILS = []
    alerts_evaluate(now=now)
    assert mailoutbox == [] and Alert.objects.get().last_mailed_at is None
    settings.ALERT_EMAILS = ["ops@example.com"]
    alerts_evaluate(now=now + timedelta(minutes=1))
    assert len(mailoutbox) == 1


def test_the_cockpit_shows_open_alerts(admin_client, failed_order, processes_alive, now):
    alerts_evaluate(now=now)
    page = admin_client.get("/admin/").content.decode()
    assert 'id="alerts"' in page and "failed for good" in page


# --- scrubbing --------------------------------------------------------------------------


def test_no_stored_secret_reaches_a_mail(account, shop, processes_alive, now, mailoutbox):
    """Error texts quote remote answers; whatever they contain, the mail does not."""
    link = OrderLink.objects.create(
        shop=shop,
        ps_order_id=9,
        ps_reference="SECRETREF",
        state=OrderLink.State.FAILED,
        last_error=f"PrestaShop answered for https://{shop.webservice_key}@shop.example.com/api"
        f"/orders?ws_key={shop.webservice_key}: key {account.api_key} / secret "
        f"{account.webhook_secret} / full sync {shop.full_sync_token}",
    )
    at(link, now)
    alerts_evaluate(now=now)
    (mail,) = mailoutbox
    stored = Alert.objects.get().message  # what the cockpit shows
    for secret in (
        shop.webservice_key,
        account.api_key,
        account.webhook_secret,
        shop.full_sync_token,
    ):
        assert secret not in mail.body and secret not in mail.subject and secret not in stored
    assert "DEV #9 / SECRETREF" in mail.body


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        (
            "GET https://shop.example.com/api/orders?ws_key=QWERTYUIOP123&display=full",
            "QWERTYUIOP123",
        ),
        ("https://sync.example.com/stock-sync/3/?token=abcDEF123456789", "abcDEF123456789"),
        ("Authorization: Basic QUJDREVGR0hJSjEyMzQ1Ng==", "QUJDREVGR0hJSjEyMzQ1Ng=="),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9.payload"),
        ("smtp+tls://alerts:hunter2hunter2@mail.example.com:587", "hunter2hunter2"),
    ],
)
def test_credential_shaped_text_is_scrubbed_even_when_not_a_stored_secret(text, leak):
    scrubbed = credentials_scrub(text)
    assert leak not in scrubbed and "••••" in scrubbed
