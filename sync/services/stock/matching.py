"""The one catalogue reader: Picqer products paired with the shop's stock placements.

Both consumers — the full stock sync (writes the differences) and the match report (one row
per reference) — iterate `catalogue_matches`, so they see the same pairs at the same API cost:
ceil(Picqer products / 100) + a few Picqer calls, three narrow PrestaShop lists."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from sync.mappers.catalogue import CatalogueLayout, Placement, Problem, near_miss_key

from .sources import PicqerStock, picqer_free_stock_iter, prestashop_catalogue_read


class MatchStatus(StrEnum):
    MATCHED = "matched"
    ONLY_IN_PRESTASHOP = "only_in_prestashop"
    ONLY_IN_PICQER = "only_in_picqer"
    AMBIGUOUS = "ambiguous_combinations"
    DUPLICATE = "duplicate_reference"
    NEAR_MISS = "near_miss"
    EMPTY_REFERENCE = "empty_reference"
    # In both, but PrestaShop computes the stock itself (a pack, advanced stock management)
    # or the product has no stock row in this shop.
    NOT_WRITABLE = "not_writable"


AMBIGUOUS_PROBLEMS = frozenset({Problem.COMBINATIONS_WITHOUT_REFERENCE, Problem.PARENT_REFERENCE})


@dataclass(frozen=True, slots=True)
class Match:
    """One reference: its Picqer product and/or its PrestaShop placement."""

    picqer: PicqerStock | None
    placement: Placement | None

    @property
    def reference(self) -> str:
        return self.placement.reference if self.placement else self.picqer.code

    @property
    def status(self) -> MatchStatus:
        if self.picqer is None:
            if not self.placement.reference:
                return MatchStatus.EMPTY_REFERENCE
            return MatchStatus.ONLY_IN_PRESTASHOP
        if self.placement is None:
            return MatchStatus.ONLY_IN_PICQER
        if self.placement.reference != self.picqer.code:
            return MatchStatus.NEAR_MISS
        if self.placement.problem is Problem.DUPLICATE:
            return MatchStatus.DUPLICATE
        if self.placement.problem in AMBIGUOUS_PROBLEMS:
            return MatchStatus.AMBIGUOUS
        if self.placement.problem is not None:
            return MatchStatus.NOT_WRITABLE
        return MatchStatus.MATCHED

    @property
    def detail(self) -> str:
        """What is wrong and what to do, in plain words ("" for a match)."""
        status = self.status
        if status is MatchStatus.NEAR_MISS:
            return (
                f"near miss: Picqer has {self.picqer.code!r}, PrestaShop "
                f"{self.placement.reference!r} — references match only when equal, "
                "including case and spaces"
            )
        if status is MatchStatus.EMPTY_REFERENCE:
            return f"{self.placement.target} has no reference — it cannot be matched"
        if self.placement is not None and self.placement.problem is not None:
            return self.placement.label
        return ""


def _read_layout(prestashop, shop_id: int | None, warm_version: bool) -> CatalogueLayout:
    layout = prestashop_catalogue_read(prestashop, shop_id=shop_id)
    if warm_version and layout.by_reference:
        # Learn the version (PATCH, or GET + PUT) here, off the critical path and before
        # several writer threads would each ask for it.
        prestashop.version  # noqa: B018 - a property that fetches once
    return layout


def catalogue_matches(picqer, prestashop, *, shop, warm_version: bool = False) -> Iterator[Match]:
    """Every Picqer product with its placement, as Picqer's pages arrive (once the shop's
    layout is read, on its own thread meanwhile); then, once Picqer is complete, the near
    misses, the products only in Picqer, the references only in PrestaShop and the stock
    targets without a reference.

    A product-with-combinations label that no Picqer product uses is not a reference of
    its own (`Placement.quiet`) and is left out."""
    unmatched: list[PicqerStock] = []  # Picqer codes not in the shop, paired at the end
    pending: list[PicqerStock] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stock-index") as reader:
        future = reader.submit(_read_layout, prestashop, shop.prestashop_shop_id, warm_version)
        index: dict[str, Placement] | None = None
        for item in picqer_free_stock_iter(picqer, warehouse_ids=shop.warehouse_ids):
            if index is None and future.done():
                index = future.result().by_reference
                yield from _pair_all(pending, index, unmatched)
                pending = []
            if index is None:
                pending.append(item)
            else:
                yield from _pair_all([item], index, unmatched)
        layout = future.result()
    if index is None:
        index = layout.by_reference
        yield from _pair_all(pending, index, unmatched)
    yield from _leftovers(unmatched, index, layout.unreferenced)


def _pair_all(items, index: dict[str, Placement], unmatched: list) -> Iterator[Match]:
    for item in items:
        placement = index.pop(item.code, None)
        if placement is None:
            unmatched.append(item)
        else:
            yield Match(item, placement)


def _leftovers(
    unmatched: list[PicqerStock], index: dict[str, Placement], unreferenced: list[Placement]
) -> Iterator[Match]:
    loud = {ref: p for ref, p in index.items() if not p.quiet}
    by_key: dict[str, list[str]] = {}
    for reference in loud:
        by_key.setdefault(near_miss_key(reference), []).append(reference)
    for item in unmatched:
        near = by_key.get(near_miss_key(item.code))
        if near:
            reference = near.pop()
            yield Match(item, loud.pop(reference))
        else:
            yield Match(item, None)
    for placement in loud.values():
        yield Match(None, placement)
    for placement in unreferenced:
        yield Match(None, placement)
