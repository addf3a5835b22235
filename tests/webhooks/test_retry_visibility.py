"""A webhook event whose handler hits a Picqer 500 shows why and when it is retried."""

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from sync.models import ActivityEntry
from webhooks.models import WebhookEvent
from webhooks.processing import MAX_ATTEMPTS, webhook_event_run

from .conftest import fixture_body

pytestmark = pytest.mark.django_db
State = WebhookEvent.State
PICQER = "https://example.picqer.com/api/v1/"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ORDER_URL = f"{PICQER}orders/240350427"


@pytest.fixture
def status_event(account, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    return WebhookEvent.objects.create(
        account=account,
        event="orders.status_changed",
        dedupe_key="k-500",
        object_ref="idorder=240350427",
        body=fixture_body("orders.status_changed__completed"),
    )


def picqer_fails(rsps) -> None:
    body = (FIXTURES / "picqer" / "error_server.json").read_text()
    rsps.add("GET", ORDER_URL, status=500, body=body, content_type="application/json")


def test_a_500_records_reason_next_try_and_attempt_once_per_retry_and_success_clears_it(
    status_event, rsps
):
    picqer_fails(rsps)

    assert webhook_event_run(event_id=status_event.pk) is not None
    assert webhook_event_run(event_id=status_event.pk) is not None

    status_event.refresh_from_db()
    assert status_event.state == State.PENDING
    assert status_event.last_error == "Picqer: Unknown application error (HTTP 500, error code 1)"
    assert status_event.attempts == 2
    assert status_event.next_attempt_at == status_event.available_at
    retries = list(ActivityEntry.objects.filter(level="warning").order_by("id"))
    assert [entry.action for entry in retries] == ["webhook_retry", "webhook_retry"]
    local_due = status_event.next_attempt_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert retries[1].message == (
        "Picqer orders.status_changed (idorder=240350427): Picqer: Unknown application error "
        f"(HTTP 500, error code 1); next try at {local_due:%H:%M:%S} "
        f"(attempt 2 of {MAX_ATTEMPTS} failed)"
    )
    assert retries[1].account_id == status_event.account_id

    order = json.loads((FIXTURES / "stock" / "picqer_order.json").read_text())
    rsps.replace("GET", ORDER_URL, json=order)
    assert webhook_event_run(event_id=status_event.pk) is None

    status_event.refresh_from_db()
    assert status_event.state in (State.DONE, State.IGNORED)
    assert (status_event.last_error, status_event.next_attempt_at) == ("", None)
    assert ActivityEntry.objects.filter(action="webhook_retry").count() == 2  # none added


def test_the_event_list_shows_the_reason_and_the_next_try(status_event, rsps, admin_client):
    picqer_fails(rsps)
    webhook_event_run(event_id=status_event.pk)
    status_event.refresh_from_db()

    page = admin_client.get(reverse("admin:webhooks_webhookevent_changelist")).content.decode()

    local_due = status_event.next_attempt_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert f"(HTTP 500, error code 1); next try at {local_due:%H:%M:%S}" in page


def test_giving_up_fails_the_event_with_the_last_reason(status_event, rsps):
    picqer_fails(rsps)
    WebhookEvent.objects.filter(pk=status_event.pk).update(attempts=MAX_ATTEMPTS - 1)

    assert webhook_event_run(event_id=status_event.pk) is None

    status_event.refresh_from_db()
    assert status_event.state == State.FAILED
    assert status_event.last_error == (
        f"gave up after {MAX_ATTEMPTS} attempts: "
        "Picqer: Unknown application error (HTTP 500, error code 1)"
    )
    assert status_event.next_attempt_at is None
    assert not ActivityEntry.objects.filter(level="warning").exists()
    assert ActivityEntry.objects.get(level="error").action == "webhook_failed"


def test_a_key_echoed_in_the_error_never_reaches_the_reason_or_the_log(status_event, rsps):
    api_key = status_event.account.api_key
    rsps.add(
        "GET",
        ORDER_URL,
        status=500,
        json={
            "error": True,
            "error_code": 1,
            "error_message": f"bad token {api_key} for example",
        },
    )

    webhook_event_run(event_id=status_event.pk)

    status_event.refresh_from_db()
    (warning,) = ActivityEntry.objects.filter(action="webhook_retry")
    assert "bad token *** for example" in status_event.last_error
    assert api_key not in status_event.last_error
    assert api_key not in warning.message
    assert api_key not in json.dumps(warning.details)
