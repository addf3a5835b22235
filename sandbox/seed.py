"""The data generator: matching catalogues on both sides, with deliberate mismatches."""

from __future__ import annotations

import random

from .knobs import knobs_get
from .picqer.catalog import product_create_doc, stock_adjust
from .prestashop.shop import ps_order_place, ps_product_create
from .store import Tx

SIZES = ("S", "M", "L")
WORDS = ("Hoodie", "Mug", "Poster", "Sneaker", "Lamp", "Scarf", "Backpack", "Notebook")


def sandbox_seed(tx: Tx, *, products: int = 10, with_combinations: int = 0, orders: int = 0,
                 unknown_refs: int = 0, case_variants: int = 0, seed: int | None = None,
                 max_stock: int = 50) -> dict:
    """Create `products` PrestaShop products (the first `with_combinations` with S/M/L
    combinations) and a Picqer product per sellable reference — except the last
    `unknown_refs` (unknown to Picqer) and the `case_variants` before those (Picqer's
    productcode is the lower-case variant). Then `orders` shop orders over all references.
    """
    rng = random.Random(seed)
    knobs = knobs_get(tx)
    refs: list[tuple[str, str, float]] = []
    for n in range(products):
        number = tx.next_id("seed.product", 1)
        reference, price = f"SB-{number:05d}", round(rng.uniform(5, 120), 2)
        name = f"{rng.choice(WORDS)} {number}"
        sizes = SIZES if n < with_combinations else ()
        ps_product_create(tx, reference=reference, name=name, price=price, sizes=sizes,
                          quantity=rng.randint(0, 40), rng=rng)
        refs += [(f"{reference}-{s}", f"{name} {s}", price) for s in sizes] or \
            [(reference, name, price)]
    unknown = refs[len(refs) - unknown_refs:] if unknown_refs else []
    case = refs[max(len(refs) - unknown_refs - case_variants, 0): len(refs) - unknown_refs]
    case_refs = {r for r, _, _ in case}
    for reference, name, price in refs[: len(refs) - unknown_refs]:
        code = reference.lower() if reference in case_refs else reference
        product = product_create_doc(tx, fields={"productcode": code, "name": name,
                                                 "price": price}, knobs=knobs)
        stock_adjust(tx, product=product, stock=rng.randint(0, max_stock))
    placed = []
    for _ in range(orders):
        lines = [{"reference": rng.choice(refs)[0], "quantity": rng.randint(1, 3)}
                 for _ in range(rng.randint(1, 3))]
        placed.append(int(ps_order_place(tx, lines=lines, rng=rng)["id"]))
    return {
        "references": [r for r, _, _ in refs],
        "unknown_refs": [r for r, _, _ in unknown],
        "case_variants": [[r, r.lower()] for r, _, _ in case],
        "orders": placed,
    }
