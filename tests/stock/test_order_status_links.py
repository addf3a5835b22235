"""Picqer → PrestaShop changes reach only orders this service linked: the OrderLink of that
shop must hold this Picqer idorder, and the reference must match in all three parts."""

import json

import pytest
from django.db.models import ProtectedError

from prestapicqer.models import PicqerAccount, Shop, StatusMapping
from sync.models import ActivityEntry, OrderLink
from sync.services.order_status import OrderNotLinkedYetError, order_status_sync
from webhooks.models import WebhookEvent
from webhooks.processing import webhook_event_run

from .conftest import seed_order

IDORDER = 240350427  # the Picqer order of tests/fixtures/stock/picqer_order.json


@pytest.fixture
def completed_rule(shop):
    StatusMapping.objects.create(
        shop=shop, from_state_id=None, picqer_status="completed", to_state_id=5
    )


def sync(account):
    return order_status_sync(account=account, idorder=IDORDER)


def hand_made(picqer_orders, reference: str, orderid: str = "P2025-0042") -> None:
    """Picqer's order 240350427 as if typed into Picqer by hand: shipped, with a tracking
    code, carrying `reference`."""
    picqer_orders.order.update(reference=reference, orderid=orderid)


def assert_untouched(ps) -> None:
    assert ps.writes == []  # no tracking code, no status, no customer e-mail
    assert not OrderLink.objects.exclude(claimed_status="", applied_status="").exists()


def ignored_entries():
    return list(ActivityEntry.objects.filter(action="order_status_ignored"))


def test_an_unlinked_picqer_order_with_a_matching_prefix_and_id_changes_nothing(
    shop, ps, picqer_orders, completed_rule
):
    # PrestaShop order 2 was never sent (awaiting payment); a Picqer order made by hand
    # carries its prefix and id.
    seed_order(ps, state=10, id_order=2, reference="KBXQZRTUW")
    hand_made(picqer_orders, "DEV #2 / NOT-THIS-SHOP")

    result = sync(shop.account)

    reason = (
        "Picqer order P2025-0042 (reference DEV #2 / NOT-THIS-SHOP) is not linked to a "
        "PrestaShop order of shop Dev shop: PrestaShop order 2 was never sent to Picqer "
        "by PrestaPicqer — nothing changed"
    )
    assert result == f"ignored: {reason}"
    assert_untouched(ps)
    assert ps.get("orders", 2)["current_state"] == "10"
    [entry] = ignored_entries()
    # Filed under PrestaShop order 2, where its order link's "log" would show it.
    assert (entry.level, entry.message, entry.shop, entry.ps_order_id, entry.picqer_orderid) == (
        "warning",
        reason,
        shop,
        2,
        "P2025-0042",
    )


def test_the_refusal_shows_on_the_webhook_event_and_is_logged_once_per_order(
    shop, ps, picqer_orders, completed_rule
):
    seed_order(ps, state=10, id_order=2)
    hand_made(picqer_orders, "DEV #2 / NOT-THIS-SHOP")
    events = [
        WebhookEvent.objects.create(
            account=shop.account,
            event=name,
            dedupe_key=name,
            body=json.dumps({"event": name, "data": {"idorder": IDORDER}}).encode(),
        )
        for name in ("orders.status_changed", "orders.completed", "picklists.shipments.created")
    ]
    for event in events:
        webhook_event_run(event_id=event.pk)

    for event in events:
        event.refresh_from_db()
        assert event.state == "ignored"
        assert "is not linked to a PrestaShop order of shop Dev shop" in event.result
    assert len(ignored_entries()) == 1  # one Picqer change, several events: one log line
    assert_untouched(ps)


def test_a_linked_order_whose_reference_differs_after_the_slash_changes_nothing(
    shop, ps, picqer_orders, link, completed_rule
):
    seed_order(ps, state=3)
    hand_made(picqer_orders, "DEV #73 / NOT-THIS-SHOP", orderid="O2026-1002")

    result = sync(shop.account)

    assert result.startswith(
        "ignored: Picqer order O2026-1002 (reference DEV #73 / NOT-THIS-SHOP) is not linked"
    )
    assert "PrestaShop order 73 was sent with reference DEV #73 / ITQRFWVHT" in result
    assert_untouched(ps)


def test_a_link_to_another_picqer_order_changes_nothing(
    shop, ps, picqer_orders, link, completed_rule
):
    seed_order(ps, state=3)
    OrderLink.objects.filter(pk=link.pk).update(picqer_idorder=999, picqer_orderid="O2026-9")
    assert "PrestaShop order 73 is linked to Picqer order O2026-9, not this one" in sync(
        shop.account
    )
    assert_untouched(ps)


