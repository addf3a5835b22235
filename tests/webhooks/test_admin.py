"""The inbox in the admin: readable, searchable, and "process again" re-queues."""

import pytest
from django.urls import reverse

from webhooks.models import WebhookEvent

from .conftest import fixture_body

pytestmark = pytest.mark.django_db
State = WebhookEvent.State


@pytest.fixture
def events(account):
    def make(key, state):
        return WebhookEvent.objects.create(
            account=account,
            event="orders.status_changed",
            dedupe_key=key,
            state=state,
            object_ref="idorder=240350427",
            body=fixture_body("orders.status_changed__completed"),
            attempts=3,
            last_error="ApiAuthError: wrong key" if state == State.FAILED else "",
        )

    return {
        "failed": make("f", State.FAILED),
        "busy": make("b", State.PROCESSING),
        "done": make("d", State.DONE),
    }


def test_it_lists_and_searches_events_without_secrets(admin_client, events):
    url = reverse("admin:webhooks_webhookevent_changelist")
    response = admin_client.get(url, {"q": "240350427", "state__exact": "failed"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "wrong key" in content
    assert "hook-secret-abc" not in content


def test_it_shows_an_event_read_only(admin_client, events):
    url = reverse("admin:webhooks_webhookevent_change", args=[events["failed"].pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"O2026-1002" in response.content  # the payload, pretty-printed
    assert b'name="_save"' not in response.content


def test_it_cannot_add_or_delete_events(admin_client, events):
    assert admin_client.get(reverse("admin:webhooks_webhookevent_add")).status_code == 403
    delete = reverse("admin:webhooks_webhookevent_delete", args=[events["done"].pk])
    assert admin_client.get(delete).status_code == 403


def test_process_again_requeues_all_but_running_events(
    admin_client, events, published, django_capture_on_commit_callbacks
):
    url = reverse("admin:webhooks_webhookevent_changelist")
    ids = [e.pk for e in events.values()]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "process_again", "_selected_action": ids}, follow=True
        )

    assert response.status_code == 200
    failed = WebhookEvent.objects.get(pk=events["failed"].pk)
    assert (failed.state, failed.attempts, failed.last_error) == (State.PENDING, 0, "")
    assert WebhookEvent.objects.get(pk=events["busy"].pk).state == State.PROCESSING
    assert sorted(published) == sorted([events["failed"].pk, events["done"].pk])
    assert b"2 events queued for processing." in response.content
    assert b"1 event is being processed right now and was left alone." in response.content


def test_process_again_from_a_list_filtered_by_state_counts_the_selection(
    admin_client, account, published, django_capture_on_commit_callbacks
):
    """The "ignored" list no longer holds the rows once they are pending again: the skipped
    count is taken from the selection, not from the list after requeueing (was "-1")."""
    ignored = WebhookEvent.objects.create(
        account=account,
        event="orders.status_changed",
        dedupe_key="i",
        state=State.IGNORED,
        object_ref="idorder=240350427",
        body=fixture_body("orders.status_changed__completed"),
    )
    url = reverse("admin:webhooks_webhookevent_changelist") + "?state__exact=ignored"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "process_again", "_selected_action": [ignored.pk]}, follow=True
        )

    content = response.content.decode()
    assert "1 event queued for processing." in content
    assert "-1 event" not in content and "left alone" not in content
    assert published == [ignored.pk]
