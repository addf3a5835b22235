"""The data generator: matching catalogues on both sides, with deliberate mismatches."""

from __future__ import annotations

import random

from .knobs import knobs_get
from .picqer.catalog import PRODUCTS as PICQER_PRODUCTS
from .picqer.catalog import product_create_doc, stock_adjust
from .prestashop.data import ml, ps_insert
from .prestashop.shop import ps_order_place, ps_product_create
from .seed_layouts import sandbox_seed_layouts
from .store import Tx

SIZES = ("S", "M", "L")
WORDS = ("Hoodie", "Mug", "Poster", "Sneaker", "Lamp", "Scarf", "Backpack", "Notebook")


def sandbox_seed(
    tx: Tx,
    *,
    products: int = 10,
    with_combinations: int = 0,
    orders: int = 0,
    unknown_refs: int = 0,
    case_variants: int = 0,
    seed: int | None = None,
    max_stock: int = 50,
    layouts: bool = False,
) -> dict:
    """Create `products` PrestaShop products (the first `with_combinations` with S/M/L
    combinations) and a Picqer product per sellable reference — except the last
    `unknown_refs` (unknown to Picqer) and the `case_variants` before those (Picqer's
    productcode is the lower-case variant). Then `orders` shop orders over all references.
    `layouts` adds one product of each catalogue layout the stock sync classifies
    (`sandbox_seed_layouts`); those stay out of `references` and of the orders.
    """
    rng = random.Random(seed)
    knobs = knobs_get(tx)
    refs: list[tuple[str, str, float]] = []
    for n in range(products):
        number = tx.next_id("seed.product", 1)
        reference, price = f"SB-{number:05d}", round(rng.uniform(5, 120), 2)
        name = f"{rng.choice(WORDS)} {number}"
        sizes = SIZES if n < with_combinations else ()
        ps_product_create(
            tx,
            reference=reference,
            name=name,
            price=price,
            sizes=sizes,
            quantity=rng.randint(0, 40),
            rng=rng,
        )
        refs += [(f"{reference}-{s}", f"{name} {s}", price) for s in sizes] or [
            (reference, name, price)
        ]
    unknown = refs[len(refs) - unknown_refs :] if unknown_refs else []
    case = refs[max(len(refs) - unknown_refs - case_variants, 0) : len(refs) - unknown_refs]
    case_refs = {r for r, _, _ in case}
    for reference, name, price in refs[: len(refs) - unknown_refs]:
        code = reference.lower() if reference in case_refs else reference
        product = product_create_doc(
            tx, fields={"productcode": code, "name": name, "price": price}, knobs=knobs
        )
        stock_adjust(tx, product=product, stock=rng.randint(0, max_stock))
    placed = []
    for _ in range(orders):
        lines = [
            {"reference": rng.choice(refs)[0], "quantity": rng.randint(1, 3)}
            for _ in range(rng.randint(1, 3))
        ]
        placed.append(int(ps_order_place(tx, lines=lines, rng=rng)["id"]))
    return {
        "layouts": sandbox_seed_layouts(tx) if layouts else {},
        "references": [r for r, _, _ in refs],
        "unknown_refs": [r for r, _, _ in unknown],
        "case_variants": [[r, r.lower()] for r, _, _ in case],
        "orders": placed,
    }


BULK_SIZES = ("S", "M", "L", "XL")


def sandbox_seed_stock(
    tx: Tx,
    *,
    skus: int,
    combinations: int = 0,
    differing: int = 0,
    seed: int | None = None,
    max_stock: int = 50,
    mismatches: int = 0,
) -> dict:
    """Benchmark catalogue: `skus` sellable references on both sides (the first
    `combinations` of them are combinations, up to four sizes per product), with equal
    quantities except `differing` randomly chosen references (PrestaShop off by 1..5).

    Built for tens of thousands of references: no webhooks, no per-record lookups (the
    codes are unique by construction), so it runs in seconds where `sandbox_seed` would
    need hours. The first Picqer product goes through `product_create_doc` and the rest
    are copies of it, so their shape stays the emulator's own."""
    if not 0 <= combinations <= skus or not 0 <= differing <= skus:
        raise ValueError("need 0 <= combinations <= skus and 0 <= differing <= skus")
    rng = random.Random(seed)
    stock = [rng.randint(0, max_stock) for _ in range(skus)]
    shop_qty = list(stock)
    for n in rng.sample(range(skus), differing):
        shop_qty[n] += rng.randint(1, 5)
    refs = _ps_catalogue_bulk(tx, skus=skus, combinations=combinations, shop_qty=shop_qty)
    codes = (
        _mismatches_bulk(tx, refs, mismatches, first_simple=combinations) if mismatches else refs
    )
    _picqer_catalogue_bulk(tx, refs=codes, stock=stock + [1] * (len(codes) - len(refs)))
    return {
        "skus": skus,
        "combinations": combinations,
        "differing": differing,
        "mismatches": mismatches,
        "prestashop_products": tx.count("ps.products"),
    }


