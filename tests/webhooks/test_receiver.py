"""The receiver: guard ladder, inbox insert, publish (docs/sources.md#design-webhook-receiver)."""

import json
import logging
from unittest import mock

import pytest

from webhooks.models import WebhookEvent

from .conftest import SECRET, fixture_body, payload, sign, webhook_path

pytestmark = pytest.mark.django_db

ORDER = "orders.status_changed__completed"


def test_it_stores_a_signed_delivery_and_wakes_a_drain_after_commit(
    deliver, woken, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(fixture_body(ORDER))

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.event == "orders.status_changed"
    assert event.state == WebhookEvent.State.PENDING
    assert event.object_ref == "idorder=240350427"
    assert event.payload == payload(ORDER)
    assert len(callbacks) == 1
    assert woken == [True]


def test_it_publishes_nothing_before_the_commit(deliver, woken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliver(fixture_body(ORDER))
        assert woken == []
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,  # unsigned
        "",  # empty header
        sign(fixture_body(ORDER), "another-secret"),  # wrong secret, right format
        sign(json.dumps(payload(ORDER)).encode()),  # signed over re-serialized JSON
        sign(fixture_body(ORDER)).encode().hex(),  # hex instead of base64
        "not base64 at all",
    ],
    ids=["unsigned", "empty", "wrong-secret", "reserialized", "hex", "garbage"],
)
def test_it_refuses_forged_or_unsigned_deliveries_and_stores_nothing(
    deliver, woken, signature, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(fixture_body(ORDER), signature=signature)

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert woken == []


def test_it_never_accepts_a_signature_made_with_an_empty_secret():
    from webhooks.receiver import picqer_signature_is_valid

    body = fixture_body(ORDER)
    assert not picqer_signature_is_valid(raw_body=body, header=sign(body, ""), secret="")


def test_it_accepts_the_signature_picqer_computes():
    from webhooks.receiver import picqer_signature_is_valid

    body = fixture_body(ORDER)
    assert picqer_signature_is_valid(raw_body=body, header=sign(body), secret=SECRET)


def test_it_compares_signatures_in_constant_time(deliver):
    with mock.patch("webhooks.receiver.hmac.compare_digest", return_value=False) as compare:
        response = deliver(fixture_body(ORDER))
    assert compare.called
    assert response.status_code == 401


def test_it_logs_refusals_by_stable_name_without_secrets(deliver, caplog):
    body = fixture_body(ORDER)
    forged = sign(body, "attacker")
    with caplog.at_level(logging.DEBUG):
        deliver(body, signature=forged)
        deliver(body)

    assert "webhooks.picqer.invalid_signature" in caplog.text
    assert "webhooks.picqer.stored" in caplog.text
    for secret in (SECRET, forged, sign(body)):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"idhook": 1, "data": {}}', "no Picqer event name"),
        (b'{"event": 5}', "no Picqer event name"),
        (b'{"event": "orders.\\u0000created"}', "no Picqer event name"),
        (b"\xff\xfe garbage", "not UTF-8"),
    ],
    ids=["broken", "empty", "list", "no-event", "event-not-text", "event-with-nul", "not-utf8"],
)
def test_it_stores_signed_but_unreadable_bodies_as_ignored_and_acknowledges_them(
    deliver, woken, body, reason
):
    # Picqer retries a refused delivery for hours, then deactivates the hook
    # (docs/sources.md#picqer-webhook-delivery): a signed body is always stored and acknowledged.
    response = deliver(body)
    assert (response.status_code, response.content) == (200, b"stored_ignored")
    event = WebhookEvent.objects.get()
    assert (event.state, bytes(event.body)) == (WebhookEvent.State.IGNORED, body)
    assert event.result.startswith("ignored: ") and reason in event.result
    assert event.processed_at is not None
    assert woken == []  # nothing to process


def test_it_answers_404_for_an_unknown_account(client, account):
    body = fixture_body(ORDER)
    response = client.post(
        "/webhooks/picqer/00000000-0000-4000-8000-000000000000/",
        data=body,
        content_type="application/json",
        HTTP_X_PICQER_SIGNATURE=sign(body),
    )
    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_only_accepts_post(client, account, method):
    response = getattr(client, method)(webhook_path(account))
    assert response.status_code == 405


