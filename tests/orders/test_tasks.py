"""The order tasks map failures to Celery retries (reliability.md §3.4) and give up visibly."""

import pytest
from celery.exceptions import Retry

from sync.http.errors import ApiClientError, ApiRateLimitedError, ApiServerError
from sync.models.orders import OrderLink
from sync.services import orders as service
from sync.tasks.orders import MAX_RETRIES, order_sync_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def retries(monkeypatch):
    """Countdowns the task asked Celery for."""
    asked = []

    def retry(exc=None, countdown=None, **kwargs):
        asked.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(order_sync_task, "retry", retry)
    return asked


def failing(monkeypatch, exc):
    def order_sync(**kwargs):
        raise exc

    monkeypatch.setattr(service, "order_sync", order_sync)


def test_rate_limit_retries_after_the_time_picqer_asked_for(shop, monkeypatch, retries):
    failing(monkeypatch, ApiRateLimitedError("slow down", retry_after=42, status=429))

    with pytest.raises(Retry):
        order_sync_task(shop.pk, 73)

    assert retries == [42]


def test_server_errors_retry_with_jittered_backoff(shop, monkeypatch, retries):
    failing(monkeypatch, ApiServerError("boom", status=502))

    for attempt in (0, 3):
        order_sync_task.push_request(retries=attempt)
        try:
            with pytest.raises(Retry):
                order_sync_task(shop.pk, 73)
        finally:
            order_sync_task.pop_request()

    assert 10 <= retries[0] <= 20
    assert 10 <= retries[1] <= 90


def test_a_busy_order_is_retried_shortly(shop, monkeypatch, retries):
    failing(monkeypatch, service.OrderBusyError("busy"))

    with pytest.raises(Retry):
        order_sync_task(shop.pk, 73)

    assert retries == [30]


def test_after_the_last_retry_the_link_fails_visibly(shop, monkeypatch, retries):
    link = OrderLink.objects.create(
        shop=shop, ps_order_id=73, state=OrderLink.State.PUSHING, attempts=1
    )
    failing(monkeypatch, ApiServerError("Picqer is mistaken", status=500))

    order_sync_task.push_request(retries=MAX_RETRIES)
    try:
        order_sync_task(shop.pk, 73)
    finally:
        order_sync_task.pop_request()

    link.refresh_from_db()
    assert link.state == OrderLink.State.FAILED
    assert "Picqer is mistaken" in link.last_error
    assert retries == []


def test_other_client_errors_are_not_retried(shop, monkeypatch, retries):
    failing(monkeypatch, ApiClientError("bad", status=400))

    with pytest.raises(ApiClientError):
        order_sync_task(shop.pk, 73)

    assert retries == []
