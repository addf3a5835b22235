"""Claiming, dispatching, retrying, sweeping inbox events (docs/sources.md#design-webhook-inbox)."""

import json
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from sync.http.errors import ApiAuthError, ApiRateLimitedError, ApiServerError
from sync.models import ActivityEntry
from webhooks import processing
from webhooks.models import WebhookEvent
from webhooks.processing import MAX_ATTEMPTS, Outcome, webhook_event_run, webhook_events_sweep
from webhooks.tasks import webhook_event_process

from .conftest import TEST_EVENT, make_event, payload

pytestmark = pytest.mark.django_db
State = WebhookEvent.State


@pytest.fixture
def retries(monkeypatch):
    """Capture self.retry(countdown=…) of the processing task (Celery's documented way)."""
    countdowns: list[float] = []

    def _retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        raise Retry()

    monkeypatch.setattr(webhook_event_process, "retry", _retry)
    return countdowns


def test_it_processes_a_pending_event_and_records_the_result(account, handler):
    event = make_event(account)
    webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.state == State.DONE
    assert event.result == "did the thing"
    assert event.attempts == 1
    assert event.processed_at is not None
    assert handler.calls == [(account.pk, event.payload)]


def test_it_runs_an_event_only_once_while_it_is_claimed(account, handler, monkeypatch):
    event = make_event(account)
    nested = []

    def reentrant(*, account, payload):
        # A duplicate message (or the sweeper) arrives while the first run is busy.
        nested.append(webhook_event_run(event_id=event.pk))
        return Outcome("first run")

    monkeypatch.setitem(processing.HANDLERS, TEST_EVENT, reentrant)
    webhook_event_run(event_id=event.pk)

    assert nested == [None]
    event.refresh_from_db()
    assert (event.state, event.result, event.attempts) == (State.DONE, "first run", 1)


def test_it_does_not_run_a_finished_event_again(account, handler):
    event = make_event(account)
    webhook_event_run(event_id=event.pk)
    webhook_event_run(event_id=event.pk)
    assert len(handler.calls) == 1


def test_it_returns_quietly_for_a_row_that_does_not_exist(db):
    assert webhook_event_run(event_id=999_999) is None


def test_it_ignores_unknown_events_with_a_reason(account):
    event = make_event(account, event="tasks.created")
    webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.state == State.IGNORED
    assert event.result == "no handler for event tasks.created"
    assert event.last_error == ""


def test_it_marks_ignored_when_the_service_found_nothing_to_do(account, monkeypatch):
    monkeypatch.setitem(
        processing.HANDLERS,
        TEST_EVENT,
        lambda **kw: Outcome("ignored: reference 'X' is not a PrestaPicqer one", ignored=True),
    )
    event = make_event(account)
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert event.state == State.IGNORED
    assert event.result == "ignored: reference 'X' is not a PrestaPicqer one"


def test_it_marks_ignored_when_the_handler_says_so(account, monkeypatch):
    monkeypatch.setitem(
        processing.HANDLERS,
        TEST_EVENT,
        lambda **kw: Outcome("payload has no idorder", ignored=True),
    )
    event = make_event(account)
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert (event.state, event.result) == (State.IGNORED, "payload has no idorder")


def test_it_puts_a_retryable_error_back_to_pending_and_retries(account, handler, retries):
    handler.effect = ApiServerError("answered HTTP 502", status=502, service="Picqer")
    event = make_event(account)

    with pytest.raises(Retry):
        webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.state == State.PENDING
    assert event.last_error == "Picqer: answered HTTP 502"
    assert event.claimed_at is None
    assert len(retries) == 1
    assert 0 < retries[0] <= processing.BACKOFF_MAX_SECONDS
    # The sweeper will not re-publish it before the retry is due.
    assert event.available_at > timezone.now()


def test_it_waits_as_long_as_a_rate_limit_asks(account, handler, retries):
    handler.effect = ApiRateLimitedError("Rate limit exceeded", retry_after=45, status=429)
    event = make_event(account)

    with pytest.raises(Retry):
        webhook_event_process(event.pk)
    assert retries[0] >= 45


def test_it_backs_off_exponentially_within_the_cap():
    ceilings = [processing.retry_countdown(attempts=n) for n in range(1, 12)]
    assert all(0 < c <= processing.BACKOFF_MAX_SECONDS for c in ceilings)
    assert processing.retry_countdown(attempts=20) >= processing.BACKOFF_MAX_SECONDS / 2
    for n in range(1, 12):  # each attempt waits between half and all of base * 2^(n-1)
        ceiling = min(
            processing.BACKOFF_MAX_SECONDS, processing.BACKOFF_BASE_SECONDS * 2 ** (n - 1)
        )
        assert ceiling / 2 <= processing.retry_countdown(attempts=n) <= ceiling


def test_it_fails_a_permanent_error_with_the_reason(account, handler, retries):
    handler.effect = ApiAuthError("wrong API key", status=401, service="Picqer")
    event = make_event(account)
    webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.state == State.FAILED
    assert "wrong API key" in event.last_error
    assert retries == []
    entry = ActivityEntry.objects.get(action="webhook_failed")
    assert entry.level == "error" and entry.account == account


def test_it_fails_a_crashing_handler_instead_of_losing_it(account, handler):
    handler.effect = KeyError("status")
    event = make_event(account)
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert event.state == State.FAILED
    assert "KeyError" in event.last_error


