"""From a Picqer payload to the right sync service call (docs/sources.md#picqer-webhook-payload)."""

import importlib
import json

import pytest

from sync.picqer.records import delivery_data_parse
from webhooks import processing
from webhooks.models import WebhookEvent
from webhooks.processing import Outcome, handler_for, webhook_event_run

from .conftest import fixture_body, payload


def idorder_from_payload(delivery):
    return delivery_data_parse(delivery).idorder


def idproduct_from_payload(delivery):
    return delivery_data_parse(delivery).idproduct


@pytest.fixture
def fake_service(monkeypatch):
    """Stand in for a sync service, where the handlers call it."""

    def _install(module: str, function: str):
        calls: list[dict] = []

        def fake(**kwargs):
            calls.append(kwargs)
            return f"{function} ok"

        # The handlers call the very service its module exports (fails when it is renamed).
        assert getattr(processing, function) is getattr(importlib.import_module(module), function)
        monkeypatch.setattr(processing, function, fake)
        return calls

    return _install


def test_it_reads_the_order_id_of_an_order_event():
    assert idorder_from_payload(payload("orders.status_changed__completed")) == 240350427


def test_it_reads_the_order_id_of_a_shipment_event():
    assert idorder_from_payload(payload("picklists.shipments.created__single")) == 240350427


def test_it_reads_the_order_id_from_a_nested_picklist():
    assert idorder_from_payload({"data": {"idshipment": 5, "picklist": {"idorder": 9}}}) == 9


def test_it_reads_the_product_id_of_a_stock_event():
    assert idproduct_from_payload(payload("products.free_stock_changed__single")) == 138


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"idorder": None},
        {"idorder": 0},
        {"idorder": -3},
        {"idorder": True},
        {"idorder": "abc"},
        {"idorder": 1.5},
        [],
    ],
)
def test_it_finds_no_id_in_junk(data):
    assert idorder_from_payload({"event": "orders.completed", "data": data}) is None
    assert idproduct_from_payload({"event": "products.stock_changed", "data": data}) is None


def test_it_accepts_ids_sent_as_text():
    assert idorder_from_payload({"data": {"idorder": "42"}}) == 42
    assert idorder_from_payload({"data": {"idorder": "2147483647"}}) == 2147483647


# "²" and "١٢" pass str.isdigit but are no ASCII digits: int("²") raises.
@pytest.mark.parametrize(
    "value",
    [
        "²",
        "١٢",
        "1e3",
        "-3",
        "+3",
        " 7",
        "7\n",
        "0",
        "",
        "2147483648",
        "9" * 400,
        2**31,
        10**30,
        -1,
    ],
)
def test_it_refuses_ids_that_are_not_plain_ascii_digits(value):
    assert idorder_from_payload({"data": {"idorder": value}}) is None
    assert idproduct_from_payload({"data": {"idproduct": value}}) is None


@pytest.mark.parametrize(
    "event",
    [
        "orders.status_changed",
        "orders.completed",
        "orders.closed",
        "orders.paused",
        "orders.resumed",
        "picklists.shipments.created",
    ],
)
def test_it_routes_order_events_to_the_order_status_sync(event):
    assert handler_for(event) is processing.order_changed


@pytest.mark.parametrize(
    "event",
    ["products.free_stock_changed", "products.stock_changed", "products.assembled_stock_changed"],
)
def test_it_routes_stock_events_to_the_stock_sync(event):
    assert handler_for(event) is processing.product_stock_changed


def test_it_has_no_handler_for_events_we_do_not_use():
    assert handler_for("tasks.created") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fixture", ["orders.status_changed__completed", "picklists.shipments.created__single"]
)
def test_it_calls_the_order_status_sync_with_the_order_id(account, fake_service, fixture):
    calls = fake_service("sync.services.order_status", "order_status_sync")
    result = processing.order_changed(account=account, payload=payload(fixture))
    assert result == Outcome("order_status_sync ok")
    assert calls == [{"account": account, "idorder": 240350427}]


@pytest.mark.django_db
def test_it_calls_the_stock_sync_with_the_product_id(account, fake_service):
    calls = fake_service("sync.services.stock", "stock_product_changed")
    result = processing.product_stock_changed(
        account=account, payload=payload("products.free_stock_changed__single")
    )
    assert result == Outcome("stock_product_changed ok")
    assert calls == [{"account": account, "idproduct": 138}]


@pytest.mark.django_db
def test_it_ignores_an_order_event_without_order_id(account, fake_service):
    calls = fake_service("sync.services.order_status", "order_status_sync")
    outcome = processing.order_changed(account=account, payload={"event": "orders.completed"})
    assert outcome == Outcome("payload has no idorder", ignored=True)
    assert calls == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event, key",
    [("orders.status_changed", "idorder"), ("products.free_stock_changed", "idproduct")],
)
def test_a_stored_event_with_a_junk_id_is_ignored_with_its_reason(
    account, fake_service, event, key
):
    calls = fake_service("sync.services.order_status", "order_status_sync")
    stored = WebhookEvent.objects.create(
        account=account,
        event=event,
        dedupe_key=key,
        body=json.dumps({"event": event, "data": {key: "²"}}).encode(),
    )
    webhook_event_run(event_id=stored.pk)

    stored.refresh_from_db()
    assert stored.state == "ignored"
    assert stored.result.startswith(f"payload {key} '²' is not a Picqer id")
    assert calls == []


@pytest.mark.django_db
def test_it_processes_a_stored_stock_event_through_the_registry(account, fake_service):
    calls = fake_service("sync.services.stock", "stock_product_changed")
    event = WebhookEvent.objects.create(
        account=account,
        event="products.free_stock_changed",
        dedupe_key="x",
        body=fixture_body("products.free_stock_changed__single"),
    )
    webhook_event_run(event_id=event.pk)

    event.refresh_from_db()
    assert (event.state, event.result) == ("done", "stock_product_changed ok")
    assert len(calls) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["products.created", "products.changed"])
def test_it_routes_product_events_to_the_product_index(account, fake_service, event):
    calls = fake_service("sync.services.product_index", "product_index_product_changed")
    body = {**payload("products.free_stock_changed__single"), "event": event}

    outcome = handler_for(event)(account=account, payload=body)
    assert outcome == Outcome("product_index_product_changed ok")
    assert calls == [{"account": account, "idproduct": 138}]
