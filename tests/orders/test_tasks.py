"""The order task retries with Celery's backoff (sync/tasks/base.py) and gives up visibly."""

import pytest
from celery.exceptions import Ignore, Retry

from sync.http.errors import ApiClientError, ApiRateLimitedError, ApiServerError
from sync.models.orders import OrderLink
from sync.services import orders as service
from sync.tasks.base import MAX_RETRIES, RETRY_MIN_SECONDS
from sync.tasks.orders import order_sync_task

pytestmark = pytest.mark.django_db


def failing(monkeypatch, exc):
    def order_sync(**kwargs):
        raise exc

    monkeypatch.setattr(service, "order_sync", order_sync)


def run_try(shop, retries: int) -> None:
    order_sync_task.push_request(retries=retries)
    try:
        order_sync_task(shop.pk, 73)
    finally:
        order_sync_task.pop_request()


def test_rate_limit_retries_after_the_time_picqer_asked_for(shop, monkeypatch, celery_retries):
    failing(monkeypatch, ApiRateLimitedError("slow down", retry_after=42, status=429))

    with pytest.raises(Retry):
        order_sync_task(shop.pk, 73)

    assert celery_retries == [42]


def test_server_errors_retry_with_celerys_jittered_backoff(shop, monkeypatch, celery_retries):
    failing(monkeypatch, ApiServerError("boom", status=502))

    for attempt in (0, 3):
        with pytest.raises(Retry):
            run_try(shop, retries=attempt)

    # Celery's full jitter draws from 0 to 15 * 2**retries s; never sooner than the floor.
    assert RETRY_MIN_SECONDS <= celery_retries[0] <= 15
    assert RETRY_MIN_SECONDS <= celery_retries[1] <= 120


def test_a_busy_order_is_retried_shortly_and_not_recorded(shop, monkeypatch, celery_retries):
    link = OrderLink.objects.create(shop=shop, ps_order_id=73, state=OrderLink.State.PUSHING)
    failing(monkeypatch, service.OrderBusyError("busy"))

    with pytest.raises(Retry):
        order_sync_task(shop.pk, 73)

    assert celery_retries == [30]
    link.refresh_from_db()
    assert (link.last_error, link.next_attempt_at) == ("", None)


def test_after_the_last_retry_the_link_fails_visibly(shop, monkeypatch, celery_retries):
    link = OrderLink.objects.create(
        shop=shop, ps_order_id=73, state=OrderLink.State.PUSHING, attempts=1
    )
    failing(monkeypatch, ApiServerError("Picqer is mistaken", status=500))

    with pytest.raises(Ignore):  # the task ends; the failure is on the link
        run_try(shop, retries=MAX_RETRIES)

    link.refresh_from_db()
    assert link.state == OrderLink.State.FAILED
    assert "Picqer is mistaken" in link.last_error
    assert celery_retries == []


def test_other_client_errors_are_not_retried_but_recorded(shop, monkeypatch, celery_retries):
    link = OrderLink.objects.create(shop=shop, ps_order_id=73, state=OrderLink.State.PUSHING)
    failing(monkeypatch, ApiClientError("bad", status=400))

    order_sync_task(shop.pk, 73)

    assert celery_retries == []
    link.refresh_from_db()
    assert link.state == OrderLink.State.FAILED
    assert link.last_error == "Gave up after 1 attempts: bad (HTTP 400)"
