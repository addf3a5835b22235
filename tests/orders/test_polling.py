"""Change detection: the order_histories cursor, reconciliation, poll scheduling, poll-now."""

from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from sync.models import ActivityEntry
from sync.models.orders import OrderLink, OwnHistory, PollCursor
from sync.services.orders import (
    order_leases_expired_sweep,
    orders_poll,
    orders_poll_due,
    orders_reconcile,
    polling,
)
from tests.fakes.prestashop import ps_document, ps_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(shop):
    """A shop whose polling began after history row 50."""
    return PollCursor.objects.create(shop=shop, start_history_id=50, last_history_id=50)


@pytest.fixture
def poll(shop, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return orders_poll(shop_id=shop.pk)

    return run


def test_first_poll_starts_after_the_newest_row_and_sends_nothing_old(shop, ps, poll, enqueued):
    ps.add_history(49, 73, 2)
    ps.add_history(50, 73, 2)

    poll()

    cursor = PollCursor.objects.get(shop=shop)
    assert (cursor.start_history_id, cursor.last_history_id) == (50, 50)
    assert enqueued == []
    assert ActivityEntry.objects.filter(action="orders_poll_start").exists()


def test_poll_marks_rule_rows_enqueues_the_order_and_advances(shop, ps, started, poll, enqueued):
    ps.add_order(74)
    ps.add_history(51, 73, 2)
    ps.add_history(52, 74, 4)  # "shipped" is in no rule list of this shop
    ps.add_history(53, 73, 5)

    assert poll() == 3

    link = OrderLink.objects.get(shop=started.shop, ps_order_id=73)
    assert (link.seen_history_id, link.ps_reference) == (51, "ITQRFWVHT")
    assert not OrderLink.objects.filter(ps_order_id=74).exists()
    assert enqueued == [("order_sync_task", (started.shop_id, 73))]
    started.refresh_from_db()
    assert started.last_history_id == 53


def test_poll_reads_page_after_page(shop, ps, started, poll, enqueued, monkeypatch):
    monkeypatch.setattr(polling, "PAGE_SIZE", 2)
    for history_id in range(51, 56):
        ps.add_history(history_id, 73, 2)

    assert poll() == 5

    started.refresh_from_db()
    assert started.last_history_id == 55


def test_cursor_stays_put_while_prestashop_is_down_and_resumes(shop, ps, started, poll, enqueued):
    ps.add_history(51, 73, 2)
    ps.errors[("GET", "order_histories")] = ps_error(503, 22, "The webservice is disabled")

    poll()
    poll()

    started.refresh_from_db()
    assert started.last_history_id == 50
    assert "disabled" in started.last_error
    assert ActivityEntry.objects.filter(action="orders_poll_failed").count() == 1

    del ps.errors[("GET", "order_histories")]
    poll()

    started.refresh_from_db()
    assert (started.last_history_id, started.last_error) == (51, "")
    assert enqueued == [("order_sync_task", (shop.pk, 73))]
    assert ActivityEntry.objects.filter(action="orders_poll_recovered").exists()


def test_a_failure_half_way_through_a_page_records_nothing(shop, ps, started, poll, enqueued):
    ps.add_history(51, 73, 2)
    ps.errors[("GET", "orders")] = ps_error(500, 5, "[PHP Notice #8] Trying to access array")

    poll()

    started.refresh_from_db()
    assert started.last_history_id == 50
    assert not OrderLink.objects.exists()
    assert enqueued == []


def histories_page(*records: str) -> tuple:
    """An order_histories list answer holding the given raw <order_history> elements."""
    inner = "".join(records)
    return (
        200,
        {"Content-Type": "text/xml;charset=utf-8"},
        ps_document(f"<order_histories>{inner}</order_histories>"),
    )


def history_xml(id_history: int, *, state: str = "2", extra: str = "") -> str:
    return (
        f"<order_history><id><![CDATA[{id_history}]]></id><id_employee><![CDATA[0]]>"
        f"</id_employee><id_order_state><![CDATA[{state}]]></id_order_state><id_order>"
        f"<![CDATA[73]]></id_order>{extra}</order_history>"
    )


def activity(action):
    return list(
        ActivityEntry.objects.filter(action=action).order_by("pk").values_list("level", "message")
    )


def test_a_deeply_nested_record_fails_the_poll_visibly_and_never_says_it_works_again(
    shop, ps, started, poll, enqueued
):
    started.last_error = "PrestaShop: could not connect to shop.example.com"
    started.save()
    deep = "<x>" * 3000 + "</x>" * 3000
    ps.errors[("GET", "order_histories")] = histories_page(history_xml(51, extra=deep))

    assert poll() == 0

    started.refresh_from_db()
    assert started.last_history_id == 50  # read again next time
    assert "nested too deeply" in started.last_error
    [(level, message)] = activity("orders_poll_failed")
    assert level == "error"
    assert message == (
        f"Polling {shop.name} for orders failed: PrestaShop answered with XML "
        f"nested too deeply to read; next poll in {shop.poll_interval_seconds} "
        "s, from the same place."
    )
    assert activity("orders_poll_recovered") == []


def test_an_unexpected_error_reaches_the_activity_log_with_its_reason(
    shop, ps, started, poll, enqueued, monkeypatch
):
    ps.add_history(51, 73, 2)
    monkeypatch.setattr(polling, "row_actions", mock.Mock(side_effect=KeyError("rules")))

    poll()
    poll()  # the same failure again is not logged twice

    [(_, message)] = activity("orders_poll_failed")
    assert "unexpected error" in message and "KeyError" in message
    started.refresh_from_db()
    assert started.last_history_id == 50


def test_a_failure_for_a_new_reason_is_logged_again(shop, ps, started, poll, enqueued):
    ps.errors[("GET", "order_histories")] = ps_error(503, 22, "The webservice is disabled")
    poll()
    ps.errors[("GET", "order_histories")] = (200, {"Content-Type": "text/xml"}, b"<prestashop")
    poll()

    reasons = [message for _, message in activity("orders_poll_failed")]
    assert len(reasons) == 2 and "malformed XML" in reasons[1]


def test_a_row_without_a_readable_state_is_skipped_with_a_warning_and_the_rest_goes_on(
    shop, ps, started, poll, enqueued
):
    ps.errors[("GET", "order_histories")] = histories_page(
        history_xml(51, state=""), history_xml(52, state="<nested>2</nested>"), history_xml(53)
    )

    assert poll() == 3

    started.refresh_from_db()
    assert (started.last_history_id, started.last_error) == (53, "")
    skipped = activity("orders_poll_row_skipped")
    assert [level for level, _ in skipped] == ["warning", "warning"]
    assert skipped[0][1].startswith("Skipped status change #51 from ")
    assert enqueued == [("order_sync_task", (shop.pk, 73))]  # row 53 still counts
    assert activity("orders_poll_failed") == []


def test_a_row_without_a_readable_id_fails_the_poll(shop, ps, started, poll, enqueued):
    ps.errors[("GET", "order_histories")] = histories_page(history_xml(51), history_xml("x"))

    poll()

    started.refresh_from_db()
    assert started.last_history_id == 50
    [(_, message)] = activity("orders_poll_failed")
    assert "without a readable id" in message


def test_the_middlewares_own_status_changes_are_not_picked_up(shop, ps, started, poll, enqueued):
    OrderLink.objects.create(shop=shop, ps_order_id=73, last_history_id=50)
    OwnHistory.record(shop_id=shop.pk, ps_order_id=73, state_id=6)  # announced, not bound yet
    ps.add_history(51, 73, 6)
    OwnHistory.record(shop_id=shop.pk, ps_order_id=73, state_id=6, history_id=51)

    poll()

    assert OrderLink.objects.get(ps_order_id=73).seen_history_id == 0
    assert enqueued == []


def test_a_cancel_for_an_order_never_sent_creates_no_link(shop, ps, started, poll, enqueued):
    ps.add_history(51, 73, 6)

    poll()

    assert not OrderLink.objects.exists()
    assert enqueued == []


def test_multistore_poll_keeps_only_this_shops_orders(shop, ps, started, poll, enqueued):
    shop.prestashop_shop_id = 2
    shop.save()
    ps.add_order(90, id_shop=2)
    ps.add_history(51, 73, 2)  # order 73 is in shop 1
    ps.add_history(52, 90, 2)

    poll()

    assert list(OrderLink.objects.values_list("ps_order_id", flat=True)) == [90]
    assert enqueued == [("order_sync_task", (shop.pk, 90))]


def test_two_polls_of_one_shop_never_overlap(shop, ps, started, rsps):
    cache.add(f"orders:poll:lock:{shop.pk}", "other-worker", timeout=60)

    assert orders_poll(shop_id=shop.pk) == -1
    assert len(rsps.calls) == 0


def test_poll_due_enqueues_each_due_shop_once(
    shop, account, enqueued, django_capture_on_commit_callbacks
):
    from prestapicqer.models import Shop

    recent = Shop.objects.create(
        account=account,
        name="Recent",
        prefix="R",
        prestashop_url="https://r.example.com",
        webservice_key="K" * 32,
    )
    PollCursor.objects.create(shop=recent, last_polled_at=timezone.now())
    Shop.objects.create(
        account=account,
        name="Off",
        prefix="OFF",
        enabled=False,
        prestashop_url="https://o.example.com",
        webservice_key="K" * 32,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_poll_due() == [shop.pk]
        assert orders_poll_due() == []  # already queued

    assert enqueued == [("orders_poll_task", (shop.pk,))]


def test_reconcile_finds_a_row_the_cursor_passed_over(
    shop, ps, started, enqueued, django_capture_on_commit_callbacks
):
    started.last_history_id = 60
    started.save()
    ps.records["configurations"]["1"] = {
        "id": "1",
        "name": "PS_TIMEZONE",
        "value": "Europe/Amsterdam",
    }
    now_there = timezone.now().astimezone(ZoneInfo("Europe/Amsterdam"))
    ps.order["date_upd"] = now_there.strftime("%Y-%m-%d %H:%M:%S")
    ps.add_history(55, 73, 2)  # committed late: the cursor was already past it

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_reconcile(shop_id=shop.pk) == 1

    assert OrderLink.objects.get(ps_order_id=73).seen_history_id == 55
    assert enqueued == [("order_sync_task", (shop.pk, 73))]
    started.refresh_from_db()
    assert started.last_reconciled_at is not None


def test_reconcile_ignores_orders_outside_the_window_and_rows_already_applied(
    shop, ps, started, enqueued, django_capture_on_commit_callbacks
):
    ps.order["date_upd"] = "2020-01-01 00:00:00"
    ps.add_order(74)
    ps.records["orders"]["74"]["date_upd"] = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    ps.add_history(55, 73, 2)
    ps.add_history(56, 74, 2)
    OrderLink.objects.create(shop=shop, ps_order_id=74, last_history_id=56, seen_history_id=56)

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_reconcile(shop_id=shop.pk) == 0

    assert enqueued == []


def test_reconcile_re_enqueues_links_with_outstanding_or_stuck_work(
    shop, ps, started, enqueued, django_capture_on_commit_callbacks
):
    OrderLink.objects.create(shop=shop, ps_order_id=1, seen_history_id=70, last_history_id=60)
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=2,
        state=OrderLink.State.PUSHING,
        claimed_until=timezone.now() - timedelta(minutes=1),
    )
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=3,
        state=OrderLink.State.PUSHING,
        claimed_until=timezone.now() + timedelta(minutes=1),
    )
    OrderLink.objects.create(
        shop=shop, ps_order_id=4, state=OrderLink.State.FAILED, seen_history_id=70
    )

    with django_capture_on_commit_callbacks(execute=True):
        orders_reconcile(shop_id=shop.pk)

    assert sorted(args[1] for _, args in enqueued) == [1, 2]


