"""Reading stock from both sides: Picqer free stock by product code, and the PrestaShop
catalogue laid out by reference (`sync.mappers.catalogue`). One reader for every consumer:
the per-product update, the full sync and the match report. Holds small typed records,
never full JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sync.http.base import submit_under_deadline
from sync.http.errors import ApiClientError, ApiError
from sync.mappers.catalogue import PACK_DEFAULT, CatalogueLayout, Placement, catalogue_layout
from sync.mappers.stock import free_stock_total, product_is_unlimited
from sync.picqer.records import Product as PicqerProduct
from sync.prestashop.records import Product, StockAvailable


@dataclass(frozen=True, slots=True)
class PicqerStock:
    """One Picqer product as the stock sync sees it."""

    idproduct: int
    code: str
    name: str
    quantity: int  # free stock over the chosen warehouses, never below zero


def _picqer_stock(product: PicqerProduct, quantity: int) -> PicqerStock:
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
    without_stock: dict[int, PicqerProduct] = {}
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


def _default_pack_stock_type(prestashop, products: list[Product]) -> int | None:
    """PS_PACK_STOCK_TYPE, read only when a pack follows the shop default; None when the
    key may not read configurations (those packs are then flagged, not guessed)."""
    if not any(p.is_pack and p.pack_stock_type == PACK_DEFAULT for p in products):
        return None
    try:
        config = prestashop.configurations(["PS_PACK_STOCK_TYPE"])
    except ApiError as exc:
        if exc.retryable:
            raise
        return None
    return config.number("PS_PACK_STOCK_TYPE")


def _stock_rows(rows: Iterable[StockAvailable], shop_id: int | None) -> list[StockAvailable]:
    return [r for r in rows if r.in_shop(shop_id)]


def prestashop_catalogue_read(prestashop, *, shop_id: int | None) -> CatalogueLayout:
    """The whole catalogue of the shop, laid out by reference: three narrow id-paged lists
    (products, combinations, the shop's stock rows), plus PS_PACK_STOCK_TYPE when a pack
    follows the shop default."""
    # The stock rows (half the pages) are read on a second thread meanwhile: each list is a
    # chain of round trips, and the two chains need not wait for each other.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stock-rows") as reader:
        stock = submit_under_deadline(
            reader, lambda: _stock_rows(prestashop.stock_availables_iter(shop_id=shop_id), shop_id)
        )
        products = prestashop.products_for_stock()
        combinations = list(prestashop.combinations_for_stock())
        rows = stock.result()
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
            c for c in prestashop.combinations_by_reference(reference) if c.reference == reference
        ]
        products = [
            p for p in prestashop.products_by_reference(reference) if p.reference == reference
        ]
    except ApiClientError as exc:
        return None, f"reference {reference} cannot be looked up: {exc.message}"
    if not combos and not products:
        return None, f"reference {reference} not found in PrestaShop"
    rows: list[StockAvailable] = []
    for id_product in {p.id for p in products} | {c.id_product for c in combos}:
        rows += _stock_rows(prestashop.stock_availables_for_product(id_product), shop_id)
    for product in products:
        has_combinations = any(r.id_product == product.id and r.id_product_attribute for r in rows)
        if has_combinations or not any(r.id_product == product.id for r in rows):
            seen = {c.id for c in combos}
            combos += [
                c for c in prestashop.combinations_for_product(product.id) if c.id not in seen
            ]
    # A combination's product matters here only through its reference, and a product with
    # this reference is in `products` already; the others stand in with an empty one.
    known = {p.id for p in products}
    parents = [Product(id=i, reference="") for i in {c.id_product for c in combos} - known]
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
