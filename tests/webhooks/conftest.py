"""Helpers for the inbound edge: signed deliveries, fixture payloads, a recording broker."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "picqer_webhooks"
SECRET = "hook-secret-abc"  # the `account` fixture's webhook_secret


def fixture_body(name: str) -> bytes:
    """The raw bytes of a fixture delivery, exactly as stored (whitespace and all)."""
    return (FIXTURES / f"{name}.json").read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    """Written independently of webhooks.receiver: base64 of the binary HMAC-SHA256."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_path(account) -> str:
    return f"/webhooks/picqer/{account.webhook_key}/"


@pytest.fixture
def deliver(client, account):
    """POST a body to the account's webhook URL, signed unless `signature` is given."""

    def _deliver(body: bytes | str, *, signature: str | None = "sign", target=None, **extra):
        raw = body.encode() if isinstance(body, str) else body
        headers = {}
        if signature == "sign":
            headers["HTTP_X_PICQER_SIGNATURE"] = sign(raw)
        elif signature is not None:
            headers["HTTP_X_PICQER_SIGNATURE"] = signature
        return client.post(
            webhook_path(target or account),
            data=raw,
            content_type="application/json",
            **headers,
            **extra,
        )

    return _deliver


@pytest.fixture
def published(monkeypatch):
    """Replace the broker for single events: records the ids handed to webhook_event_process
    (sweeper, admin "process again", retries)."""
    from webhooks.tasks import webhook_event_process

    calls: list[int] = []
    monkeypatch.setattr(
        webhook_event_process, "apply_async", lambda args, *_, **__: calls.append(args[0])
    )
    return calls


@pytest.fixture
def woken(monkeypatch):
    """Replace the broker for drains: counts the drain tasks the receiver publishes."""
    from webhooks.tasks import webhook_events_drain

    calls: list[bool] = []
    monkeypatch.setattr(webhook_events_drain, "apply_async", lambda *a, **k: calls.append(True))
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    """A broker that refuses every publish the way kombu does."""
    from kombu.exceptions import OperationalError

    from webhooks.tasks import webhook_event_process, webhook_events_drain

    def _refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis://:pw@localhost:6379. Refused.")

    monkeypatch.setattr(webhook_event_process, "apply_async", _refuse)
    monkeypatch.setattr(webhook_events_drain, "apply_async", _refuse)


def payload(name: str) -> dict:
    return json.loads(fixture_body(name))


TEST_EVENT = "test.event"


def make_event(account, *, event=TEST_EVENT, key="k1", **fields):
    from webhooks.models import WebhookEvent

    return WebhookEvent.objects.create(
        account=account,
        event=event,
        dedupe_key=key,
        body=json.dumps({"event": event, "data": {"idorder": 7}}).encode(),
        **fields,
    )


@pytest.fixture
def handler(monkeypatch):
    """A test-only handler registered for TEST_EVENT; set `.effect` to raise instead."""
    from webhooks.processing import Outcome

    class Recorder:
        calls: list = []
        effect = None

        def __call__(self, *, account, payload):
            self.calls.append((account.pk, payload))
            if self.effect is not None:
                raise self.effect
            return Outcome("did the thing")

    recorder = Recorder()
    recorder.calls = []
    from webhooks import processing

    monkeypatch.setitem(processing.HANDLERS, TEST_EVENT, recorder)
    return recorder