def test_split_cart_orders_each_get_only_their_own_picqer_order(
    shop, ps, picqer_orders, link, completed_rule
):
    # One cart, two PrestaShop orders with one reference, two Picqer orders.
    seed_order(ps, state=3)
    seed_order(ps, state=3, id_order=74, order_carrier_id=3)
    OrderLink.objects.create(
        shop=shop,
        ps_order_id=74,
        ps_reference="ITQRFWVHT",
        state=OrderLink.State.CREATED,
        picqer_idorder=IDORDER + 1,
        picqer_orderid="O2026-1003",
    )

    assert sync(shop.account) == "status 3 → 5"
    assert ps.get("orders", 73)["current_state"] == "5"
    assert ps.get("orders", 74)["current_state"] == "3"

    # The same Picqer order edited to name its sibling: refused, the sibling is untouched.
    hand_made(picqer_orders, "DEV #74 / ITQRFWVHT", orderid="O2026-1002")
    writes = len(ps.writes)
    assert "PrestaShop order 74 is linked to Picqer order O2026-1003" in sync(shop.account)
    assert len(ps.writes) == writes
    assert ps.get("orders", 74)["current_state"] == "3"


def test_an_order_pushed_without_a_prestashop_reference_matches_a_bare_reference(
    shop, ps, picqer_orders, link, completed_rule
):
    seed_order(ps, state=3, reference="")
    OrderLink.objects.filter(pk=link.pk).update(ps_reference="")
    hand_made(picqer_orders, "DEV #73", orderid="O2026-1002")
    assert sync(shop.account) == "status 3 → 5"


@pytest.mark.parametrize(
    "state, attempts, reason",
    [
        # Never attempted: a Picqer order with its reference is not one this service made.
        (OrderLink.State.PENDING, 0, "was not sent to Picqer (order link: Waiting to be pushed)"),
        (OrderLink.State.SKIPPED, 0, "was not sent to Picqer (order link: Not sent)"),
        (OrderLink.State.FAILED, 0, "was not sent to Picqer (order link: Failed)"),
        (
            OrderLink.State.FAILED,
            2,
            'failed to reach Picqer; if its create did arrive, "Push '
            'again" on its order link finds it by reference',
        ),
    ],
)
def test_a_link_without_a_picqer_order_changes_nothing(
    shop, ps, picqer_orders, link, completed_rule, state, attempts, reason
):
    seed_order(ps, state=3)
    OrderLink.objects.filter(pk=link.pk).update(
        picqer_idorder=None, picqer_orderid="", state=state, attempts=attempts
    )
    assert f"PrestaShop order 73 {reason} — nothing changed" in sync(shop.account)
    assert_untouched(ps)


def test_a_link_whose_create_is_in_progress_is_retried_not_applied(
    shop, ps, picqer_orders, link, completed_rule
):
    # The create's answer was lost: the push will find this Picqer order by its reference
    # and record it; until then the status waits (retryable), it is not lost or applied.
    seed_order(ps, state=3)
    OrderLink.objects.filter(pk=link.pk).update(
        picqer_idorder=None, picqer_orderid="", state=OrderLink.State.PUSHING, attempts=1
    )
    with pytest.raises(OrderNotLinkedYetError) as caught:
        sync(shop.account)
    assert caught.value.retryable
    event = WebhookEvent.objects.create(
        account=shop.account,
        event="orders.completed",
        dedupe_key="x",
        body=json.dumps({"event": "orders.completed", "data": {"idorder": IDORDER}}).encode(),
    )
    webhook_event_run(event_id=event.pk)
    event.refresh_from_db()
    assert event.state == "pending" and "is still being sent to Picqer" in event.last_error
    assert_untouched(ps)

    OrderLink.objects.filter(pk=link.pk).update(
        picqer_idorder=IDORDER, state=OrderLink.State.CREATED
    )
    assert sync(shop.account) == "status 3 → 5"


def test_a_shop_with_linked_orders_cannot_be_deleted(shop, link):
    with pytest.raises(ProtectedError):
        shop.delete()
    assert OrderLink.objects.filter(pk=link.pk, shop=shop).exists()


def test_a_shop_recreated_with_the_same_prefix_does_not_get_the_old_orders_updates(
    shop, ps, picqer_orders, link, completed_rule
):
    # The old shop keeps its links (and so its prefix); the new one, on a second account of
    # the same Picqer environment, has PrestaShop order 73 of its own, never sent.
    recreated_account = PicqerAccount.objects.create(
        name="Main again", subdomain="example", api_key="picqer-test-key-123456"
    )
    recreated = Shop.objects.create(
        account=recreated_account,
        name="Dev shop again",
        prefix="DEV",
        prestashop_url="https://shop.example.com",
        webservice_key="ABCDEFGHIJKLMNOPQRSTUVWXYZ123456",
    )
    StatusMapping.objects.create(
        shop=recreated, from_state_id=None, picqer_status="completed", to_state_id=5
    )
    seed_order(ps, state=10)

    result = sync(recreated_account)

    assert "is not linked to a PrestaShop order of shop Dev shop again" in result
    assert_untouched(ps)


def test_an_unknown_prefix_is_reported(shop, ps, picqer_orders, completed_rule):
    hand_made(picqer_orders, "OLD #73 / ITQRFWVHT")
    result = sync(shop.account)
    assert "has prefix OLD, which no shop of account Main uses — nothing changed" in result
    assert [e.shop for e in ignored_entries()] == [None]
    assert_untouched(ps)


def test_orders_of_other_sales_channels_are_ignored_without_a_log_line(shop, ps, picqer_orders):
    hand_made(picqer_orders, "BOL-1234567")
    assert sync(shop.account) == "ignored: reference 'BOL-1234567' is not a PrestaPicqer one"
    assert ignored_entries() == []
