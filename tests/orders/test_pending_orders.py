"""Orders PrestaShop has taken and Picqer does not count yet, kept from the order poll and
the push (sync.services.stock.pending)."""

import pytest

from sync.models import PendingOrder
from sync.models.orders import PollCursor
from sync.services.orders import order_sync, orders_poll
from sync.services.stock.pending import pending_units_by_reference

pytestmark = pytest.mark.django_db

AWAITING_BANK_WIRE, PAYMENT_ACCEPTED, CANCELED, PAYMENT_ERROR = 10, 2, 6, 8
RESERVED, CANCELLED, IN_PICQER = (
    PendingOrder.State.RESERVED,
    PendingOrder.State.CANCELLED,
    PendingOrder.State.IN_PICQER,
)


@pytest.fixture
def rewrites(monkeypatch):
    """The stock re-writes published (after commit) when the held-back units change."""
    from sync.tasks import stock as tasks

    calls: list[tuple] = []
    monkeypatch.setattr(
        tasks.stock_pending_changed_task, "apply_async", lambda a, k=None, **o: calls.append(a)
    )
    return calls


@pytest.fixture
def watching(shop, ps):
    """Polling began after history row 50 and order 72; PrestaShop's own cancelled and
    payment-error statuses are 6 and 8."""
    for i, (name, value) in enumerate(
        [("PS_OS_CANCELED", CANCELED), ("PS_OS_ERROR", PAYMENT_ERROR)], start=1
    ):
        ps.records["configurations"][str(i)] = {"id": str(i), "name": name, "value": str(value)}
    return PollCursor.objects.create(
        shop=shop, start_history_id=50, last_history_id=50, start_order_id=72
    )


@pytest.fixture
def poll(shop, enqueued, rewrites, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return orders_poll(shop_id=shop.pk)

    return run


def held(shop):
    return pending_units_by_reference(shop=shop)


def state_of(shop, order=73):
    return PendingOrder.objects.get(shop=shop, ps_order_id=order).state


def test_a_new_bank_wire_order_is_held_back_with_its_units(shop, ps, watching, poll, rewrites):
    ps.order["current_state"] = str(AWAITING_BANK_WIRE)
    ps.add_history(51, 73, AWAITING_BANK_WIRE)  # in no rule list: nothing goes to Picqer

    poll()

    assert held(shop) == {"demo_1": 2, "TSHIRT-RED-S": 1, "MUG-9": 2}
    assert rewrites == [(shop.account_id, ["MUG-9", "TSHIRT-RED-S", "demo_1"])]


def test_an_order_from_before_the_poll_began_is_not_held_back(shop, ps, watching, poll):
    ps.add_order(72, current_state=AWAITING_BANK_WIRE)
    ps.add_history(51, 72, PAYMENT_ACCEPTED)

    poll()

    assert held(shop) == {}
    assert not PendingOrder.objects.exists()


def test_the_first_poll_takes_the_newest_order_as_the_start(shop, ps, poll):
    ps.add_history(50, 73, 2)

    poll()

    assert PollCursor.objects.get(shop=shop).start_order_id == 73


def test_an_order_placed_into_payment_error_holds_nothing(shop, ps, watching, poll, rewrites):
    ps.order["current_state"] = str(PAYMENT_ERROR)
    ps.add_history(51, 73, PAYMENT_ERROR)

    poll()

    assert state_of(shop) == CANCELLED and held(shop) == {}
    assert rewrites == []


def test_a_cancel_in_a_later_poll_gives_the_units_back_and_a_reopen_takes_them(
    shop, ps, watching, poll, rewrites
):
    ps.order["current_state"] = str(AWAITING_BANK_WIRE)
    ps.add_history(51, 73, AWAITING_BANK_WIRE)
    poll()

    ps.add_history(52, 73, CANCELED)
    poll()
    assert state_of(shop) == CANCELLED and held(shop) == {}

    ps.add_history(53, 73, AWAITING_BANK_WIRE)  # PrestaShop takes the stock again
    poll()
    assert state_of(shop) == RESERVED and held(shop)["demo_1"] == 2
    assert len(rewrites) == 3


def test_the_order_stops_counting_once_picqer_has_it_processing(
    shop, ps, picqer, watching, poll, rewrites, django_capture_on_commit_callbacks
):
    ps.order["current_state"] = str(AWAITING_BANK_WIRE)
    ps.add_history(51, 73, AWAITING_BANK_WIRE)
    poll()
    ps.add_history(52, 73, PAYMENT_ACCEPTED)  # create + process
    poll()
    assert state_of(shop) == RESERVED  # the push has not run yet

    with django_capture_on_commit_callbacks(execute=True):
        order_sync(shop_id=shop.pk, ps_order_id=73)

    assert state_of(shop) == IN_PICQER and held(shop) == {}
    assert rewrites[-1] == (shop.account_id, ["MUG-9", "TSHIRT-RED-S", "demo_1"])


@pytest.mark.parametrize(("allocate", "expected"), [(True, IN_PICQER), (False, RESERVED)])
def test_a_concept_order_counts_in_picqer_only_once_allocated(
    shop, ps, picqer, watching, poll, allocate, expected
):
    shop.processing_state_ids, shop.allocate_concept = [], allocate
    shop.save()
    ps.order["current_state"] = str(AWAITING_BANK_WIRE)
    ps.add_history(51, 73, PAYMENT_ACCEPTED)
    poll()

    order_sync(shop_id=shop.pk, ps_order_id=73)

    assert picqer.created[0]["status"] == "concept"
    assert state_of(shop) == expected


def test_a_shop_cancel_status_releases_the_units_where_prestashop_keeps_them(
    shop, ps, picqer, watching, poll
):
    shop.cancel_state_ids = [7]  # "Refunded" cancels for this shop; PrestaShop keeps stock
    shop.save()
    ps.order["current_state"] = str(AWAITING_BANK_WIRE)
    ps.add_history(51, 73, AWAITING_BANK_WIRE)
    poll()
    ps.add_history(52, 73, 7)
    poll()

    assert state_of(shop) == CANCELLED
    assert picqer.created == []


def test_the_orders_of_another_shop_of_a_multistore_are_not_recorded(shop, ps, watching, poll):
    shop.prestashop_shop_id = 2
    shop.save()
    ps.order.update(current_state=str(AWAITING_BANK_WIRE), id_shop="1")
    ps.add_history(51, 73, AWAITING_BANK_WIRE)

    poll()

    assert not PendingOrder.objects.exists()
