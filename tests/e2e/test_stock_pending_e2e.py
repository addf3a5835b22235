"""Stock that does not oversell, with real processes: a bank-wire order PrestaShop has taken
and Picqer does not know yet is held back from every stock write, until Picqer counts it or
the order is cancelled."""

import pytest

from sandbox.setup import CANCELED, PAYMENT_ACCEPTED
from sync.models import OrderLink, PendingOrder
from sync.services.hooks import hook_ensure
from sync.tasks.orders import orders_poll_task

from .workers import wait_for

pytestmark = pytest.mark.e2e

AWAITING_BANK_WIRE = 10


def _shop_quantity(sandbox, reference: str) -> int:
    product = next(p for p in sandbox.state("ps.products") if p["reference"] == reference)
    [row] = [
        s
        for s in sandbox.state("ps.stock_availables")
        if int(s["id_product"]) == int(product["id"]) and int(s["id_product_attribute"]) == 0
    ]
    return int(row["quantity"])


def _free_stock(sandbox, reference: str) -> int:
    product = next(p for p in sandbox.state("picqer.products") if p["productcode"] == reference)
    return product["stock"][0]["freestock"]


def _pending_state(shop, id_order):
    return (
        PendingOrder.objects.filter(shop=shop, ps_order_id=int(id_order))
        .values_list("state", flat=True)
        .first()
    )


def _bank_wire_order_held_back(sandbox, shop):
    """Free stock 6 in the shop; a bank-wire order of 2 polled; then Picqer's free stock
    moves to 5 — the shop gets 3, not 5. Returns (reference, placed order)."""
    hook_ensure(account=shop.account, kind="stock")
    reference = shop.catalogue["references"][-1]
    sandbox.set_stock(productcode=reference, amount=6)
    wait_for(
        lambda: _shop_quantity(sandbox, reference) == 6, timeout=60, what="the shop quantity at 6"
    )

    placed = sandbox.place_order(
        [{"reference": reference, "quantity": 2}], current_state=AWAITING_BANK_WIRE
    )
    orders_poll_task.delay(shop.pk)
    wait_for(
        lambda: _pending_state(shop, placed["id"]) == PendingOrder.State.RESERVED,
        timeout=60,
        what="the bank-wire order held back",
    )

    sandbox.set_stock(productcode=reference, amount=5)  # a stock write while it waits
    wait_for(
        lambda: _shop_quantity(sandbox, reference) == 3,
        timeout=60,
        what="the shop quantity at free 5 − 2 held back",
    )
    return reference, placed


def test_a_bank_wire_order_is_held_back_until_picqer_counts_it(
    sandbox_server, sandbox_shop, worker
):
    reference, placed = _bank_wire_order_held_back(sandbox_server, sandbox_shop)
    assert not OrderLink.objects.filter(shop=sandbox_shop).exists()  # not sent yet

    sandbox_server.set_order_state(placed["id"], PAYMENT_ACCEPTED)
    orders_poll_task.delay(sandbox_shop.pk)

    seen: list[int] = []

    def pushed_and_settled():
        seen.append(_shop_quantity(sandbox_server, reference))
        link = OrderLink.objects.filter(shop=sandbox_shop).first()
        return (
            link is not None
            and link.picqer_status == "processing"
            and _pending_state(sandbox_shop, placed["id"]) == PendingOrder.State.IN_PICQER
        )

    wait_for(pushed_and_settled, timeout=60, what="the order processing in Picqer")
    assert _free_stock(sandbox_server, reference) == 3  # Picqer's picklist counts it now
    # Watched while the re-write after the release and Picqer's own stock webhook land:
    # never above free 3 - 0 (briefly below is allowed: a write between Picqer's picklist
    # and the release holds back twice, and the re-write corrects it).
    wait_for(
        lambda: (
            seen.append(_shop_quantity(sandbox_server, reference))
            or (len(seen) > 40 and seen[-1] == 3)
        ),
        timeout=60,
        what="the shop quantity settled at 3",
    )
    assert max(seen) == 3


def test_an_order_cancelled_before_the_push_gives_its_units_back(
    sandbox_server, sandbox_shop, worker
):
    reference, placed = _bank_wire_order_held_back(sandbox_server, sandbox_shop)

    sandbox_server.set_order_state(placed["id"], CANCELED)
    orders_poll_task.delay(sandbox_shop.pk)
    wait_for(
        lambda: _pending_state(sandbox_shop, placed["id"]) == PendingOrder.State.CANCELLED,
        timeout=60,
        what="the cancelled order released",
    )
    wait_for(
        lambda: _shop_quantity(sandbox_server, reference) == 5,
        timeout=60,
        what="the shop quantity back at free stock 5",
    )

    sandbox_server.set_stock(productcode=reference, amount=4)  # nothing held back any more
    wait_for(
        lambda: _shop_quantity(sandbox_server, reference) == 4,
        timeout=60,
        what="the shop quantity following Picqer's free stock again",
    )
    assert not OrderLink.objects.filter(shop=sandbox_shop, state=OrderLink.State.CREATED).exists()
