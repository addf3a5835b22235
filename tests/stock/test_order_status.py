"""Picqer → PrestaShop order status: the mapping table, duplicates, ordering, claims."""

import pytest
import requests

from prestapicqer.models import StatusMapping
from sync.http.errors import ApiTimeoutError
from sync.mappers.status import picqer_reference_parse, status_skip_reason
from sync.models import OrderLink
from sync.models.orders import OwnHistory
from sync.services.order_status import OrderStatusBusyError, order_status_sync

from .conftest import seed_order

pytestmark = pytest.mark.usefixtures("link")  # statuses reach linked orders only


def rules(shop, *rows):
    for position, (from_state, status, to_state) in enumerate(rows):
        StatusMapping.objects.create(
            shop=shop,
            position=position,
            from_state_id=from_state,
            picqer_status=status,
            to_state_id=to_state,
        )


def history_posts(ps):
    return [w for w in ps.writes if w[:2] == ("POST", "order_histories")]


def sync(account):
    return order_status_sync(account=account, idorder=240350427)


@pytest.mark.parametrize(
    "reference, expected",
    [
        ("DEV #73 / ITQRFWVHT", ("DEV", 73, "ITQRFWVHT")),
        ("PS#5/ABC", ("PS", 5, "ABC")),
        ("  X1 # 1200 / REF WITH / SLASH ", ("X1", 1200, "REF WITH / SLASH")),
        ("DEV #73", ("DEV", 73, "")),
        ("O2026-1002", None),
        ("ABCD #1 / X", None),
        ("DEV #² / X", None),
        ("DEV #١٢ / X", None),
        ("DEV #0 / X", None),
        ("DEV #2147483648 / X", None),
        ("", None),
        (None, None),
    ],
)
def test_reference_parse(reference, expected):
    assert picqer_reference_parse(reference) == expected


def test_it_applies_an_any_rule(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    assert sync(shop.account) == "status 3 → 5"
    assert history_posts(ps) == [
        ("POST", "order_histories", {"id_order": "73", "id_order_state": "5"})
    ]
    assert ps.get("orders", 73)["current_state"] == "5"


def test_it_applies_a_specific_from_rule_only_in_that_state(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (4, "completed", 6), (3, "completed", 5))
    assert sync(shop.account) == "status 3 → 5"


def test_first_matching_row_wins(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5), (3, "completed", 6))
    assert sync(shop.account) == "status 3 → 5"


def test_no_matching_row_changes_nothing(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (4, "completed", 5), (None, "processing", 9))
    assert sync(shop.account).startswith("ignored: no mapping for status 3 + Picqer completed")
    assert history_posts(ps) == []
    picqer_orders.set_status("paused")
    assert sync(shop.account) == "ignored: no mapping for Picqer status paused"


def test_order_already_in_target_state_is_left_alone(shop, ps, picqer_orders):
    seed_order(ps, state=5)
    rules(shop, (None, "completed", 5))
    assert sync(shop.account) == "ignored: already in status 5"
    assert history_posts(ps) == []


def test_duplicate_delivery_five_times_posts_once(shop, ps, picqer_orders):
    # Without the applied-status record, the second delivery would match the first row.
    seed_order(ps, state=3)
    rules(shop, (5, "completed", 6), (None, "completed", 5))
    results = [sync(shop.account) for _ in range(5)]
    assert results[0] == "status 3 → 5"
    assert all(
        r.startswith("ignored: Picqer status completed already applied") for r in results[1:]
    )
    assert len(history_posts(ps)) == 1
    assert ps.get("orders", 73)["current_state"] == "5"


def test_out_of_order_processing_after_completed_never_moves_back(shop, ps, picqer_orders):
    seed_order(ps, state=2)
    rules(shop, (None, "processing", 3), (None, "completed", 5))
    assert sync(shop.account) == "status 2 → 5"
    picqer_orders.set_status("processing")  # a worker that read Picqer earlier, finishing late
    assert "older than the applied completed" in sync(shop.account)
    assert len(history_posts(ps)) == 1
    assert ps.get("orders", 73)["current_state"] == "5"


def test_cancelled_applies_after_completed(shop, ps, picqer_orders):
    seed_order(ps, state=2)
    rules(shop, (None, "completed", 5), (None, "cancelled", 6))
    sync(shop.account)
    picqer_orders.set_status("cancelled")
    assert sync(shop.account) == "status 5 → 6"


def test_status_skip_reason_ranks():
    assert status_skip_reason(applied="", incoming="concept") is None
    assert status_skip_reason(applied="processing", incoming="completed") is None
    assert status_skip_reason(applied="completed", incoming="concept")
    assert status_skip_reason(applied="cancelled", incoming="processing") is None


def test_lost_answer_of_the_post_is_not_posted_again(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    ps.fail_after_write["order_histories"] = requests.exceptions.ReadTimeout()
    with pytest.raises(ApiTimeoutError):
        sync(shop.account)
    link = OrderLink.objects.get(shop=shop, ps_order_id=73)
    assert link.status_claimed_until is None and link.applied_status == ""
    assert sync(shop.account) == "ignored: already in status 5"
    assert len(history_posts(ps)) == 1


def test_own_change_is_recorded_for_the_loop_guard(shop, ps, picqer_orders):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    sync(shop.account)
    own = OwnHistory.objects.get(shop=shop, ps_order_id=73)
    assert own.state_id == 5 and own.history_id is not None


def test_a_claim_held_for_another_status_is_retryable(shop, ps, picqer_orders):
    from django.utils import timezone

    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    OrderLink.objects.filter(shop=shop, ps_order_id=73).update(
        claimed_status="processing",
        status_claimed_until=timezone.now() + timezone.timedelta(minutes=5),
        status_claim_token="other-worker",
    )
    with pytest.raises(OrderStatusBusyError) as caught:
        sync(shop.account)
    assert caught.value.retryable and caught.value.retry_after > 0
    OrderLink.objects.update(claimed_status="completed")
    assert "being applied by another worker" in sync(shop.account)
    assert history_posts(ps) == []


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"enabled": False}, "is disabled"),
        ({"orders_enabled": False}, "order status updates are off"),
        ({"prefix": "XYZ"}, "has prefix DEV, which no shop of account Main uses"),
    ],
)
def test_it_ignores_orders_of_unusable_shops(shop, ps, picqer_orders, change, reason):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    for field, value in change.items():
        setattr(shop, field, value)
    shop.save()
    result = sync(shop.account)
    assert result.startswith("ignored:") and reason in result
    assert ps.writes == []


def test_it_shows_the_new_picqer_status_on_the_order_link(shop, ps, picqer_orders, link):
    seed_order(ps, state=3)
    rules(shop, (None, "completed", 5))
    OrderLink.objects.filter(pk=link.pk).update(picqer_status="processing")
    sync(shop.account)
    link.refresh_from_db()
    assert link.picqer_status == "completed"