def test_it_gives_up_after_the_last_attempt(account, handler, retries):
    handler.effect = ApiServerError("answered HTTP 503", status=503)
    event = make_event(account, attempts=MAX_ATTEMPTS - 1)
    webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.state == State.FAILED
    assert f"gave up after {MAX_ATTEMPTS} attempts" in event.last_error
    assert retries == []


def test_it_does_not_run_an_event_that_keeps_killing_workers(account, handler):
    event = make_event(account, attempts=MAX_ATTEMPTS)
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert event.state == State.FAILED
    assert handler.calls == []


def test_it_does_not_rerun_a_failed_event_on_a_stray_message(account, handler):
    handler.effect = ApiAuthError("wrong API key", status=401)
    event = make_event(account)
    webhook_event_run(event_id=event.pk)
    webhook_event_run(event_id=event.pk)
    assert len(handler.calls) == 1
    assert ActivityEntry.objects.filter(action="webhook_failed").count() == 1


def test_it_can_process_a_failed_event_again_after_requeue(account, handler, published):
    from webhooks.receiver import webhook_events_requeue

    handler.effect = ApiAuthError("wrong API key", status=401)
    event = make_event(account)
    webhook_event_run(event_id=event.pk)
    handler.effect = None
    assert webhook_events_requeue(event_ids=[event.pk]) == 1
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert (event.state, event.last_error) == (State.DONE, "")


def test_it_does_not_record_an_outcome_for_a_lease_it_lost(account, monkeypatch):
    event = make_event(account)

    def slow(*, account, payload):
        # Meanwhile the lease expired and another worker took the event over.
        WebhookEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now() + timedelta(1))
        return Outcome("late result")

    monkeypatch.setitem(processing.HANDLERS, TEST_EVENT, slow)
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert event.state == State.PROCESSING
    assert event.result == ""


class TestSweep:
    def test_it_republishes_events_pending_past_the_grace_period(self, account, published):
        old = make_event(account, key="old", available_at=timezone.now() - timedelta(minutes=2))
        make_event(account, key="fresh")

        counts = webhook_events_sweep()

        assert published == [old.pk]
        assert counts["published"] == 1

    def test_it_does_not_republish_the_same_event_every_minute(self, account, published):
        make_event(account, available_at=timezone.now() - timedelta(minutes=2))
        webhook_events_sweep()
        webhook_events_sweep(now=timezone.now() + timedelta(minutes=1))
        assert len(published) == 1
        webhook_events_sweep(now=timezone.now() + timedelta(minutes=7))
        assert len(published) == 2

    def test_it_releases_processing_leases_that_expired(self, account, published):
        stuck = make_event(
            account,
            key="stuck",
            state=State.PROCESSING,
            claimed_at=timezone.now() - timedelta(minutes=7),
        )
        busy = make_event(
            account,
            key="busy",
            state=State.PROCESSING,
            claimed_at=timezone.now() - timedelta(minutes=5),
        )

        counts = webhook_events_sweep()

        stuck.refresh_from_db()
        busy.refresh_from_db()
        assert stuck.state == State.PENDING and busy.state == State.PROCESSING
        assert published == [stuck.pk]
        assert counts["released"] == 1

    def test_it_leaves_finished_and_failed_events_alone(self, account, published):
        old = timezone.now() - timedelta(hours=1)
        for key, state in (("a", State.DONE), ("b", State.IGNORED), ("c", State.FAILED)):
            make_event(account, key=key, state=state, available_at=old)
        webhook_events_sweep()
        assert published == []

    def test_it_stops_publishing_while_the_broker_is_down(self, account, broker_down):
        for key in ("a", "b", "c"):
            make_event(account, key=key, available_at=timezone.now() - timedelta(minutes=5))
        counts = webhook_events_sweep()
        assert counts == {"released": 0, "published": 0, "due": 3, "purged": 0}
        assert WebhookEvent.objects.filter(state=State.PENDING).count() == 3

    def test_it_purges_finished_events_past_retention(self, account, published, settings):
        settings.WEBHOOK_EVENT_RETENTION_DAYS = 30
        long_ago = timezone.now() - timedelta(days=31)
        make_event(account, key="old-done", state=State.DONE, received_at=long_ago)
        make_event(account, key="old-failed", state=State.FAILED, received_at=long_ago)
        make_event(account, key="new-done", state=State.DONE)

        assert webhook_events_sweep()["purged"] == 1
        assert set(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == {
            "old-failed",
            "new-done",
        }


def test_broker_outage_end_to_end(
    deliver, broker_down, monkeypatch, handler, django_capture_on_commit_callbacks
):
    """C1: broker down at the webhook → 200, row pending; broker back → sweeper publishes →
    processed exactly once."""
    body = payload("orders.status_changed__completed")
    body["event"] = TEST_EVENT

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(json.dumps(body)).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.state == State.PENDING

    # The broker is back: a publish now runs the task (as a worker would).
    monkeypatch.setattr(
        webhook_event_process,
        "apply_async",
        lambda args, countdown=None: webhook_event_process(*args),
    )
    webhook_events_sweep(now=timezone.now() + timedelta(minutes=2))
    webhook_events_sweep(now=timezone.now() + timedelta(minutes=3))

    event.refresh_from_db()
    assert event.state == State.DONE
    assert len(handler.calls) == 1
