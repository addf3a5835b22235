"""Side effects PrestaShop runs on its own: order state changes and stock bookkeeping."""

from __future__ import annotations

from ..store import Tx
from ..util import now_local

CANCEL_KEYS = ("PS_OS_CANCELED", "PS_OS_ERROR")


def config_value(tx: Tx, name: str) -> str:
    for row in tx.where("ps.configurations", "name", name):
        return row["value"]
    return ""


def order_state_apply(
    tx: Tx, *, order: dict, state_id: str, add_history: bool = False, id_employee: str = "0"
) -> None:
    """OrderHistory::changeIdOrderState: new current_state, valid flag, invoice/delivery
    numbers, stock re-injected when entering a cancel/error state (and taken back when
    leaving one), and `date_upd` bumped — which is what pollers watch."""
    state = tx.get("ps.order_states", state_id)
    cancel = {config_value(tx, key) for key in CANCEL_KEYS}
    old = str(order["current_state"])
    new = str(state_id)
    now = now_local()
    if (new in cancel) != (old in cancel) and old not in ("", "0"):
        sign = 1 if new in cancel else -1
        for row in order.get("associations", {}).get("order_rows", []):
            stock_change(
                tx,
                id_product=row["product_id"],
                id_product_attribute=row["product_attribute_id"],
                id_shop=order["id_shop"],
                delta=sign * int(row["product_quantity"]),
            )
    order["current_state"] = new
    if state is not None:
        order["valid"] = "1" if state["logable"] == "1" else "0"
        if state["invoice"] == "1" and order["invoice_number"] in ("", "0"):
            order["invoice_number"] = str(tx.next_id("ps.invoice_number"))
            order["invoice_date"] = now
        if state["delivery"] == "1" and order["delivery_number"] in ("", "0"):
            order["delivery_number"] = str(tx.next_id("ps.delivery_number"))
            order["delivery_date"] = now
    order["date_upd"] = now
    tx.put("ps.orders", int(order["id"]), order)
    if add_history:
        history = {
            "id_employee": id_employee,
            "id_order_state": new,
            "id_order": str(order["id"]),
            "date_add": now,
        }
        tx.insert("ps.order_histories", history)
        history["id"] = str(history["id"])
        tx.put("ps.order_histories", int(history["id"]), history)


def stock_row(tx: Tx, *, id_product: str, id_product_attribute: str, id_shop: str) -> dict | None:
    for row in tx.where("ps.stock_availables", "id_product", str(id_product)):
        if row["id_product_attribute"] == str(id_product_attribute) and row["id_shop"] == str(
            id_shop
        ):
            return row
    return None


def stock_change(
    tx: Tx, *, id_product: str, id_product_attribute: str, id_shop: str, delta: int
) -> None:
    """StockAvailable::updateQuantity: relative change, then the aggregate row follows."""
    row = stock_row(
        tx, id_product=id_product, id_product_attribute=id_product_attribute, id_shop=id_shop
    )
    if row is None:
        return
    row["quantity"] = str(int(row["quantity"] or 0) + delta)
    tx.put("ps.stock_availables", int(row["id"]), row)
    if str(id_product_attribute) != "0":
        stock_aggregate_refresh(tx, id_product=id_product, id_shop=id_shop)


def stock_aggregate_refresh(tx: Tx, *, id_product: str, id_shop: str) -> None:
    """The id_product_attribute=0 row of a product with combinations is their sum."""
    rows = [
        r
        for r in tx.where("ps.stock_availables", "id_product", str(id_product))
        if r["id_shop"] == str(id_shop)
    ]
    aggregate = next((r for r in rows if r["id_product_attribute"] == "0"), None)
    combos = [r for r in rows if r["id_product_attribute"] != "0"]
    if aggregate is None or not combos:
        return
    aggregate["quantity"] = str(sum(int(r["quantity"] or 0) for r in combos))
    tx.put("ps.stock_availables", int(aggregate["id"]), aggregate)
