"""Reading stock from both sides: Picqer free stock by product code, and the PrestaShop
catalogue laid out by reference (`sync.mappers.catalogue`). One reader for every consumer:
the per-product update, the full sync and the match report. Holds small typed records,
never full JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sync.http.errors import ApiClientError, ApiError
from sync.mappers.catalogue import (
    PACK_DEFAULT,
    CatalogueLayout,
    Placement,
    PsCombination,
    PsProduct,
    PsStockRow,
    catalogue_layout,
)
from sync.mappers.stock import free_stock_total, product_is_unlimited, stock_row_applies
from sync.picqer.records import Product

PS_PAGE = 1000  # narrow display lists: prestashop-ws.md §4.4
# `pack_stock_type` exists from PrestaShop 1.6.1; older shops refuse to display it.
PRODUCT_FIELDS = ["id", "reference", "name", "type", "cache_is_pack", "pack_stock_type"]
PRODUCT_FIELDS_OLD = PRODUCT_FIELDS[:-1]
COMBINATION_FIELDS = ["id", "id_product", "reference"]


@dataclass(frozen=True, slots=True)
class PicqerStock:
    """One Picqer product as the stock sync sees it."""

    idproduct: int
    code: str
    name: str
    quantity: int  # free stock over the chosen warehouses, never below zero


def _picqer_stock(product: Product, quantity: int) -> PicqerStock:
    return PicqerStock(
        idproduct=product.idproduct,
        code=product.productcode,
        name=product.name,
        quantity=quantity,
    )


def picqer_free_stock_iter(picqer, *, warehouse_ids) -> Iterator[PicqerStock]:
    """Every active Picqer product with a code and limited stock, from GET /products
    (ceil(products / 100) calls; the product objects carry `stock` per warehouse). Yielded
    as the pages arrive, so the caller can compare while later pages are still in flight.

    Should a product object come without `stock`, its quantity is taken from
    /warehouses/{id}/stock instead (products absent there have no stock: 0); those are
    yielded last, after the product list is complete."""
    without_stock: dict[int, Product] = {}
    # The next page is read while this one is compared (and recorded in the product index).
    for product in picqer.products_iter(read_ahead=True):
        if not product.productcode or product_is_unlimited(product):
            continue
        if product.stock is not None:
            yield _picqer_stock(
                product, free_stock_total(product.stock, warehouse_ids=warehouse_ids)
            )
        else:
            without_stock[product.idproduct] = product
    if without_stock:
        stock = dict.fromkeys(without_stock, 0)
        _fill_from_warehouses(picqer, stock, warehouse_ids=warehouse_ids)
        for idproduct, product in without_stock.items():
            yield _picqer_stock(product, max(stock[idproduct], 0))


def _fill_from_warehouses(picqer, stock: dict[int, int], *, warehouse_ids) -> None:
    chosen = list(warehouse_ids or ()) or [w.idwarehouse for w in picqer.warehouses_list()]
    for idwarehouse in chosen:
        for item in picqer.warehouse_stock_iter(idwarehouse):
            if item.idproduct in stock:
                stock[item.idproduct] += item.freestock


def _shop_filter(shop_id: int | None) -> dict[str, str] | None:
    # The shop's own rows and shared shop-group rows (id_shop 0), prestashop-ws.md §2.9.
    return {"id_shop": f"[{shop_id}|0]"} if shop_id else None


def _products(fetch: Callable[[list[str]], Iterable[dict]]) -> list[PsProduct]:
    """Products read with the pack fields, or without them where the shop lacks them."""
    try:
        return [PsProduct.from_ws(p) for p in fetch(PRODUCT_FIELDS)]
    except ApiClientError as exc:
        if "pack_stock_type" not in (exc.message or ""):
            raise
        return [PsProduct.from_ws(p) for p in fetch(PRODUCT_FIELDS_OLD)]


def _default_pack_stock_type(prestashop, products: list[PsProduct]) -> int | None:
    """PS_PACK_STOCK_TYPE, read only when a pack follows the shop default; None when the
    key may not read configurations (those packs are then flagged, not guessed)."""
    if not any(p.is_pack and p.pack_stock_type == PACK_DEFAULT for p in products):
        return None
    try:
        value = prestashop.configurations(["PS_PACK_STOCK_TYPE"]).get("PS_PACK_STOCK_TYPE")
    except ApiError as exc:
        if exc.retryable:
            raise
        return None
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def _stock_rows(rows: Iterable[dict], shop_id: int | None) -> list[PsStockRow]:
    return [PsStockRow.from_ws(r) for r in rows if stock_row_applies(r, shop_id=shop_id)]


def prestashop_catalogue_read(prestashop, *, shop_id: int | None) -> CatalogueLayout:
    """The whole catalogue of the shop, laid out by reference: three narrow id-paged lists
    (products, combinations, the shop's stock rows), plus PS_PACK_STOCK_TYPE when a pack
    follows the shop default."""
    products = _products(
        lambda fields: prestashop.iter_ids("products", display=fields, page_size=PS_PAGE)
    )
    combinations = [
        PsCombination.from_ws(c)
        for c in prestashop.iter_ids("combinations", display=COMBINATION_FIELDS, page_size=PS_PAGE)
    ]
    rows = _stock_rows(
        prestashop.stock_availables_iter(filters=_shop_filter(shop_id), page_size=PS_PAGE), shop_id
    )
    return catalogue_layout(
        products,
        combinations,
        rows,
        default_pack_stock_type=_default_pack_stock_type(prestashop, products),
    )


def prestashop_placement_for_reference(
    prestashop, reference: str, *, shop_id: int | None
) -> tuple[Placement | None, str]:
    """(placement, "") of `reference` by the same layout rules as the full sync, read for
    this one reference: every product and combination carrying it (PrestaShop's filter
    ignores case; we do not), the combinations of those products and their stock rows.
    (None, reason) when PrestaShop has no such reference or cannot be asked."""
    try:
        combos = [
            c
            for c in map(PsCombination.from_ws, prestashop.combinations_by_reference(reference))
            if c.reference == reference
        ]
        products = [
            p
            for p in _products(
                lambda fields: prestashop.products_by_reference(reference, display=fields)
            )
            if p.reference == reference
        ]
    except ApiClientError as exc:
        return None, f"reference {reference} cannot be looked up: {exc.message}"
    if not combos and not products:
        return None, f"reference {reference} not found in PrestaShop"
    rows: list[PsStockRow] = []
    for id_product in {p.id for p in products} | {c.id_product for c in combos}:
        rows += _stock_rows(prestashop.stock_availables_for_product(id_product), shop_id)
    for product in products:
        has_combinations = any(r.id_product == product.id and r.id_product_attribute for r in rows)
        if has_combinations or not any(r.id_product == product.id for r in rows):
            seen = {c.id for c in combos}
            combos += [
                c
                for c in map(
                    PsCombination.from_ws,
                    prestashop.list(
                        "combinations",
                        display=COMBINATION_FIELDS,
                        filters={"id_product": product.id},
                        sort="[id_ASC]",
                    ),
                )
                if c.id not in seen
            ]
    # A combination's product matters here only through its reference, and a product with
    # this reference is in `products` already; the others stand in with an empty one.
    known = {p.id for p in products}
    parents = [PsProduct(id=i, reference="") for i in {c.id_product for c in combos} - known]
    layout = catalogue_layout(
        [*products, *parents],
        combos,
        rows,
        default_pack_stock_type=_default_pack_stock_type(prestashop, products),
    )
    placement = layout.by_reference.get(reference)
    if placement is None:
        return None, f"reference {reference} not found in PrestaShop"
    return placement, ""