def _mismatches_bulk(tx: Tx, refs: list[str], n: int, *, first_simple: int) -> list:
    """`n` references of each kind the match report tells apart, taken from the simple
    products (after the first `first_simple` references): a near miss (Picqer's code in
    lower case), only in PrestaShop (no Picqer product), a duplicate (a second product with
    the reference), and `n` extra ambiguous products (three combinations without a
    reference) and `n` Picqer products the shop does not have. Returns the Picqer codes:
    `refs` changed in place of the near misses, None where Picqer has none, extras last."""
    simple = list(range(first_simple, len(refs)))
    if len(simple) < 3 * n:
        raise ValueError("need 3 * mismatches simple products")
    codes: list = list(refs)
    for i in simple[:n]:
        codes[i] = refs[i].lower()
    for i in simple[n : 2 * n]:
        codes[i] = None
    for i in simple[2 * n : 3 * n]:
        twin = ps_insert(
            tx,
            "products",
            reference=refs[i],
            name=ml(f"Twin {refs[i]}"),
            price="10.000000",
            active=1,
            product_type="standard",
        )
        _ps_stock_row(tx, twin["id"], 0, 1)
    for k in range(n):
        product = ps_insert(
            tx,
            "products",
            reference=f"SB-AMB-{k:05d}",
            name=ml("Ambiguous"),
            price="10.000000",
            active=1,
            product_type="combinations",
        )
        for _ in range(3):
            combo = ps_insert(
                tx,
                "combinations",
                id_product=product["id"],
                reference="",
                minimal_quantity=1,
                price="0.000000",
            )
            _ps_stock_row(tx, product["id"], combo["id"], 1)
        _ps_stock_row(tx, product["id"], 0, 3)
        codes.append(product["reference"])
    codes += [f"PQ-ONLY-{k:05d}" for k in range(n)]
    return codes


def _ps_catalogue_bulk(tx: Tx, *, skus: int, combinations: int, shop_qty: list[int]) -> list:
    """PrestaShop products + combinations + shop-1 stock rows; returns the references in
    the order of `shop_qty`. The aggregate row of a product with combinations is their sum,
    as `stock_aggregate_refresh` keeps it (computed here, not re-read)."""
    refs: list[str] = []
    # The sizes as attribute values, so a combination is named "Item 1 — S" by an import.
    size_ids = (
        {
            size: ps_insert(
                tx, "product_option_values", id_attribute_group=1, name=ml(size), position=n
            )["id"]
            for n, size in enumerate(BULK_SIZES)
        }
        if combinations
        else {}
    )
    while len(refs) < skus:
        number = tx.next_id("seed.product", 1)
        reference = f"SB-{number:05d}"
        sizes = BULK_SIZES[: max(0, min(len(BULK_SIZES), combinations - len(refs)))]
        product = ps_insert(
            tx,
            "products",
            reference=reference,
            name=ml(f"Item {number}"),
            price="10.000000",
            active=1,
            id_tax_rules_group=1,
            id_category_default=2,
            link_rewrite=ml(reference.lower()),
            product_type="combinations" if sizes else "standard",
            state=1,
            visibility="both",
            available_for_order=1,
        )
        first = len(refs)
        for size in sizes:
            combo = ps_insert(
                tx,
                "combinations",
                id_product=product["id"],
                reference=f"{reference}-{size}",
                minimal_quantity=1,
                price="0.000000",
                default_on=1 if size == sizes[0] else "",
                associations={"product_option_values": [{"id": size_ids[size]}]},
            )
            _ps_stock_row(tx, product["id"], combo["id"], shop_qty[len(refs)])
            refs.append(combo["reference"])
        if not sizes:
            refs.append(reference)
        _ps_stock_row(tx, product["id"], 0, sum(shop_qty[first : len(refs)]))
    return refs


def _ps_stock_row(tx: Tx, id_product: str, id_product_attribute, quantity: int) -> None:
    ps_insert(
        tx,
        "stock_availables",
        id_product=id_product,
        id_product_attribute=id_product_attribute,
        id_shop=1,
        id_shop_group=0,
        quantity=quantity,
        out_of_stock=2,
    )


def _picqer_catalogue_bulk(tx: Tx, *, refs: list[str], stock: list[int]) -> None:
    template = None
    for reference, amount in zip(refs, stock, strict=True):
        if reference is None:
            continue
        if template is None:
            template = product_create_doc(
                tx,
                fields={"productcode": reference, "name": reference, "price": 10.0},
                knobs=knobs_get(tx),
            )
            product = template
        else:
            product = {
                **template,
                "idproduct": None,
                "productcode": reference,
                "name": reference,
                "stock": [dict(r) for r in template["stock"]],
            }
        row = product["stock"][0]
        row.update(stock=amount, freestock=amount, freepickablestock=amount)
        tx.insert(PICQER_PRODUCTS, product, id_field="idproduct", start=101)
