"""Each PrestaShop record is read once per push: the poller's rows are passed on, the order
read for the content also serves the back-reference, the customer is not read twice."""

import pytest

from sync.models.orders import OrderLink, PollCursor
from sync.services.orders import order_sync, orders_poll

pytestmark = pytest.mark.django_db


@pytest.fixture
def polled(shop, ps, enqueued, django_capture_on_commit_callbacks):
    """Order 73 reached status 2 (create and process) after the cursor; the poll ran."""
    PollCursor.objects.create(shop=shop, start_history_id=50, last_history_id=50)
    shop.processing_state_ids = [2]
    shop.save()
    ps.add_history(51, 73, 2)
    with django_capture_on_commit_callbacks(execute=True):
        orders_poll(shop_id=shop.pk)
    assert enqueued == [("order_sync_task", (shop.pk, 73))]


def ps_calls(rsps) -> list[str]:
    return [
        f"{c.request.method} {c.request.url.split('?')[0].split('/api/')[1]}"
        for c in rsps.calls
        if "shop.example.com" in c.request.url
    ]


@pytest.mark.parametrize("version", ["1.7.8.11", "8.1.5"])
def test_a_push_after_a_poll_reads_each_prestashop_record_once(
    shop, ps, picqer, rsps, polled, version
):
    ps.version = version
    order_sync(shop_id=shop.pk, ps_order_id=73)  # the shop proves once that it keeps notes
    ps.add_order(74)
    ps.add_history(52, 74, 2)
    orders_poll(shop_id=shop.pk)
    rsps.calls.reset()

    assert order_sync(shop_id=shop.pk, ps_order_id=74) == OrderLink.State.CREATED

    calls = ps_calls(rsps)
    assert not [c for c in calls if "order_histories" in c]
    assert calls.count("GET customers/4") == 1
    expected_order_reads = 2 if version.startswith("1.") else 1  # PUT needs a fresh read
    assert calls.count("GET orders/74") == expected_order_reads
    assert OrderLink.objects.get(shop=shop, ps_order_id=74).picqer_status == "processing"
    assert "O2026" in ps.records["orders"]["74"]["note"]


def test_without_the_poller_rows_the_rules_read_the_histories(shop, ps, picqer, rsps):
    ps.add_history(100, 73, 2)

    order_sync(shop_id=shop.pk, ps_order_id=73)

    assert [c for c in ps_calls(rsps) if "order_histories" in c]


def test_a_shop_that_drops_the_note_is_still_read_back(shop, ps, picqer, rsps, polled):
    ps.version, ps.keeps_note = "1.7.8.11", False

    order_sync(shop_id=shop.pk, ps_order_id=73)

    assert ps.private_messages() and "O2026" in ps.private_messages()[-1]
