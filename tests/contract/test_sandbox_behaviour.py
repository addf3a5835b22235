"""Behaviour only a stateful server can show: the clients against the emulators.

Pagination over more than one page, 429 handling, PUT wiping absent fields (and the client's
GET + full PUT not doing so on 1.7), PATCH only on 8.x, and a signed webhook from the sandbox
to the real receiver view, verified and stored.
"""

import pytest

from sandbox.testing import wait_for
from sync.http import errors, ratelimit
from sync.picqer.client import PicqerClient
from sync.prestashop import xml as psxml
from sync.prestashop.client import PrestaShopClient

pytestmark = pytest.mark.e2e
XML = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture
def sandbox(sandbox_server, account, shop):
    # The fixture keys are the emulators' defaults: they belong to the new addresses too.
    account.api_base_url = sandbox_server.picqer_url
    account.key_bind()
    account.save(update_fields=["api_base_url"])
    shop.prestashop_url = sandbox_server.prestashop_url
    shop.key_bind()
    shop.save(update_fields=["prestashop_url"])
    return sandbox_server


def _record_methods(client) -> list[str]:
    """Spy on the client's session: the HTTP methods it sends, in order."""
    sent: list[str] = []
    original = client.session.request

    def spy(method, url, **kwargs):
        sent.append(method.upper())
        return original(method, url, **kwargs)

    client.session.request = spy
    return sent


def _offsets(client) -> list[int]:
    seen: list[int] = []
    original = client.get

    def spy(path, params=None):
        seen.append(int((params or {}).get("offset", -1)))
        return original(path, params)

    client.get = spy
    return seen


def test_iter_list_pages_over_more_than_100_products(sandbox, account):
    sandbox.seed(products=150, seed=1)
    client = PicqerClient.for_account(account)
    offsets = _offsets(client)

    products = list(client.products_iter())

    assert len(products) == 150
    assert len({p.idproduct for p in products}) == 150
    assert offsets == [0, 100]


def test_iter_ids_pages_stock_rows_by_id_cursor(sandbox, shop):
    sandbox.seed(products=150, seed=1)
    client = PrestaShopClient.for_shop(shop)

    rows = list(client.stock_availables_iter(page_size=100))

    ids = [r.id for r in rows]
    assert len(ids) == 150
    assert ids == sorted(set(ids))


@pytest.fixture
def limited(sandbox, settings, clock):
    """The emulator refuses the 3rd call in its window; our own budget is out of the way."""
    settings.PICQER_RATE_LIMIT_PER_MINUTE = 10_000
    sandbox.knobs(picqer_rate_limit=2)
    return sandbox


@pytest.fixture
def no_low_budget_pause(monkeypatch):
    """Isolate the 429 path: the client normally pauses before Picqer's budget runs out."""
    from sync.picqer import client as picqer

    monkeypatch.setattr(picqer, "LOW_BUDGET_REMAINING", -1)


def test_a_nearly_spent_budget_pauses_before_picqer_refuses(limited, account, clock, monkeypatch):
    client = PicqerClient.for_account(account)
    client.ping()  # X-RateLimit-Remaining: 1 -> pause
    client.ping()  # waited 5 s; X-RateLimit-Remaining: 0 -> pause again
    lift = clock.sleep

    def sleep_and_lift(seconds):  # while we wait, the emulator's window "rolls over"
        limited.knobs(picqer_rate_limit=500)
        lift(seconds)

    monkeypatch.setattr(ratelimit, "_sleep", sleep_and_lift)
    sent = _record_methods(client)

    assert len(client.vatgroups_list()) == 3
    assert sent == ["GET"]  # no 429 on the way
    assert clock.slept == [5.0, 5.0]


def test_429_pauses_then_resends_the_identical_request(
    limited, account, clock, monkeypatch, no_low_budget_pause
):
    client = PicqerClient.for_account(account)
    client.ping()
    client.ping()
    lift = clock.sleep

    def sleep_and_lift(seconds):  # while we wait, the emulator's window "rolls over"
        limited.knobs(picqer_rate_limit=500)
        lift(seconds)

    monkeypatch.setattr(ratelimit, "_sleep", sleep_and_lift)
    sent = _record_methods(client)

    vatgroups = client.vatgroups_list()

    assert len(vatgroups) == 3
    assert sent == ["GET", "GET"]
    assert clock.slept == [20.0]  # no Retry-After from Picqer: the client's 20 s default


def test_429_that_persists_raises_rate_limited_with_retry_after(
    limited, account, clock, no_low_budget_pause
):
    client = PicqerClient.for_account(account)
    client.ping()
    client.ping()

    with pytest.raises(errors.ApiRateLimitedError) as raised:
        client.ping()

    assert (raised.value.status, raised.value.code) == (429, 28)
    assert raised.value.retry_after == 20.0
    assert raised.value.retryable is True
    assert clock.slept == [20.0]  # one inline re-send, then back to the caller
    assert ratelimit.paused_for(client.rate_limit_key) > 0  # every process backs off


