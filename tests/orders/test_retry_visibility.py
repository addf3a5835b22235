"""A retried order push shows why and when on the order link and once in the activity log."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Ignore, Retry
from django.urls import reverse
from django.utils import timezone

from sync.models import ActivityEntry
from sync.models.orders import OrderLink
from sync.tasks.base import MAX_RETRIES
from sync.tasks.orders import order_sync_task

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def countdowns(celery_retries):
    """The countdowns the task asked Celery for; the retry itself is not run."""
    return celery_retries


@pytest.fixture
def order_to_create(shop, ps, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    shop.processing_state_ids = []
    shop.save()
    ps.add_history(100, 73, 2)
    return shop


def run_try(shop, retries: int) -> None:
    """One run of the task as Celery's retry number `retries` (0 is the first try)."""
    order_sync_task.push_request(retries=retries)
    try:
        order_sync_task(shop.pk, 73)
    finally:
        order_sync_task.pop_request()


def warnings():
    return list(ActivityEntry.objects.filter(level="warning").order_by("id"))


def test_a_500_on_create_shows_reason_next_try_and_attempt_then_success_clears_it(
    order_to_create, picqer, countdowns, rsps
):
    shop = order_to_create
    picqer.server_errors_before_create = 2

    before = timezone.now()
    with pytest.raises(Retry):
        run_try(shop, retries=0)

    link = OrderLink.objects.get(shop=shop, ps_order_id=73)
    assert link.state == OrderLink.State.PUSHING
    assert "HTTP 500" in link.last_error
    assert "Unknown application error" in link.last_error
    assert link.retries == 1
    assert before + timedelta(seconds=countdowns[0]) <= link.next_attempt_at
    assert link.next_attempt_at <= timezone.now() + timedelta(seconds=countdowns[0])
    (warning,) = warnings()
    local_due = link.next_attempt_at.astimezone(AMSTERDAM).strftime("%H:%M:%S")
    assert warning.action == "order_retry"
    assert warning.message == (
        f"Order DEV #73 / ITQRFWVHT: {link.last_error}; next try at {local_due} "
        f"(attempt 1 of {MAX_RETRIES + 1} failed)"
    )
    assert (warning.shop_id, warning.ps_order_id) == (shop.pk, 73)
    assert warning.details["next_attempt_at"] == link.next_attempt_at.isoformat()

    calls_before = len(rsps.calls)
    with pytest.raises(Retry):
        run_try(shop, retries=1)

    link.refresh_from_db()
    assert link.retries == 2
    # The second try read PrestaShop, searched Picqer by reference and posted again: many
    # HTTP calls, one warning.
    assert len(rsps.calls) - calls_before > 2
    first, second = warnings()
    assert first.message.endswith(f"(attempt 1 of {MAX_RETRIES + 1} failed)")
    assert second.message.endswith(f"(attempt 2 of {MAX_RETRIES + 1} failed)")

    run_try(shop, retries=2)

    link.refresh_from_db()
    assert link.state == OrderLink.State.CREATED
    assert (link.last_error, link.next_attempt_at, link.retries) == ("", None, 0)
    assert len(picqer.created) == 1
    assert len(warnings()) == 2  # success adds none


def test_the_reason_column_says_why_and_when_the_next_try_is(
    order_to_create, picqer, countdowns, admin_client
):
    picqer.server_errors_before_create = 1
    with pytest.raises(Retry):
        run_try(order_to_create, retries=0)
    link = OrderLink.objects.get(shop=order_to_create, ps_order_id=73)

    page = admin_client.get(reverse("admin:sync_orderlink_changelist")).content.decode()

    local_due = link.next_attempt_at.astimezone(AMSTERDAM).strftime("%H:%M:%S")
    assert "HTTP 500" in page
    assert f"next try at {local_due}" in page


def test_giving_up_records_the_final_reason_as_failed(order_to_create, picqer, countdowns):
    picqer.server_errors_before_create = 1
    with pytest.raises(Retry):
        run_try(order_to_create, retries=0)
    picqer.server_errors_before_create = 1

    with pytest.raises(Ignore):
        run_try(order_to_create, retries=MAX_RETRIES)

    link = OrderLink.objects.get(shop=order_to_create, ps_order_id=73)
    assert link.state == OrderLink.State.FAILED
    assert link.last_error.startswith(f"Gave up after {MAX_RETRIES + 1} attempts: ")
    assert "HTTP 500" in link.last_error
    assert link.next_attempt_at is None
    failed = ActivityEntry.objects.get(action="order_failed")
    assert failed.level == "error" and "HTTP 500" in failed.message
