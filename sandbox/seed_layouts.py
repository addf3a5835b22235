"""One PrestaShop product of each catalogue layout the stock sync must classify, so the
match report and the full sync counts show every kind (sync.mappers.catalogue)."""

from __future__ import annotations

from .knobs import knobs_get
from .picqer.catalog import product_create_doc, stock_adjust
from .prestashop.data import ml, ps_insert
from .store import Tx


def _product(tx: Tx, reference: str, name: str, **fields) -> dict:
    values = {"type": "simple", "product_type": "standard", **fields}
    return ps_insert(
        tx,
        "products",
        reference=reference,
        name=ml(name),
        price="10.000000",
        active=1,
        id_tax_rules_group=1,
        id_category_default=2,
        link_rewrite=ml(reference.lower() or "no-reference"),
        state=1,
        visibility="both",
        available_for_order=1,
        **values,
    )


def _stock(tx: Tx, product: dict, id_attribute, quantity: int, depends_on_stock: int = 0):
    ps_insert(
        tx,
        "stock_availables",
        id_product=product["id"],
        id_product_attribute=id_attribute,
        id_shop=1,
        id_shop_group=0,
        quantity=quantity,
        depends_on_stock=depends_on_stock,
        out_of_stock=2,
    )


def sandbox_seed_layouts(tx: Tx) -> dict[str, str]:
    """{layout: reference}; every reference but the empty one also exists in Picqer (the
    near miss under its lower-case code), with 5 units. A later seed of the same sandbox
    numbers its references (SB-PACK-2), as Picqer refuses a product code twice."""
    number = tx.next_id("seed.layouts", 1)
    suffix = f"-{number}" if number > 1 else ""
    layouts = {
        layout: f"{reference}{suffix}" if reference else ""
        for layout, reference in (
            ("ambiguous", "SB-AMBIGUOUS"),
            ("duplicate", "SB-DUPLICATE"),
            ("near_miss", "SB-NEAR-MISS"),
            ("pack", "SB-PACK"),
            ("advanced_stock_management", "SB-ASM"),
            ("empty_reference", ""),
        )
    }
    ambiguous = _product(tx, layouts["ambiguous"], "Ambiguous shirt", product_type="combinations")
    for _ in range(3):  # combinations without a reference of their own (PrestaShop demo)
        combo = ps_insert(
            tx,
            "combinations",
            id_product=ambiguous["id"],
            reference="",
            minimal_quantity=1,
            price="0.000000",
        )
        _stock(tx, ambiguous, combo["id"], 4)
    _stock(tx, ambiguous, 0, 12)
    for copy in ("", " (copy)"):
        _stock(tx, _product(tx, layouts["duplicate"], f"Duplicate sticker{copy}"), 0, 3)
    _stock(tx, _product(tx, layouts["near_miss"], "Near-miss mug"), 0, 2)
    _stock(
        tx,
        _product(
            tx,
            layouts["pack"],
            "Pack from products",
            type="pack",
            cache_is_pack=1,
            pack_stock_type=1,
            product_type="pack",
        ),
        0,
        1,
    )
    _stock(
        tx,
        _product(
            tx,
            layouts["advanced_stock_management"],
            "Warehouse-managed lamp",
            advanced_stock_management=1,
        ),
        0,
        6,
        depends_on_stock=1,
    )
    _stock(tx, _product(tx, "", "Product without reference"), 0, 1)
    knobs = knobs_get(tx)
    for layout, reference in layouts.items():
        if not reference:
            continue
        code = reference.lower() if layout == "near_miss" else reference
        product = product_create_doc(
            tx, fields={"productcode": code, "name": reference, "price": 10.0}, knobs=knobs
        )
        stock_adjust(tx, product=product, stock=5)
    return layouts