def _seeded_order_carrier(sandbox, client) -> dict:
    id_order = sandbox.seed(products=2, orders=1, seed=5)["orders"][0]
    carrier = client.get("order_carriers", client.order_carriers_for_order(id_order)[0].id)
    assert float(carrier["shipping_cost_tax_incl"]) > 0
    return carrier


def test_raw_put_with_a_partial_body_wipes_the_missing_fields(sandbox, shop):
    client = PrestaShopClient.for_shop(shop)
    carrier = _seeded_order_carrier(sandbox, client)
    partial = psxml.dict_to_xml(
        "order_carrier",
        {
            "id": carrier["id"],
            "id_order": carrier["id_order"],
            "id_carrier": carrier["id_carrier"],
            "tracking_number": "3SDEVC931341234",
        },
    )

    client.request("PUT", f"order_carriers/{carrier['id']}", data=partial, headers=XML)
    after = client.get("order_carriers", carrier["id"])

    assert after["tracking_number"] == "3SDEVC931341234"
    assert float(after["shipping_cost_tax_incl"] or 0) == 0  # absent from the PUT: wiped


def test_update_on_1_7_puts_the_full_record_and_keeps_other_fields(sandbox, shop):
    client = PrestaShopClient.for_shop(shop)
    carrier = _seeded_order_carrier(sandbox, client)
    sent = _record_methods(client)

    client.order_carrier_set_tracking(int(carrier["id"]), "3SDEVC931341234")
    after = client.get("order_carriers", carrier["id"])

    assert "PATCH" not in sent and "PUT" in sent
    assert after["tracking_number"] == "3SDEVC931341234"
    assert after["shipping_cost_tax_incl"] == carrier["shipping_cost_tax_incl"]
    assert after["weight"] == carrier["weight"]


def _stock_row(sandbox, client) -> dict:
    sandbox.seed(products=1, seed=5)
    row = client.stock_availables_for_product(1)[0]
    return client.get("stock_availables", row.id)


def test_patch_is_refused_on_1_7(sandbox, shop):
    client = PrestaShopClient.for_shop(shop)
    row = _stock_row(sandbox, client)
    body = psxml.dict_to_xml("stock_available", {"id": row["id"], "quantity": 7})

    with pytest.raises(errors.ApiError) as raised:
        client.request("PATCH", f"stock_availables/{row['id']}", data=body, headers=XML)

    assert client.supports_patch is False
    assert (raised.value.status, raised.value.code) == (405, "23")
    # Code 23: the method does not exist on this version; not a key-permission problem.
    assert isinstance(raised.value, errors.ApiClientError)
    assert not isinstance(raised.value, errors.ApiAuthError)
    assert client.get("stock_availables", row["id"])["quantity"] == row["quantity"]


def test_update_on_8_patches_only_the_given_field(sandbox, shop):
    sandbox.knobs(ps_version="8.1.7")
    client = PrestaShopClient.for_shop(shop)
    row = _stock_row(sandbox, client)
    sent = _record_methods(client)

    client.stock_available_set_quantity(int(row["id"]), 7)
    after = client.get("stock_availables", row["id"])

    assert client.supports_patch is True
    assert "PATCH" in sent and "PUT" not in sent
    assert after["quantity"] == "7"
    assert {k: after[k] for k in ("id_shop", "id_product", "location")} == {
        k: row[k] for k in ("id_shop", "id_product", "location")
    }


@pytest.fixture
def woken(monkeypatch):
    """Record the drain wake-ups instead of writing to the test broker."""
    import webhooks.receiver

    calls: list[bool] = []
    monkeypatch.setattr(
        webhooks.receiver, "webhook_events_wake", lambda: calls.append(True) or True
    )
    return calls


def test_signed_webhook_from_the_sandbox_verifies_and_is_stored(
    sandbox, live_server, account, woken
):
    from webhooks.models import WebhookEvent

    account.public_base_url = live_server.url
    account.save(update_fields=["public_base_url"])
    client = PicqerClient.for_account(account)
    client.hook_create(
        name="PrestaPicqer orders",
        event="orders.created",
        address=account.webhook_url,
        secret=account.webhook_secret,
    )
    client.hook_create(
        name="forged",
        event="orders.allocated",
        address=account.webhook_url,
        secret="not-the-account-secret",
    )
    code = sandbox.seed(products=1, seed=2)["references"][0]
    sandbox.set_stock(productcode=code, amount=5)
    idproduct = client.products_by_productcode(code)[0].idproduct

    order = client.order_create(
        {
            "reference": "DEV-9",
            "deliveryname": "A",
            "deliverycountry": "NL",
            "products": [{"idproduct": idproduct, "amount": 1}],
        }
    )
    client.order_allocate(order.idorder)
    deliveries = wait_for(
        lambda: len(sandbox.state("picqer.deliveries")) >= 2 and sandbox.state("picqer.deliveries")
    )

    by_event = {d["event"]: d for d in deliveries}
    assert by_event["orders.created"]["status"] == 200
    assert by_event["orders.allocated"]["status"] == 401  # signature did not verify
    stored = WebhookEvent.objects.get(account=account)
    assert stored.event == "orders.created"
    assert stored.payload["data"]["idorder"] == order.idorder
    assert woken == [True]
