"""Retried stock work shows why and when: one warning per retried product write, and the full
sync run's status page and JSON say "waiting to retry: …, next attempt at …"."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import requests
from celery.exceptions import Ignore, Retry
from django.urls import reverse

from sync.models import ActivityEntry
from sync.models.stock import SyncRun
from sync.services.stock import stock_sync_request
from sync.tasks.base import MAX_RETRIES
from sync.tasks.stock import stock_sync_full_task, stock_sync_product_task

from .conftest import PICQER, seed_simple

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UNREACHABLE = "Picqer: could not connect to example.picqer.com"


@pytest.fixture(autouse=True)
def _local_time(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"


def local_clock(moment) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%H:%M:%S")


def product_try(shop, retries: int):
    stock_sync_product_task.push_request(retries=retries)
    try:
        return stock_sync_product_task(shop.pk, 138)
    finally:
        stock_sync_product_task.pop_request()


def test_a_stock_write_answered_500_warns_once_per_retry_with_the_next_try(
    shop, ps, picqer, celery_retries
):
    picqer.add_product("6531-RB-7-9", 138, 35, 7)
    seed_simple(ps, 1, "6531-RB-7-9", 10)
    ps.refuse[("stock_availables", 1)] = ("2", "[PHP Warning #2] database gone")

    with pytest.raises(Retry):
        product_try(shop, retries=0)

    (warning,) = ActivityEntry.objects.filter(level="warning")
    assert warning.action == "stock_update_retry"
    assert "HTTP 500" in warning.details["reason"]
    assert warning.details["attempt"] == 1
    assert warning.details["max_attempts"] == MAX_RETRIES + 1
    assert celery_retries[0] > 0
    assert warning.message == (
        "Stock of Picqer product 138: PrestaShop: [PHP Warning #2] database gone "
        "(HTTP 500, error code 2); next try at "
        f"{local_clock(datetime.fromisoformat(warning.details['next_attempt_at']))}"
        f" (attempt 1 of {MAX_RETRIES + 1} failed)"
    )

    # The last retry gives up: an error with the reason, no further warning.
    with pytest.raises(Ignore):
        product_try(shop, retries=MAX_RETRIES)
    failed = ActivityEntry.objects.get(action="stock_update_failed")
    assert failed.level == "error"
    assert f"not updated after {MAX_RETRIES + 1} attempts" in failed.message
    assert "HTTP 500" in failed.message
    assert ActivityEntry.objects.filter(level="warning").count() == 1

    del ps.refuse[("stock_availables", 1)]
    assert product_try(shop, retries=0) == "6531-RB-7-9: set to 42"
    assert ActivityEntry.objects.filter(level="warning").count() == 1


@pytest.fixture
def unreachable_picqer(rsps):
    rsps.add("GET", f"{PICQER}products", body=requests.exceptions.ConnectionError("refused"))


@pytest.fixture
def waiting_run(shop, unreachable_picqer, celery_retries):
    """A full sync whose first try found Picqer unreachable; its retry is scheduled."""
    with mock.patch.object(stock_sync_full_task, "apply_async"):
        run = stock_sync_request(shop=shop, trigger="url")
    stock_sync_full_task.apply(args=(run.pk,))
    run.refresh_from_db()
    return run


def status_url(shop, run) -> str:
    return reverse("stock_sync_status", args=[shop.pk, run.pk]) + f"?token={shop.full_sync_token}"


def test_a_full_sync_against_an_unreachable_picqer_records_the_retry(shop, waiting_run):
    assert waiting_run.state == SyncRun.State.RUNNING
    assert waiting_run.last_error == UNREACHABLE
    assert waiting_run.attempts == 1
    assert waiting_run.next_attempt_at == waiting_run.heartbeat_at
    assert waiting_run.waiting_to_retry
    (warning,) = ActivityEntry.objects.filter(level="warning")
    assert warning.action == "stock_sync_retry"
    assert warning.message == (
        f"Full stock sync {waiting_run.pk} of Dev shop: {UNREACHABLE}; next try at "
        f"{local_clock(waiting_run.next_attempt_at)} (attempt 1 of {MAX_RETRIES + 1} failed)"
    )


def test_the_status_page_and_json_say_it_is_waiting_to_retry(client, shop, waiting_run):
    due = local_clock(waiting_run.next_attempt_at)

    page = client.get(status_url(shop, waiting_run), HTTP_ACCEPT="text/html").content.decode()
    body = client.get(status_url(shop, waiting_run), HTTP_ACCEPT="application/json").json()

    assert f"Waiting to retry: {UNREACHABLE}, next attempt at {due}." in page
    assert body["status"] == "running"
    assert body["waiting_to_retry"] is True
    assert body["reason"] == UNREACHABLE
    assert body["next_attempt_at"] == (
        waiting_run.next_attempt_at.astimezone(AMSTERDAM).isoformat(timespec="seconds")
    )
    assert body["message"] == f"waiting to retry: {UNREACHABLE}, next attempt at {due}"


def test_the_run_admin_shows_the_reason_and_next_try(admin_client, waiting_run):
    page = admin_client.get(reverse("admin:sync_syncrun_changelist")).content.decode()
    assert f"{UNREACHABLE}; next try at {local_clock(waiting_run.next_attempt_at)}" in page


def test_a_retry_that_succeeds_clears_the_reason(client, shop, waiting_run, rsps, ps, picqer):
    rsps.remove("GET", f"{PICQER}products")  # Picqer is reachable again
    picqer.add_product("A", 1, 5)
    seed_simple(ps, 1, "A", 1)

    stock_sync_full_task.apply(args=(waiting_run.pk,), retries=1)

    waiting_run.refresh_from_db()
    assert waiting_run.state == SyncRun.State.DONE
    assert (waiting_run.last_error, waiting_run.next_attempt_at) == ("", None)
    body = client.get(status_url(shop, waiting_run), HTTP_ACCEPT="application/json").json()
    assert (body["waiting_to_retry"], body["reason"], body["next_attempt_at"]) == (
        False,
        "",
        None,
    )
    assert body["changed"] == 1


def test_giving_up_fails_the_run_with_the_final_reason(shop, waiting_run):
    stock_sync_full_task.apply(args=(waiting_run.pk,), retries=MAX_RETRIES)

    waiting_run.refresh_from_db()
    assert waiting_run.state == SyncRun.State.FAILED
    assert waiting_run.last_error == waiting_run.message == UNREACHABLE
    assert waiting_run.next_attempt_at is None
    assert ActivityEntry.objects.filter(level="warning").count() == 1  # the first retry only
