"""The control plane: seed generator, knobs, shop orders, state inspection."""

import pytest

pytestmark = pytest.mark.e2e


def test_seed_builds_matching_catalogues_with_the_requested_mismatches(sandbox_server):
    summary = sandbox_server.seed(
        products=6, with_combinations=2, unknown_refs=2, case_variants=1, seed=42
    )
    picqer_codes = {p["productcode"] for p in sandbox_server.state("picqer.products")}
    ps_products = sandbox_server.state("ps.products")
    combinations = sandbox_server.state("ps.combinations")

    assert len(ps_products) == 6
    assert len(combinations) == 6  # two products with S/M/L
    assert len(summary["references"]) == 10
    assert not picqer_codes & set(summary["unknown_refs"])
    [[ps_ref, picqer_code]] = summary["case_variants"]
    assert ps_ref != picqer_code and ps_ref.lower() == picqer_code
    assert picqer_code in picqer_codes and ps_ref not in picqer_codes
    assert len(picqer_codes) == 8


def test_seeded_orders_have_customers_addresses_carriers_and_a_history(sandbox_server):
    summary = sandbox_server.seed(products=3, orders=2, seed=7)
    orders = sandbox_server.state("ps.orders")
    carriers = sandbox_server.state("ps.order_carriers")
    histories = sandbox_server.state("ps.order_histories")

    assert [int(o["id"]) for o in orders] == summary["orders"]
    assert all(o["associations"]["order_rows"] for o in orders)
    assert len(sandbox_server.state("ps.addresses")) == 2
    assert {c["id_order"] for c in carriers} == {"1", "2"}
    assert [h["id_order_state"] for h in histories] == ["2", "2"]


def test_a_placed_order_with_a_remark_creates_the_message_and_thread(sandbox_server):
    sandbox_server.seed(products=1, seed=8)

    order = sandbox_server.place_order(
        [{"reference": "SB-00001", "quantity": 1}], message="Please ring twice"
    )

    assert sandbox_server.state("ps.messages")[0]["id_order"] == order["id"]
    assert sandbox_server.state("ps.customer_messages")[0]["message"] == "Please ring twice"


def test_the_merchant_changing_a_status_adds_a_history_row(sandbox_server):
    sandbox_server.seed(products=1, orders=1, seed=9)

    sandbox_server.set_order_state(1, 6)

    assert sandbox_server.state("ps.orders")[0]["current_state"] == "6"
    assert [h["id_order_state"] for h in sandbox_server.state("ps.order_histories")] == ["2", "6"]


def test_unknown_knobs_are_refused_and_reset_restores_defaults(sandbox_server):
    with pytest.raises(RuntimeError, match="unknown knob"):
        sandbox_server.knobs(warp_speed=9)
    sandbox_server.knobs(ps_version="8.1.7")

    sandbox_server.reset()

    assert sandbox_server.knobs()["ps_version"] == "1.7.8.11"


def test_state_without_kind_counts_documents_per_kind(sandbox_server):
    counts = sandbox_server.state()

    assert counts["ps.order_states"] == 13
    assert counts["picqer.warehouses"] == 1


def test_a_timeout_fault_outlasts_the_client_but_the_write_still_happens(sandbox_server):
    import socket
    import urllib.request

    sandbox_server.knobs(prestashop_timeout_next=1, timeout_seconds=1.0)
    request = urllib.request.Request(
        f"{sandbox_server.prestashop_url}/api/order_states/1?ws_key={sandbox_server.ws_key}"
    )

    with pytest.raises((TimeoutError, socket.timeout)):
        urllib.request.urlopen(request, timeout=0.2)
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def test_the_demo_places_shop_orders_and_ships_open_picqer_orders(sandbox_server):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "sandbox_demo",
        sandbox_url=sandbox_server.base_url,
        iterations=1,
        interval=0,
        products=3,
        stdout=out,
    )
    assert len(sandbox_server.state("ps.orders")) == 1
    assert "nothing to ship" in out.getvalue()

    # the middleware's part, done by hand: push the order to Picqer and process it
    from tests.sandbox.conftest import call

    code = sandbox_server.state("picqer.products")[0]["productcode"]
    order = call(
        "POST",
        sandbox_server.picqer_url + "orders",
        user=sandbox_server.api_key,
        body={
            "reference": "X",
            "deliveryname": "A",
            "deliverycountry": "NL",
            "products": [{"productcode": code, "amount": 1}],
        },
    ).json()
    call(
        "POST",
        sandbox_server.picqer_url + f"orders/{order['idorder']}/process",
        user=sandbox_server.api_key,
    )
    call_command(
        "sandbox_demo",
        sandbox_url=sandbox_server.base_url,
        iterations=1,
        interval=0,
        no_seed=True,
        stdout=out,
    )

    assert sandbox_server.state("picqer.orders")[0]["status"] == "completed"
    assert "warehouse: shipped" in out.getvalue()


@pytest.mark.django_db
def test_a_second_demo_forgets_the_orders_of_the_previous_sandbox(sandbox_server):
    # `make demo` resets the sandbox each time: order ids start again at 1, so a remembered
    # poll cursor or order link would hide the new orders from the middleware.
    from io import StringIO

    from django.core.management import call_command

    from sync.models import OrderLink, PollCursor

    def demo() -> None:
        call_command(
            "demo", sandbox_url=sandbox_server.base_url, iterations=1, interval=0, stdout=StringIO()
        )

    demo()
    first = PollCursor.objects.get()
    OrderLink.objects.create(shop=first.shop, ps_order_id=1)
    PollCursor.objects.filter(pk=first.pk).update(last_history_id=10_000)

    demo()

    cursor = PollCursor.objects.get()
    assert cursor.shop_id != first.shop_id
    assert cursor.last_history_id < 10_000
    assert OrderLink.objects.count() == 0


def test_the_demo_orders_only_references_the_shop_sells(sandbox_server):
    from sandbox.management.commands.sandbox_demo import _sellable_references

    summary = sandbox_server.seed(products=3, with_combinations=1, layouts=True)
    picqer_codes = {p["productcode"] for p in sandbox_server.state("picqer.products")}
    assert "sb-near-miss" in picqer_codes  # Picqer's near miss: no shop order can use it

    sellable = _sellable_references(sandbox_server)

    assert "sb-near-miss" not in sellable
    assert set(summary["references"]) <= set(sellable)
