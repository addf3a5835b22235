"""Fixtures for the cockpit and the alerts: rows shaped like the engine writes them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sync.models import ActivityEntry, OrderLink
from tests.orders.conftest import enqueued  # noqa: F401 - the same recorder of order tasks


def at(entry_or_row, moment):
    """Move an auto_now(_add) timestamp: the model fields cannot be set on create."""
    model = type(entry_or_row)
    field = "created_at" if model is ActivityEntry else "updated_at"
    model.objects.filter(pk=entry_or_row.pk).update(**{field: moment})
    return moment


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def failed_order(shop, now):
    link = OrderLink.objects.create(
        shop=shop,
        ps_order_id=5,
        ps_reference="KHWLILZLL",
        state=OrderLink.State.FAILED,
        attempts=3,
        last_error="Gave up after retries: Picqer: Internal Server Error (HTTP 500)",
    )
    at(link, now - timedelta(minutes=20))
    return link


@pytest.fixture
def pushed(shop, now):
    """Two orders pushed two hours ago, one yesterday, one eight days ago (outside)."""

    def push(ps_order_id, hours_ago):
        entry = ActivityEntry.objects.create(
            action="order_created",
            message="Created Picqer order",
            shop=shop,
            account=shop.account,
            ps_order_id=ps_order_id,
        )
        at(entry, now - timedelta(hours=hours_ago, minutes=1))

    push(10, 2)
    push(11, 2)
    push(12, 26)
    push(13, 8 * 24)
