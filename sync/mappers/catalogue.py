"""Where a reference's stock lives in a PrestaShop catalogue: one rule per product layout.

PrestaShop keeps sellable quantities in `stock_availables` rows keyed by (id_product,
id_product_attribute). Which row a Picqer product code means depends on how the product is
built, and some layouts have no single row to write (docs/sources.md#prestashop-stock-rows):

- a product without combinations: its own row (id_product_attribute 0);
- a combination with its own reference: that combination's row (also when it equals its
  product's reference);
- a product with combinations never holds stock itself (PrestaShop recomputes its row as the
  sum of its combinations): its reference, when no combination carries it, is *ambiguous*;
- a pack whose sales take stock from the products in it (pack stock type 1 or 2, or 3 = the
  shop default when that is 1 or 2): PrestaShop derives its availability from those products;
- a row with `depends_on_stock` 1 (advanced stock management, 1.5/1.6): PrestaShop computes
  it from its warehouses and the webservice refuses the write (error 133);
- the same reference on several stock targets: *duplicate*, nothing is written.

Every consumer (the per-product update, the full sync, the match report) calls
`catalogue_layout` on the typed records the client returns (`sync.prestashop.records`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from django.utils.translation import gettext_noop

from sync.prestashop.records import Combination, Product, StockAvailable

# Pack stock types (Pack::STOCK_TYPE_*): 0 pack only, 1 products only, 2 both, 3 shop default.
PACK_ONLY, PACK_PRODUCTS_ONLY, PACK_BOTH, PACK_DEFAULT = 0, 1, 2, 3


class Problem(StrEnum):
    """Why a reference has no single writable stock row."""

    COMBINATIONS_WITHOUT_REFERENCE = "combinations_without_reference"
    PARENT_REFERENCE = "parent_reference"
    PACK_FROM_PRODUCTS = "pack_from_products"
    ADVANCED_STOCK_MANAGEMENT = "advanced_stock_management"
    NO_STOCK_ROW = "no_stock_row"
    DUPLICATE = "duplicate"


# Stored in the run items and reports (English); translated where a page shows the label.
PROBLEM_LABELS = {
    Problem.COMBINATIONS_WITHOUT_REFERENCE: gettext_noop(
        "product with combinations without their own reference"
    ),
    Problem.PARENT_REFERENCE: gettext_noop("product with combinations (it holds no stock itself)"),
    Problem.PACK_FROM_PRODUCTS: gettext_noop("pack whose stock PrestaShop takes from its products"),
    Problem.ADVANCED_STOCK_MANAGEMENT: gettext_noop(
        "stock computed by PrestaShop (advanced stock management)"
    ),
    Problem.NO_STOCK_ROW: gettext_noop("no stock row in this shop"),
    Problem.DUPLICATE: gettext_noop("same reference on several products or combinations"),
}


@dataclass(frozen=True, slots=True)
class Placement:
    """A reference's stock target (`rows` to write) or, with `problem`, why there is none.

    `quiet`: the reference of a product whose combinations all have their own references —
    a parent label, a problem only when Picqer has a product with that code."""

    reference: str
    id_product: int
    id_product_attribute: int = 0
    name: str = ""
    rows: tuple[tuple[int, int], ...] = ()  # (stock_available id, current quantity)
    problem: Problem | None = None
    detail: str = ""
    quiet: bool = False

    @property
    def writable(self) -> bool:
        return self.problem is None

    @property
    def label(self) -> str:
        """The problem in plain words, with what to do ("" when writable)."""
        return self.detail or (PROBLEM_LABELS[self.problem] if self.problem else "")

    @property
    def target(self) -> str:
        if self.id_product_attribute:
            return f"combination {self.id_product_attribute} of product {self.id_product}"
        return f"product {self.id_product}"


@dataclass
class CatalogueLayout:
    """`by_reference`: every non-empty reference; `unreferenced`: stock targets without a
    reference (a product, or a product's combinations, with an empty reference)."""

    by_reference: dict[str, Placement]
    unreferenced: list[Placement]


def _pack_problem(product: Product, default_type: int | None) -> str:
    """Why PrestaShop computes the pack's stock itself ("" when its own row is used)."""
    stock_type = product.pack_stock_type
    if stock_type is None or stock_type == PACK_ONLY:
        return ""
    if stock_type == PACK_DEFAULT:
        if default_type is None:
            return (
                "pack following the shop's default pack stock type, which could not be "
                'read: set the pack\'s stock type to "Decrement pack only" in PrestaShop '
                "to sync its stock"
            )
        if default_type == PACK_ONLY:
            return ""
        stock_type = default_type
    how = (
        "only the products in it"
        if stock_type == PACK_PRODUCTS_ONLY
        else "the pack and the products in it"
    )
    return (
        f"pack whose sales decrement {how}: PrestaShop takes its stock from those "
        'products; set its stock type to "Decrement pack only" to sync it from Picqer'
    )


def _placement(
    product: Product,
    reference: str,
    id_attribute: int,
    name: str,
    rows: list[StockAvailable],
    *,
    pack_problem: str = "",
) -> Placement:
    base = Placement(
        reference=reference, id_product=product.id, id_product_attribute=id_attribute, name=name
    )
    if pack_problem:
        return replace(base, problem=Problem.PACK_FROM_PRODUCTS, detail=pack_problem)
    if not rows:
        return replace(
            base,
            problem=Problem.NO_STOCK_ROW,
            detail=(
                "no stock row in this shop — nothing written; check that the product is "
                "available in this shop"
            ),
        )
    writable = tuple((r.id, r.quantity) for r in rows if not r.depends_on_stock)
    if not writable:
        return replace(
            base,
            problem=Problem.ADVANCED_STOCK_MANAGEMENT,
            detail=(
                "stock computed by PrestaShop (advanced stock management) — nothing written; "
                "switch advanced stock management off for this product to sync it from Picqer"
            ),
        )
    return replace(base, rows=writable)


def _parent_placement(product: Product, combos: list[Combination]) -> Placement:
    without = sum(1 for c in combos if not c.reference)
    base = Placement(reference=product.reference, id_product=product.id, name=product.name)
    if without:
        return replace(
            base,
            problem=Problem.COMBINATIONS_WITHOUT_REFERENCE,
            detail=(
                f"ambiguous: product with {without} combination{'s' if without > 1 else ''} "
                "without their own reference — nothing written; give each combination its own "
                f"reference in PrestaShop (e.g. {product.reference}-S)"
            ),
        )
    return replace(
        base,
        problem=Problem.PARENT_REFERENCE,
        quiet=True,
        detail=(
            f"ambiguous: product with {len(combos)} combinations, each with its own reference — "
            "the product holds no stock itself; use a combination's reference as the Picqer "
            "product code"
        ),
    )


def _duplicate(reference: str, claims: list[Placement]) -> Placement:
    targets = ", ".join(p.target for p in claims[:5])
    more = f" and {len(claims) - 5} more" if len(claims) > 5 else ""
    return Placement(
        reference=reference,
        id_product=claims[0].id_product,
        id_product_attribute=claims[0].id_product_attribute,
        name=claims[0].name,
        problem=Problem.DUPLICATE,
        detail=(
            f"duplicate: reference on {len(claims)} stock targets ({targets}"
            f"{more}) — nothing written; give each its own reference"
        ),
    )


def catalogue_layout(
    products: Iterable[Product],
    combinations: Iterable[Combination],
    stock_rows: Iterable[StockAvailable],
    *,
    default_pack_stock_type: int | None = None,
) -> CatalogueLayout:
    """Each reference's stock target or problem, from the shop's products, combinations and
    stock rows (rows already limited to the shop). Case and spaces count: references are
    compared exactly, as the sync matches them."""
    rows: dict[tuple[int, int], list[StockAvailable]] = {}
    for row in stock_rows:
        rows.setdefault((row.id_product, row.id_product_attribute), []).append(row)
    combos: dict[int, list[Combination]] = {}
    for combo in combinations:
        combos.setdefault(combo.id_product, []).append(combo)

    claims: dict[str, Placement | list[Placement]] = {}
    unreferenced: list[Placement] = []

    def claim(placement: Placement) -> None:
        if not placement.reference:
            unreferenced.append(placement)
            return
        held = claims.get(placement.reference)
        if held is None:
            claims[placement.reference] = placement
        elif isinstance(held, list):
            held.append(placement)
        else:
            claims[placement.reference] = [held, placement]

    for product in products:
        own = combos.get(product.id)
        if not own:
            claim(
                _placement(
                    product,
                    product.reference,
                    0,
                    product.name,
                    rows.get((product.id, 0), []),
                    pack_problem=_pack_problem(product, default_pack_stock_type)
                    if product.is_pack
                    else "",
                )
            )
            continue
        for combo in own:
            if combo.reference:
                claim(
                    _placement(
                        product,
                        combo.reference,
                        combo.id,
                        product.name,
                        rows.get((product.id, combo.id), []),
                    )
                )
        if not product.reference:
            if any(not c.reference for c in own):
                unreferenced.append(
                    Placement(reference="", id_product=product.id, name=product.name)
                )
        elif not any(c.reference == product.reference for c in own):
            claim(_parent_placement(product, own))

    by_reference: dict[str, Placement] = {}
    for reference, held in claims.items():
        if not isinstance(held, list):
            by_reference[reference] = held
            continue
        loud = [p for p in held if not p.quiet]
        by_reference[reference] = (
            loud[0]
            if len(loud) == 1
            else replace(_duplicate(reference, loud or held), quiet=not loud)
        )
    return CatalogueLayout(by_reference=by_reference, unreferenced=unreferenced)


def near_miss_key(reference: str) -> str:
    """References that differ only in case or surrounding spaces share this key."""
    return reference.strip().casefold()