def test_it_answers_413_to_an_oversized_body(deliver, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    big = json.dumps({"event": "orders.status_changed", "data": {"x": "y" * 2000}}).encode()
    response = deliver(big)
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


def test_it_measures_the_real_body_not_only_the_declared_length(deliver, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    big = json.dumps({"event": "orders.status_changed", "data": {"x": "y" * 2000}}).encode()
    # Bypass the header check: the real length must still be enforced.
    with mock.patch("webhooks.receiver._declared_length", return_value=10):
        response = deliver(big)
    assert response.status_code == 413


def test_it_stores_a_duplicate_delivery_once(deliver, woken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [deliver(fixture_body(ORDER)).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert WebhookEvent.objects.count() == 1
    assert len(woken) == 1


def test_it_dedupes_a_resend_whose_bytes_differ_only_in_formatting(deliver, woken):
    first = payload(ORDER)
    deliver(json.dumps(first))
    deliver(json.dumps(first, indent=1))
    assert WebhookEvent.objects.count() == 1


def test_it_keeps_two_status_changes_in_the_same_second_apart(deliver, woken):
    # event_triggered_at has one-second resolution: processing then completed within one
    # second share the envelope, and dropping the second would lose the shipment.
    first = payload(ORDER)
    later = {**first, "data": {**first["data"], "status": "processing"}}
    deliver(json.dumps(first))
    deliver(json.dumps(later))
    assert WebhookEvent.objects.count() == 2


def test_it_keeps_different_deliveries_apart(deliver, woken):
    first = payload(ORDER)
    later = {**first, "event_triggered_at": "2026-01-13 09:50:00"}
    other_order = {**first, "data": {**first["data"], "idorder": 240350428}}
    for body in (first, later, other_order):
        assert deliver(json.dumps(body)).status_code == 200
    assert WebhookEvent.objects.count() == 3


def test_it_dedupes_deliveries_without_a_full_envelope_by_their_content(deliver, woken):
    deliver(b'{"event": "orders.status_changed", "data": {"idorder": 1}}')
    deliver(b'{"event": "orders.status_changed", "data": {"idorder": 1}}')
    deliver(b'{"event": "orders.status_changed", "data": {"idorder": 2}}')
    assert WebhookEvent.objects.count() == 2


def test_it_acknowledges_when_the_broker_is_down_and_keeps_the_event(
    deliver, broker_down, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(fixture_body(ORDER))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PENDING
    assert "webhooks.picqer.publish_failed" in caplog.text
    assert "pw@" not in caplog.text  # the broker URL (and its password) stays out of logs


def test_it_answers_503_when_the_database_fails(deliver):
    from django.db import OperationalError

    with mock.patch(
        "webhooks.receiver.WebhookEvent.objects.create",
        side_effect=OperationalError("database is locked"),
    ):
        response = deliver(fixture_body(ORDER))
    assert response.status_code == 503


def test_it_stores_unhandled_events_too(deliver, woken):
    # A valid delivery we have no handler for is acknowledged; processing marks it ignored.
    assert deliver(fixture_body("tasks.created__single")).status_code == 200
    assert WebhookEvent.objects.get().event == "tasks.created"


def test_it_publishes_nothing_when_the_transaction_rolls_back(
    account, woken, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from webhooks.receiver import webhook_event_store

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        webhook_event_store(account_id=account.pk, raw_body=fixture_body(ORDER))
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert woken == []
    assert WebhookEvent.objects.count() == 0


def test_the_webhook_view_is_csrf_exempt():
    from django.urls import resolve

    match = resolve("/webhooks/picqer/00000000-0000-4000-8000-000000000000/")
    assert getattr(match.func, "csrf_exempt", False)


def test_a_failed_wake_up_lets_the_next_delivery_try_again(
    deliver, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from webhooks.receiver import DRAIN_SCHEDULED_KEY
    from webhooks.tasks import webhook_events_drain

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(fixture_body(ORDER)).status_code == 200
    assert cache.get(DRAIN_SCHEDULED_KEY) is None  # not left claiming a drain is coming

    published = []
    monkeypatch.setattr(webhook_events_drain, "apply_async", lambda *a, **k: published.append(True))
    with django_capture_on_commit_callbacks(execute=True):
        deliver(fixture_body("picklists.shipments.created__single"))
    assert published == [True]
