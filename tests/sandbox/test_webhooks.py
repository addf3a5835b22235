"""Webhooks from the Picqer emulator reach a real local receiver, signed like Picqer signs."""

import base64
import hashlib
import hmac
import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.testing import wait_for

pytestmark = pytest.mark.e2e
SECRET = "hook-secret-abc"


class Receiver:
    """A tiny HTTP server that records deliveries and answers `status`."""

    def __init__(self, status=200):
        self.status = status
        self.deliveries = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.put((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/picqer/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=15):
        return self.deliveries.get(timeout=timeout)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _hook(picqer, event, address, secret=SECRET):
    return picqer(
        "POST",
        "hooks",
        {"name": "middleware", "event": event, "address": address, "secret": secret},
    ).json()


def _processing_order(sandbox_server, picqer):
    sandbox_server.seed(products=1, seed=1)
    order = picqer(
        "POST",
        "orders",
        {
            "reference": "PS-9",
            "deliveryname": "Jan",
            "deliverycountry": "NL",
            "products": [{"productcode": "SB-00001", "amount": 1}],
        },
    ).json()
    picqer("POST", f"orders/{order['idorder']}/process")
    return order


def test_a_status_change_is_delivered_signed_with_the_hook_secret(sandbox_server, picqer, receiver):
    hook = _hook(picqer, "orders.status_changed", receiver.url)

    order = _processing_order(sandbox_server, picqer)
    headers, body = receiver.next()
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    payload = json.loads(body)

    assert hmac.compare_digest(headers["X-Picqer-Signature"].encode(), expected)
    assert set(payload) == {"idhook", "name", "event", "event_triggered_at", "data"}
    assert payload["idhook"] == hook["idhook"]
    assert payload["event"] == "orders.status_changed"
    assert payload["data"]["idorder"] == order["idorder"]
    assert payload["data"]["status"] == "processing"


def test_a_hook_without_secret_sends_no_signature(sandbox_server, picqer, receiver):
    _hook(picqer, "orders.status_changed", receiver.url, secret="")

    _processing_order(sandbox_server, picqer)
    headers, _ = receiver.next()

    assert "X-Picqer-Signature" not in headers


def test_shipping_fires_shipment_created_and_completed(sandbox_server, picqer, receiver):
    _hook(picqer, "picklists.shipments.created", receiver.url)
    _hook(picqer, "orders.completed", receiver.url)
    order = _processing_order(sandbox_server, picqer)

    sandbox_server.ship_order(order["idorder"], trackingcode="3STRACK")
    events = [json.loads(receiver.next()[1]) for _ in range(2)]

    assert [e["event"] for e in events] == ["picklists.shipments.created", "orders.completed"]
    assert events[0]["data"]["trackingcode"] == "3STRACK"
    assert events[1]["data"]["status"] == "completed"


def test_a_stock_change_fires_free_stock_changed_with_the_product(sandbox_server, picqer, receiver):
    sandbox_server.seed(products=1, seed=2)
    _hook(picqer, "products.free_stock_changed", receiver.url)

    sandbox_server.set_stock(productcode="SB-00001", amount=321)
    payload = json.loads(receiver.next()[1])

    assert payload["data"]["productcode"] == "SB-00001"
    assert payload["data"]["stock"][0]["freestock"] == 321


def test_a_hook_is_deactivated_after_repeated_failures(sandbox_server, picqer, receiver):
    receiver.status = 500
    sandbox_server.knobs(webhook_max_failures=2)
    sandbox_server.seed(products=1, seed=3)
    hook = _hook(picqer, "products.free_stock_changed", receiver.url)

    sandbox_server.set_stock(productcode="SB-00001", amount=1)
    sandbox_server.set_stock(productcode="SB-00001", amount=2)
    wait_for(lambda: len(sandbox_server.state("picqer.deliveries")) == 2)

    assert picqer("GET", f"hooks/{hook['idhook']}").json()["active"] is False
    assert {d["outcome"] for d in sandbox_server.state("picqer.deliveries")} == {"failed"}


def test_dropped_and_duplicated_deliveries_follow_the_knobs(sandbox_server, picqer, receiver):
    sandbox_server.seed(products=1, seed=4)
    _hook(picqer, "products.free_stock_changed", receiver.url)
    sandbox_server.knobs(webhook_drop_next=1, webhook_duplicate_next=1)

    sandbox_server.set_stock(productcode="SB-00001", amount=10)  # dropped
    sandbox_server.set_stock(productcode="SB-00001", amount=20)  # sent twice
    first, second = (json.loads(receiver.next()[1]) for _ in range(2))

    assert first == second
    assert first["data"]["stock"][0]["freestock"] == 20
    outcomes = [d["outcome"] for d in sandbox_server.state("picqer.deliveries")]
    assert outcomes[0] == "dropped"
