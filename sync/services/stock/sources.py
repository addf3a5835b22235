"""Reading stock from both sides: Picqer free stock by product code, PrestaShop
stock_availables rows by reference. Holds small dicts (code → int), never full JSON."""

from __future__ import annotations

from collections.abc import Iterator

from sync.clients.errors import ApiClientError
from sync.mappers.stock import (
    free_stock_total,
    product_is_unlimited,
    quantity_of,
    stock_row_applies,
)

PS_PAGE = 1000  # narrow display lists: prestashop-ws.md §4.4


def picqer_free_stock_iter(picqer, *, warehouse_ids) -> Iterator[tuple[str, int]]:
    """(productcode, sellable quantity) of every active Picqer product, from GET /products
    (ceil(products / 100) calls; the product objects carry `stock` per warehouse). Yielded
    as the pages arrive, so the caller can compare while later pages are still in flight.

    Should a product object come without `stock`, its quantity is taken from
    /warehouses/{id}/stock instead (products absent there have no stock: 0); those are
    yielded last, after the product list is complete."""
    without_stock: dict[int, str] = {}
    for product in picqer.products_iter():
        code = product.get("productcode") or ""
        if not code or product_is_unlimited(product):
            continue
        if "stock" in product:
            yield code, free_stock_total(product["stock"], warehouse_ids=warehouse_ids)
        else:
            without_stock[int(product["idproduct"])] = code
    if without_stock:
        stock = dict.fromkeys(without_stock.values(), 0)
        _fill_from_warehouses(picqer, stock, without_stock, warehouse_ids=warehouse_ids)
        yield from stock.items()


def _fill_from_warehouses(picqer, stock, codes_by_id, *, warehouse_ids) -> None:
    chosen = [int(w) for w in warehouse_ids or ()] or [
        int(w["idwarehouse"]) for w in picqer.warehouses_list()
    ]
    for idwarehouse in chosen:
        for item in picqer.warehouse_stock_iter(idwarehouse):
            code = codes_by_id.get(int(item.get("idproduct") or 0))
            if code:
                free = int((item.get("stock") or {}).get("freestock") or 0)
                stock[code] += free
    for code in codes_by_id.values():
        stock[code] = max(stock[code], 0)


def _shop_filter(shop_id: int | None) -> dict[str, str] | None:
    # The shop's own rows and shared shop-group rows (id_shop 0), prestashop-ws.md §2.9.
    return {"id_shop": f"[{shop_id}|0]"} if shop_id else None


def prestashop_stock_rows(prestashop, *, shop_id: int | None) -> Iterator[tuple[str, dict]]:
    """(reference, stock_available row) for every writable stock row of the shop.

    Simple products use the product reference, combinations their own reference; the
    aggregate row of a product with combinations (PrestaShop sums it) and rows under
    Advanced Stock Management (depends_on_stock, refused by the webservice) are left out."""
    product_refs = {
        int(p["id"]): p.get("reference") or ""
        for p in prestashop.iter_ids("products", display=["id", "reference"], page_size=PS_PAGE)
    }
    combination_refs: dict[int, str] = {}
    with_combinations: set[int] = set()
    for combo in prestashop.iter_ids("combinations", display=["id", "id_product", "reference"],
                                     page_size=PS_PAGE):
        combination_refs[int(combo["id"])] = combo.get("reference") or ""
        with_combinations.add(int(combo["id_product"]))
    for row in prestashop.stock_availables_iter(filters=_shop_filter(shop_id),
                                                page_size=PS_PAGE):
        if not stock_row_applies(row, shop_id=shop_id) or row.get("depends_on_stock") == "1":
            continue
        id_product, id_attribute = int(row["id_product"]), int(row["id_product_attribute"])
        if id_attribute:
            reference = combination_refs.get(id_attribute, "")
        elif id_product in with_combinations:
            continue
        else:
            reference = product_refs.get(id_product, "")
        if reference:
            yield reference, row


def prestashop_stock_index(prestashop, *, shop_id: int | None) -> dict[str, list[tuple]]:
    """{reference: [(stock_available id, quantity), ...]} of every writable stock row of the
    shop: two ints per row instead of the row dicts (a reference may have several rows)."""
    index: dict[str, list[tuple]] = {}
    for reference, row in prestashop_stock_rows(prestashop, shop_id=shop_id):
        index.setdefault(reference, []).append((int(row["id"]), quantity_of(row)))
    return index


def prestashop_rows_for_reference(
    prestashop, reference: str, *, shop_id: int | None
) -> tuple[list[dict], str]:
    """The shop's stock rows of the combination(s), else simple product(s), whose reference
    equals `reference` exactly (PrestaShop's filter ignores case; we do not)."""
    try:
        combos = prestashop.combinations_by_reference(reference)
        targets = [(int(c["id_product"]), int(c["id"])) for c in combos
                   if c.get("reference") == reference]
        if not targets:
            products = prestashop.products_by_reference(reference, display=["id", "reference"])
            targets = [(int(p["id"]), 0) for p in products if p.get("reference") == reference]
    except ApiClientError as exc:
        return [], f"reference {reference} cannot be looked up: {exc.message}"
    if not targets:
        return [], f"reference {reference} not found in PrestaShop"
    rows: list[dict] = []
    for id_product, id_attribute in targets:
        product_rows = prestashop.stock_availables_for_product(id_product)
        if not id_attribute and any(int(r["id_product_attribute"]) for r in product_rows):
            continue  # the aggregate of a product with combinations is PrestaShop's sum
        rows += [r for r in product_rows
                 if int(r["id_product_attribute"]) == id_attribute
                 and stock_row_applies(r, shop_id=shop_id)
                 and r.get("depends_on_stock") != "1"]
    if not rows:
        return [], f"reference {reference} has no writable stock row in this shop"
    return rows, ""
