"""Signed bodies the databases could not hold as JSON: stored as received on SQLite and
PostgreSQL alike (run this folder with DATABASE_URL=postgres://… for the PostgreSQL run)."""

import json

import pytest

from webhooks import receiver
from webhooks.models import WebhookEvent
from webhooks.payloads import MAX_DEPTH, delivery_read
from webhooks.processing import webhook_event_run

from .conftest import TEST_EVENT, fixture_body

pytestmark = pytest.mark.django_db
State = WebhookEvent.State
ORDER = "orders.status_changed__completed"


def order_body_with(remark: str, *, event: str = "orders.status_changed") -> bytes:
    """The order fixture with a raw JSON fragment as the order's remarks (PHP's json_encode
    writes a NUL as \\u0000 and non-ASCII as escapes, so the fragment is JSON text)."""
    text = fixture_body(ORDER).decode()
    payload = json.loads(text)
    payload["event"], payload["data"]["remarks"] = event, "@@REMARK@@"
    return json.dumps(payload).replace('"@@REMARK@@"', remark).encode()


def nested(depth: int) -> bytes:
    inner = "[" * (depth - 2) + "]" * (depth - 2)
    return (
        '{"event": "orders.status_changed", "data": {"idorder": 5, "x": ' + inner + "}}"
    ).encode()


@pytest.fixture
def cached_account(account):
    """The receiver's account cache, warm (as after a first delivery)."""
    receiver.webhook_account_get(account.webhook_key)
    assert account.webhook_key in receiver._cache
    yield account
    receiver.webhook_accounts_forget()


def test_a_nul_in_an_order_remark_is_stored_and_processed(
    deliver, woken, handler, django_capture_on_commit_callbacks
):
    body = order_body_with('"Ring twice\\u0000 please"', event=TEST_EVENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(body)
    assert (response.status_code, response.content) == (200, b"stored")
    event = WebhookEvent.objects.get()
    assert bytes(event.body) == body  # exactly as signed
    assert (event.state, event.object_ref) == (State.PENDING, "idorder=240350427")
    assert woken == [True]
    webhook_event_run(event_id=event.pk)
    event.refresh_from_db()
    assert (event.state, event.result) == (State.DONE, "did the thing")
    assert handler.calls[0][1]["data"]["remarks"] == "Ring twice\x00 please"


def test_escaped_surrogate_pairs_are_ordinary_text(deliver):
    response = deliver(order_body_with('"Bedankt \\ud83d\\ude00"'))
    assert response.content == b"stored"
    assert WebhookEvent.objects.get().payload["data"]["remarks"] == "Bedankt \U0001f600"


@pytest.mark.parametrize(
    ("remark", "reason"),
    [
        ("NaN", "NaN or Infinity"),
        ("-Infinity", "NaN or Infinity"),
        ('"\\ud800 alone"', "lone UTF-16 surrogate"),
        ('"tail \\udfff"', "lone UTF-16 surrogate"),
    ],
    ids=["nan", "infinity", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_non_interchange_json_is_stored_ignored_and_the_account_cache_kept(
    deliver, woken, cached_account, remark, reason
):
    body = order_body_with(remark)
    response = deliver(body)
    assert (response.status_code, response.content) == (200, b"stored_ignored")
    event = WebhookEvent.objects.get()
    assert bytes(event.body) == body
    assert (event.state, event.event, event.object_ref) == (
        State.IGNORED,
        "orders.status_changed",
        "idorder=240350427",
    )
    assert reason in event.result
    assert woken == []
    assert cached_account.webhook_key in receiver._cache  # a valid signature clears nothing
    # Picqer's retry of the same bytes is a duplicate, not a second row or an error.
    assert deliver(body).content == b"duplicate"


def test_a_payload_nested_too_deeply_is_stored_ignored(deliver, cached_account):
    body = nested(5000)  # deep enough for RecursionError in json
    response = deliver(body)
    assert (response.status_code, response.content) == (200, b"stored_ignored")
    event = WebhookEvent.objects.get()
    assert (event.state, bytes(event.body)) == (State.IGNORED, body)
    assert f"nests deeper than {MAX_DEPTH} levels" in event.result
    assert cached_account.webhook_key in receiver._cache


def test_the_depth_limit_counts_nesting_not_brackets():
    assert delivery_read(nested(MAX_DEPTH)).ignored == ""
    assert delivery_read(nested(MAX_DEPTH + 1)).ignored != ""
    many_siblings = (
        '{"event": "orders.status_changed", "data": {"rows": ['
        + ",".join(["{}"] * 200)
        + '], "note": "'
        + "[" * 100
        + '"}}'
    )
    assert delivery_read(many_siblings.encode()).ignored == ""


def test_process_again_keeps_an_unreadable_body_ignored(deliver, handler):
    deliver(b'{"event": "test.event", "data": {"idorder": 7, "qty": NaN}}')
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.filter(pk=event.pk).update(state=State.PENDING)  # "process again"
    webhook_event_run(event_id=event.pk)
    event.refresh_from_db()
    assert event.state == State.IGNORED and "NaN" in event.result
    assert handler.calls == []
