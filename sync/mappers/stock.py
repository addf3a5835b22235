"""Pure rules of Picqer → PrestaShop stock: the sellable quantity and what to write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sync.picqer.records import Product, StockRow

UNLIMITED_TYPES = frozenset({"unlimited_stock"})


def product_is_unlimited(product: Product) -> bool:
    """Products with unlimited stock have no meaningful quantity (picqer-api.md §4.1)."""
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


def stock_row_applies(row: Mapping[str, Any], *, shop_id: int | None) -> bool:
    """Whether a stock_availables row is this shop's stock.

    Single store (no shop id configured): every row. Multistore: the shop's own row, or the
    shop group's shared row (id_shop 0) when the group shares quantities."""
    if shop_id is None:
        return True
    return int(row.get("id_shop") or 0) in (shop_id, 0)


def quantity_of(row: Mapping[str, Any]) -> int:
    """Current quantity of a stock_availables row (strings as PrestaShop sends them)."""
    try:
        return int(str(row.get("quantity") or "0").strip())
    except ValueError:
        return 0


def quantity_sellable(*, free: int, pending: int) -> int:
    """What the shop may sell: Picqer's free stock less the units of orders PrestaShop has
    taken and Picqer does not count yet, never below zero."""
    return max(0, int(free) - max(0, int(pending)))
