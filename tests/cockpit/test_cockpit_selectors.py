"""The cockpit's selectors on rows shaped like the engine writes them."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from django.utils import timezone
from responses import matchers

from sync.http.errors import ApiAuthError
from sync.models import ActivityEntry, OrderLink, PollCursor, SyncRun
from sync.services.cockpit import health_strip, problems_list, shop_panels
from sync.services.hooks import hooks_status
from sync.services.hooks_seen import hooks_seen, hooks_seen_record
from sync.services.orders import order_links_retry
from sync.services.retries import clock as local_clock
from webhooks.models import WebhookEvent

from .conftest import at

pytestmark = pytest.mark.django_db
HOOKS = "https://example.picqer.com/api/v1/hooks"
HOOK = json.loads((Path(__file__).parents[1] / "fixtures/picqer/hook.json").read_text())


@pytest.fixture
def now():
    return datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def panel(now):
    (only,) = shop_panels(now=now)
    return only


def event(account, n, *, received, state=WebhookEvent.State.DONE, lag=None, **fields):
    return WebhookEvent.objects.create(
        account=account,
        event="orders.status_changed",
        dedupe_key=f"k{n}",
        object_ref=f"idorder={n}",
        body=json.dumps({"event": "orders.status_changed"}).encode(),
        received_at=received,
        state=state,
        processed_at=received + lag if lag is not None else None,
        **fields,
    )


def test_orders_figures_count_pushes_today_and_this_week(shop, pushed, now):
    orders = panel(now).orders
    assert (orders.pushed_today, orders.pushed_week) == (2, 3)


def test_orders_figures_count_waiting_in_progress_and_failed(shop, failed_order, now):
    OrderLink.objects.create(shop=shop, ps_order_id=6, state=OrderLink.State.PENDING)
    busy = OrderLink.objects.create(shop=shop, ps_order_id=7, state=OrderLink.State.PUSHING)
    at(busy, now - timedelta(minutes=3))
    orders = panel(now).orders
    assert (orders.waiting, orders.in_progress, orders.failed) == (1, 1, 1)
    assert orders.in_progress_since == now - timedelta(minutes=3)


def test_the_last_good_poll_is_shown_and_a_failing_poll_says_since_when(shop, now):
    cursor = PollCursor.objects.create(shop=shop, last_polled_at=now - timedelta(seconds=20))
    assert panel(now).orders.last_poll_at == now - timedelta(seconds=20)

    cursor.last_error = "PrestaShop: no answer (connection refused)"
    cursor.save()
    failed = ActivityEntry.objects.create(action="orders_poll_failed", message="x", shop=shop)
    at(failed, now - timedelta(minutes=4))
    orders = panel(now).orders
    assert orders.last_poll_at is None
    assert orders.poll_failing_since == now - timedelta(minutes=4)


def test_webhook_figures_count_the_hour_and_day_and_the_lag_percentiles(account, shop, now):
    for n in range(20):  # lags 1 … 20 s, received over the last 20 minutes
        event(account, n, received=now - timedelta(minutes=n + 1), lag=timedelta(seconds=n + 1))
    event(account, 100, received=now - timedelta(hours=3), state=WebhookEvent.State.FAILED)
    event(account, 101, received=now - timedelta(days=2))  # outside the day
    hooks = panel(now).webhooks
    assert (hooks.last_hour, hooks.last_day, hooks.processed_day, hooks.failed_day) == (
        20,
        21,
        20,
        1,
    )
    assert (hooks.lag_p50_seconds, hooks.lag_p95_seconds) == (11.0, 20.0)


def test_hook_states_are_unknown_until_picqer_was_read(account, shop, now):
    assert panel(now).webhooks.hooks == {"orders": "unknown", "stock": "unknown"}


@responses.activate
def test_a_read_of_picqers_hooks_is_what_the_cockpit_shows(account, shop, now):
    orders_hook = {
        **HOOK,
        "idhook": 30088,
        "address": account.webhook_url,
        "event": "orders.status_changed",
        "active": False,
    }
    responses.add(
        responses.GET,
        HOOKS,
        json=[orders_hook],
        match=[matchers.query_param_matcher({"offset": "0"})],
    )
    hooks_status(account=account)
    hooks = panel(now).webhooks
    assert hooks.hooks == {
        "orders": "inactive",
        "stock": "missing",
        "products_changed": "missing",
        "products_created": "missing",
    }
    assert hooks.hooks_checked_at is not None and hooks.hooks_error == ""


@responses.activate
def test_a_refused_read_is_recorded_with_its_status(account):
    responses.add(
        responses.GET,
        HOOKS,
        status=401,
        json={"error": True, "error_code": 1, "error_message": "Unauthorized"},
    )
    with pytest.raises(ApiAuthError):
        hooks_status(account=account)
    record = hooks_seen(account_ids=[account.pk])[account.pk]
    assert record.key_refused and "401" in record.error
    assert account.api_key not in record.error


def test_stock_figures_show_the_last_product_update_and_the_last_full_sync(shop, now):
    update = ActivityEntry.objects.create(
        action="stock_updated", shop=shop, message="Stock of TSHIRT-M set to 4 (from Picqer)."
    )
    at(update, now - timedelta(minutes=7))
    SyncRun.objects.create(
        shop=shop,
        state=SyncRun.State.DONE,
        checked=1200,
        changed=14,
        errors=1,
        started_at=now - timedelta(hours=5, minutes=3),
        finished_at=now - timedelta(hours=5),
    )
    SyncRun.objects.create(
        shop=shop,
        state=SyncRun.State.FAILED,
        message="no answer",
        finished_at=now - timedelta(hours=1),
    )
    stock = panel(now).stock
    assert stock.last_product_update_at == now - timedelta(minutes=7)
    assert "TSHIRT-M" in stock.last_product_update
    run = stock.last_full_sync
    assert (run.checked, run.changed, run.errors, run.duration_seconds) == (1200, 14, 1, 180.0)


def test_the_chart_has_a_point_at_each_hour_with_pushed_orders(shop, pushed, now):
    svg = panel(now).chart_svg
    assert svg.count('class="orders-point"') == 2  # two hours had pushes in the last 7 days
    assert 'data-hour="2026-03-04T13:00:00+00:00" data-count="2"' in svg


def test_the_health_strip_reads_the_last_recorded_outcomes_without_calling_out(account, shop, now):
    PollCursor.objects.create(
        shop=shop, last_polled_at=now, last_error="PrestaShop: Unauthorized (HTTP 401)"
    )
    hooks_seen_record(account_id=account.pk, status={"orders": {"state": "active"}})
    items = {item.name: item for item in health_strip(now=now)}
    assert items["Picqer Main"].ok is True
    assert "% of this minute's 480 requests used" in items["Picqer Main"].detail
    assert items["PrestaShop Dev shop"].ok is False
    assert items["PrestaShop Dev shop"].state_words == "unreachable"
    assert items["Worker"].state_words == "not running"


# --- problems ---------------------------------------------------------------------------


def test_a_failed_order_is_a_problem_with_its_reason_and_a_retry_button(failed_order, now):
    (problem,) = problems_list(now=now)
    assert problem.what == "DEV #5 / KHWLILZLL"
    assert problem.reason == "Gave up after retries: Picqer: Internal Server Error (HTTP 500)"
    (retry,) = problem.actions
    assert (retry.label, retry.fields["action"], retry.fields["_selected_action"]) == (
        "Retry now",
        "push_again",
        str(failed_order.pk),
    )


def test_an_order_in_progress_past_its_lease_is_a_problem_one_holding_it_is_not(shop, now):
    lost = OrderLink.objects.create(
        shop=shop,
        ps_order_id=8,
        ps_reference="AAA",
        state=OrderLink.State.PUSHING,
        attempts=1,
        claimed_until=now - timedelta(minutes=1),
    )
    held = OrderLink.objects.create(
        shop=shop,
        ps_order_id=9,
        ps_reference="BBB",
        state=OrderLink.State.PUSHING,
        claimed_until=now + timedelta(minutes=4),
    )
    for link in (lost, held):
        at(link, now - timedelta(minutes=10))
    (problem,) = problems_list(now=now)
    assert problem.what == "DEV #8 / AAA"
    assert "past its lease" in problem.reason and "1 create attempt(s)" in problem.reason
    assert [a.fields["action"] for a in problem.actions] == ["give_up"]


def test_an_order_waiting_to_retry_is_a_problem_at_once_with_reason_and_next_try(shop, now):
    due = now + timedelta(seconds=40)
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=8,
        ps_reference="AAA",
        state=OrderLink.State.PUSHING,
        attempts=1,
        retries=2,
        last_error="Picqer: Internal Server Error (HTTP 500)",
        next_attempt_at=due,
    )
    OrderLink.objects.create(  # its retry is running right now: no button to press
        shop=shop,
        ps_order_id=9,
        ps_reference="BBB",
        state=OrderLink.State.PUSHING,
        retries=1,
        last_error="Picqer: Internal Server Error (HTTP 500)",
        next_attempt_at=due,
        claimed_until=now + timedelta(minutes=4),
    )

    (problem,) = problems_list(now=now)

    assert problem.what == "DEV #8 / AAA"
    assert problem.reason == (
        "Waiting to retry the push to Picqer: Picqer: Internal Server Error (HTTP 500); "
        f"next try at {local_clock(due)} (2 failed attempt(s) so far)."
    )
    assert [(a.label, a.fields["action"]) for a in problem.actions] == [
        ("Retry now", "push_again"),
        ("Give up", "give_up"),
    ]


def test_retry_now_queues_an_order_waiting_to_retry_and_leaves_one_in_progress(
    shop, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()  # the leases are read against the clock
    waiting, running = (
        OrderLink.objects.create(
            shop=shop,
            ps_order_id=n,
            ps_reference=f"R{n}",
            state=OrderLink.State.PUSHING,
            last_error="Picqer: Internal Server Error (HTTP 500)",
            next_attempt_at=now + timedelta(minutes=1),
            claimed_until=claimed_until,
        )
        for n, claimed_until in ((8, None), (9, now + timedelta(minutes=4)))
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert order_links_retry(link_ids=[waiting.pk, running.pk]) == 1

    assert enqueued == [("order_sync_task", (shop.pk, 8))]
    entry = ActivityEntry.objects.get(action="order_retry")
    assert (entry.ps_order_id, entry.message) == (8, "Retry now requested by the operator.")


def test_webhook_events_failed_or_waiting_to_retry_are_problems(account, shop, now):
    event(
        account,
        1,
        received=now - timedelta(minutes=30),
        state=WebhookEvent.State.FAILED,
        lag=timedelta(minutes=1),
        attempts=8,
        last_error="gave up after 8 attempts: ApiServerError: Picqer: Bad gateway (HTTP 502)",
    )
    event(
        account,
        2,
        received=now - timedelta(minutes=5),
        state=WebhookEvent.State.PENDING,
        attempts=2,
        available_at=datetime(2026, 3, 4, 14, 2, 31, tzinfo=UTC),
        last_error="ApiServerError: Picqer: Internal Server Error (HTTP 500)",
    )
    retrying, failed = problems_list(now=now)
    assert retrying.reason == (
        "Picqer: Internal Server Error (HTTP 500); next try at 14:02:31, attempt 3 of 8"
    )
    assert retrying.actions == []
    assert failed.reason == (
        "Failed after 8 attempt(s): gave up after 8 attempts: Picqer: Bad gateway (HTTP 502)"
    )
    assert failed.actions[0].fields["action"] == "process_again"


def test_failed_and_stalled_sync_runs_are_problems(shop, now):
    SyncRun.objects.create(
        shop=shop, state=SyncRun.State.RUNNING, started_at=now - timedelta(hours=3)
    )
    (problem,) = problems_list(now=now)
    assert problem.kind == "sync_run" and "running since 3 h ago" in problem.reason


def test_a_deactivated_hook_and_a_refused_key_are_problems(account, shop, now):
    hooks_seen_record(
        account_id=account.pk,
        status={"orders": {"state": "inactive"}, "stock": {"state": "active"}},
    )
    (problem,) = problems_list(now=now)
    assert problem.what == "Picqer orders webhook of Main"

    class Refused(Exception):
        status = 401

        def __str__(self):
            return "Picqer: Unauthorized (HTTP 401)"

    hooks_seen_record(account_id=account.pk, error=Refused())
    (problem,) = problems_list(now=now)
    assert problem.kind == "key_refused" and "refused the API key" in problem.reason


def test_a_poll_failing_for_more_than_two_intervals_is_a_problem(shop, now):
    PollCursor.objects.create(shop=shop, last_polled_at=now, last_error="PrestaShop: timeout")
    first = ActivityEntry.objects.create(action="orders_poll_failed", message="x", shop=shop)
    at(first, now - timedelta(seconds=50))  # interval 30 s: not yet two intervals
    assert problems_list(now=now) == []
    at(first, now - timedelta(seconds=70))
    (problem,) = problems_list(now=now)
    assert problem.kind == "poll" and problem.reason.endswith("PrestaShop: timeout")


def test_problems_are_listed_newest_first(shop, failed_order, now):
    newer = OrderLink.objects.create(
        shop=shop, ps_order_id=99, ps_reference="NEW", state=OrderLink.State.FAILED, last_error="x"
    )
    at(newer, now - timedelta(minutes=1))
    assert [p.what for p in problems_list(now=now)] == ["DEV #99 / NEW", "DEV #5 / KHWLILZLL"]
