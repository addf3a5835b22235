"""The inbox drain: one broker message per burst of deliveries, every due event run once."""

import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from sync.clients.errors import ApiServerError
from webhooks.models import WebhookEvent
from webhooks.processing import webhook_events_drain
from webhooks.services import DRAIN_SCHEDULED_KEY

from .conftest import make_event, payload

State = WebhookEvent.State
pytestmark = pytest.mark.django_db


def _delivery(n: int) -> str:
    body = payload("orders.status_changed__completed")
    body["data"]["idorder"] = n
    return json.dumps(body)


def test_a_burst_of_deliveries_publishes_one_drain(
        deliver, woken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [deliver(_delivery(n)).status_code for n in range(5)]

    assert statuses == [200] * 5
    assert WebhookEvent.objects.count() == 5
    assert woken == [True]


def test_the_drain_runs_every_due_event_once_and_clears_the_flag(account, handler):
    events = [make_event(account, key=f"k{n}") for n in range(3)]
    later = make_event(account, key="later",
                       available_at=timezone.now() + timezone.timedelta(minutes=5))
    cache.add(DRAIN_SCHEDULED_KEY, 1, 10)

    assert webhook_events_drain() == 3

    assert [e.state for e in WebhookEvent.objects.filter(pk__in=[e.pk for e in events])] == \
        [State.DONE] * 3
    assert WebhookEvent.objects.get(pk=later.pk).state == State.PENDING  # not due yet
    assert len(handler.calls) == 3
    assert cache.get(DRAIN_SCHEDULED_KEY) is None  # the next delivery wakes a new drain


def test_a_delivery_after_the_drain_started_wakes_another(
        deliver, woken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_delivery(1))
    webhook_events_drain()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_delivery(2))

    assert woken == [True, True]


def test_a_retryable_error_in_the_drain_schedules_that_event_alone(
        account, handler, published):
    handler.effect = ApiServerError("Picqer answered 503", status=503)
    event = make_event(account)

    webhook_events_drain()

    event.refresh_from_db()
    assert event.state == State.PENDING
    assert event.available_at > timezone.now()
    assert published == [event.pk]


def test_an_event_is_claimed_by_one_drain_only(account, handler):
    make_event(account)
    assert webhook_events_drain() == 1
    assert webhook_events_drain() == 0
    assert len(handler.calls) == 1
