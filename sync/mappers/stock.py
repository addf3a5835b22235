"""Pure rules of Picqer → PrestaShop stock: the sellable quantity and what to write."""

from __future__ import annotations

from collections.abc import Iterable

from sync.picqer.records import Product, StockRow

UNLIMITED_TYPES = frozenset({"unlimited_stock"})


def product_is_unlimited(product: Product) -> bool:
    """Unlimited-stock products have no real quantity (docs/sources.md#picqer-unlimited-stock)."""
    return product.unlimitedstock or product.type in UNLIMITED_TYPES


def free_stock_total(stock_rows: Iterable[StockRow], *, warehouse_ids: Iterable[int] = ()) -> int:
    """Sellable quantity: `freestock` summed over the chosen warehouses (all when none are
    chosen), never below zero — Picqer's free stock goes negative on backorders."""
    chosen = {int(w) for w in warehouse_ids or ()}
    total = 0
    for row in stock_rows or ():
        if chosen and row.idwarehouse not in chosen:
            continue
        total += row.freestock
    return max(total, 0)


def quantity_sellable(*, free: int, pending: int) -> int:
    """What the shop may sell: Picqer's free stock less the units of orders PrestaShop has
    taken and Picqer does not count yet, never below zero."""
    return max(0, int(free) - max(0, int(pending)))
