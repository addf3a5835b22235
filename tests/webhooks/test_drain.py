"""The inbox drain: one broker message per burst of deliveries, every due event run once."""

import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from sync.http.errors import ApiServerError
from webhooks.models import WebhookEvent
from webhooks.processing import webhook_events_drain
from webhooks.receiver import DRAIN_SCHEDULED_KEY

from .conftest import make_event, payload

State = WebhookEvent.State
pytestmark = pytest.mark.django_db


def _delivery(n: int) -> str:
    body = payload("orders.status_changed__completed")
    body["data"]["idorder"] = n
    return json.dumps(body)


def test_a_burst_of_deliveries_publishes_one_drain(
    deliver, woken, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [deliver(_delivery(n)).status_code for n in range(5)]

    assert statuses == [200] * 5
    assert WebhookEvent.objects.count() == 5
    assert woken == [True]


def test_the_drain_runs_every_due_event_once_and_clears_the_flag(account, handler):
    events = [make_event(account, key=f"k{n}") for n in range(3)]
    later = make_event(
        account, key="later", available_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    cache.add(DRAIN_SCHEDULED_KEY, 1, 10)

    assert webhook_events_drain() == 3

    assert [e.state for e in WebhookEvent.objects.filter(pk__in=[e.pk for e in events])] == [
        State.DONE
    ] * 3
    assert WebhookEvent.objects.get(pk=later.pk).state == State.PENDING  # not due yet
    assert len(handler.calls) == 3
    assert cache.get(DRAIN_SCHEDULED_KEY) is None  # the next delivery wakes a new drain


def test_a_delivery_after_the_drain_started_wakes_another(
    deliver, woken, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_delivery(1))
    webhook_events_drain()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_delivery(2))

    assert woken == [True, True]


def test_a_retryable_error_in_the_drain_schedules_that_event_alone(account, handler, published):
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


def test_concurrent_drains_claim_disjoint_batches(account, django_assert_num_queries):
    from webhooks.processing import DRAIN_BATCH, _claim_due

    events = [make_event(account, key=f"k{n}") for n in range(DRAIN_BATCH + 3)]

    first, second, third = _claim_due(), _claim_due(), _claim_due()

    assert [e.pk for e in first] == [e.pk for e in events[:DRAIN_BATCH]]  # oldest first
    assert [e.pk for e in second] == [e.pk for e in events[DRAIN_BATCH:]]
    assert third == []
    rows = WebhookEvent.objects.filter(pk__in=[e.pk for e in events])
    assert {(r.state, r.attempts) for r in rows} == {(State.PROCESSING, 1)}
    with django_assert_num_queries(0):  # loaded with the batch, for the handlers
        list(first[0].account.shops.all())


def _drain_queries(account, count, django_assert_max_num_queries):
    for n in range(count):
        make_event(account, key=f"n{count}-{n}")
    with django_assert_max_num_queries(1000) as captured:
        assert webhook_events_drain(linger_seconds=0) == count
    return len(captured.captured_queries)


def test_the_cost_of_a_drain_does_not_grow_with_its_events(
    account, handler, django_assert_max_num_queries
):
    # Claiming, loading accounts and recording are per batch; the handler here queries nothing.
    few = _drain_queries(account, 2, django_assert_max_num_queries)
    many = _drain_queries(account, 15, django_assert_max_num_queries)

    assert many == few
    assert len(handler.calls) == 17
    assert set(WebhookEvent.objects.values_list("state", "result")) == {
        (State.DONE, "did the thing")
    }


def test_events_not_started_before_the_deadline_are_handed_back(account, handler):
    from webhooks.processing import _claim_due, _run_batch

    make_event(account, key="a")
    make_event(account, key="b")
    batch = _claim_due()

    assert _run_batch(batch, deadline=0.0) == 0

    rows = list(WebhookEvent.objects.order_by("pk"))
    assert [(r.state, r.attempts, r.claimed_at) for r in rows] == [(State.PENDING, 0, None)] * 2
    assert handler.calls == []


def test_a_batch_does_not_record_an_outcome_for_a_lease_it_lost(account, handler, caplog):
    from webhooks.processing import _claim_due, _run_batch

    kept, lost = make_event(account, key="kept"), make_event(account, key="lost")
    batch = _claim_due()
    # The lease of one row expired and another worker claimed it in the meantime.
    WebhookEvent.objects.filter(pk=lost.pk).update(claimed_at=timezone.now())

    assert _run_batch(batch, deadline=float("inf")) == 2

    assert WebhookEvent.objects.get(pk=kept.pk).state == State.DONE
    assert WebhookEvent.objects.get(pk=lost.pk).state == State.PROCESSING  # the new owner's
    assert "webhooks.event.lease_lost 1 of 2" in caplog.text


def test_outcomes_already_reached_are_recorded_when_the_batch_is_cut_short(
    account, handler, monkeypatch
):
    from webhooks import processing

    first, second = make_event(account, key="first"), make_event(account, key="second")
    third = make_event(account, key="third")
    batch = processing._claim_due()
    calls = []

    def run(event, finish):
        calls.append(event.pk)
        if len(calls) == 2:
            raise SystemExit("worker shutting down")  # not an Exception: escapes the handler
        finish(event, State.DONE, "did the thing")

    monkeypatch.setattr(processing, "_run_claimed", run)

    with pytest.raises(SystemExit):
        processing._run_batch(batch, deadline=float("inf"))

    assert WebhookEvent.objects.get(pk=first.pk).state == State.DONE
    assert WebhookEvent.objects.get(pk=second.pk).state == State.PROCESSING  # lease expiry
    never_started = WebhookEvent.objects.get(pk=third.pk)
    assert (never_started.state, never_started.attempts) == (State.PENDING, 0)


def test_a_drain_out_of_time_hands_over_despite_its_own_flag(account, handler, woken):
    make_event(account)

    # One partial batch, then the drain waits for more holding its flag, and runs out of time.
    assert webhook_events_drain(budget_seconds=0.05) == 1

    assert woken == [True]