def test_every_minute_orders_whose_worker_died_holding_the_lease_are_taken_over(
    shop, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=2,
        state=OrderLink.State.PUSHING,
        claimed_until=now - timedelta(seconds=1),
    )  # its worker died
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=3,
        state=OrderLink.State.PUSHING,
        claimed_until=now + timedelta(minutes=1),
    )  # still held
    OrderLink.objects.create(shop=shop, ps_order_id=5, state=OrderLink.State.PUSHING)
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=4,
        state=OrderLink.State.FAILED,
        claimed_until=now - timedelta(minutes=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert order_leases_expired_sweep() == 1

    assert enqueued == [("order_sync_task", (shop.pk, 2))]


class TestPollNowEndpoint:
    def url(self, shop_id, token):
        return f"/orders/poll/{shop_id}/?token={token}"

    def test_it_enqueues_a_poll_with_the_right_token(
        self, client, shop, enqueued, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url(shop.pk, shop.full_sync_token))
        assert response.status_code == 202
        assert enqueued == [("orders_poll_task", (shop.pk,))]

    def test_it_refuses_a_wrong_token(self, client, shop, enqueued):
        response = client.post(self.url(shop.pk, "wrong"))
        assert response.status_code == 403
        assert enqueued == []
        assert shop.full_sync_token not in response.content.decode()

    def test_it_answers_404_for_an_unknown_shop(self, client, shop):
        assert client.post(self.url(shop.pk + 99, shop.full_sync_token)).status_code == 404

    def test_it_only_accepts_post(self, client, shop):
        assert client.get(self.url(shop.pk, shop.full_sync_token)).status_code == 405

    def test_it_says_when_orders_are_switched_off(self, client, shop, enqueued):
        shop.orders_enabled = False
        shop.save()
        assert client.post(self.url(shop.pk, shop.full_sync_token)).status_code == 409
        assert enqueued == []


@pytest.mark.parametrize(("ago", "due"), [(24, False), (26, True)])
def test_a_shop_is_polled_on_the_tick_before_its_interval_would_pass(
    shop, enqueued, django_capture_on_commit_callbacks, ago, due
):
    # Interval 30 s, beat every 5 s: polling at 26 s keeps the wait under 30 s; at 24 s
    # the next tick (29 s) is still in time.
    PollCursor.objects.create(shop=shop, last_polled_at=timezone.now() - timedelta(seconds=ago))

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_poll_due() == ([shop.pk] if due else [])


def test_a_poll_asked_for_while_one_runs_is_not_lost(shop, ps, started, enqueued, monkeypatch):
    # "Poll now" arrives while the running poll is past its last page: the running poll
    # reads once more instead of the request being dropped.
    pages = polling._poll_pages
    calls = []

    def first_page_then_poll_now(*args):
        calls.append(1)
        if len(calls) == 1:
            assert orders_poll(shop_id=shop.pk) == -1  # the lock is held
            ps.add_history(51, 73, 2)
        return pages(*args)

    monkeypatch.setattr(polling, "_poll_pages", first_page_then_poll_now)

    assert orders_poll(shop_id=shop.pk) == 1
    assert len(calls) == 2
    assert OrderLink.objects.filter(shop=shop, ps_order_id=73).exists()
