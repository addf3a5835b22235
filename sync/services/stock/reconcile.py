"""The full sync's side of the catalogue matches: count every reference in its kind, list
it (bounded), and write the stock rows that differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext

from sync.activity import activity_log
from sync.http.errors import ApiError
from sync.mappers.catalogue import PROBLEM_LABELS
from sync.mappers.stock import quantity_sellable
from sync.models.stock import SyncRun, SyncRunItem
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient
from sync.services.product_index import product_index_feeding

from .matching import Match, MatchStatus, catalogue_matches
from .pacing import catalogue_read_paced
from .pending import pending_changed, pending_units_by_reference
from .writes import StockWriter

COUNTS = (
    "checked",
    "changed",
    "unchanged",
    "missing_in_prestashop",
    "missing_in_picqer",
    "ambiguous",
    "duplicates",
    "near_misses",
    "errors",
)
RUN_FIELDS = (*COUNTS, "ambiguous_kinds")
SAVE_EVERY = 250  # rows between progress saves, so the status page moves
MAX_LOGGED_ERRORS = 20  # per run in the activity log; the count is always complete
ITEM_BATCH = 500

Kind = SyncRunItem.Kind
# Which count and list a match that is not written goes to.
NOT_WRITTEN = {
    MatchStatus.ONLY_IN_PICQER: ("missing_in_prestashop", Kind.MISSING_IN_PRESTASHOP),
    MatchStatus.ONLY_IN_PRESTASHOP: ("missing_in_picqer", Kind.MISSING_IN_PICQER),
    MatchStatus.AMBIGUOUS: ("ambiguous", Kind.AMBIGUOUS),
    MatchStatus.NOT_WRITABLE: ("ambiguous", Kind.AMBIGUOUS),
    MatchStatus.DUPLICATE: ("duplicates", Kind.DUPLICATE),
    MatchStatus.NEAR_MISS: ("near_misses", Kind.NEAR_MISS),
}


class RunItems:
    """The references a run lists, saved in batches; at most SyncRunItem.MAX_ITEMS."""

    def __init__(self, run: SyncRun) -> None:
        self.run, self.kept, self._batch = run, 0, []

    def add(self, kind: str, reference: str, detail: str = "") -> None:
        if self.kept >= SyncRunItem.MAX_ITEMS:
            return
        self.kept += 1
        self._batch.append(
            SyncRunItem(run=self.run, kind=kind, reference=reference[:128], detail=detail[:500])
        )
        if len(self._batch) >= ITEM_BATCH:
            self.flush()

    def flush(self) -> None:
        SyncRunItem.objects.bulk_create(self._batch)
        self._batch = []


def _count_write(run: SyncRun, items: RunItems, reference: str, error: ApiError | None) -> None:
    """Count one finished write; a refused row is listed and logged (up to
    MAX_LOGGED_ERRORS)."""
    if error is None:
        run.changed += 1
        return
    run.errors += 1
    items.add(Kind.ERROR, reference, str(error))
    if run.errors <= MAX_LOGGED_ERRORS:
        activity_log(
            action="stock_write_failed",
            level="warning",
            shop=run.shop,
            product_reference=reference[:64],
            message=f"Stock of {reference} not written: {error}",
        )


def _account(
    run: SyncRun, items: RunItems, writer: StockWriter, match: Match, pending: dict[str, int]
) -> int:
    """Count, list or write one match (free stock less `pending`, the units of orders not in
    Picqer yet); returns the stock rows it compared."""
    status = match.status
    if status is MatchStatus.EMPTY_REFERENCE:
        return 0  # not a reference: the match report lists these
    if status is not MatchStatus.MATCHED:
        count, kind = NOT_WRITTEN[status]
        setattr(run, count, getattr(run, count) + 1)
        if count == "ambiguous":
            problem = match.placement.problem.value
            run.ambiguous_kinds[problem] = run.ambiguous_kinds.get(problem, 0) + 1
        items.add(kind, match.reference, match.detail)
        return 0
    quantity = quantity_sellable(
        free=match.picqer.quantity, pending=pending.get(match.reference, 0)
    )
    for row_id, current in match.placement.rows:
        if current != quantity:
            writer.submit(match.reference, row_id, quantity)
    run.checked += len(match.placement.rows)
    return len(match.placement.rows)


def stock_sync_reconcile(
    *, shop, run: SyncRun, progress: Callable[[int], None] | None = None
) -> None:
    """Compare the whole catalogue and write the differences while Picqer is still paging.

    Why threads: the run is a chain of round trips. Picqer's pages are the floor (one per
    100 products, within the shared rate budget, read here in order on this thread); the
    PrestaShop layout is read meanwhile on its own thread and the writes go out on
    StockWriter's pool, so the run takes about as long as the Picqer pages alone. Counts go
    on `run` (a retry of the run starts them, and its list, afresh)."""
    for name in COUNTS:
        setattr(run, name, 0)
    run.ambiguous_kinds = {}
    run.items.all().delete()
    items = RunItems(run)
    prestashop = PrestaShopClient.for_shop(shop)
    unsaved = 0
    # Read before Picqer (see stock_sync_product); what changes during the run is written
    # again at its end, per reference.
    pending = pending_units_by_reference(shop=shop)
    with (
        catalogue_read_paced(),
        StockWriter(
            prestashop,
            on_result=partial(_count_write, run, items),
            workers=shop.stock_write_parallel,
        ) as writer,
    ):
        # The product pages also fill the account's product index (no extra call).
        picqer = product_index_feeding(PicqerClient.for_account(shop.account), account=shop.account)
        for match in catalogue_matches(picqer, prestashop, shop=shop, warm_version=True):
            rows = _account(run, items, writer, match, pending)
            if progress and rows:
                progress(rows)
            unsaved += rows
            if unsaved >= SAVE_EVERY:  # so the status page moves during a long run
                unsaved = 0
                run.save(update_fields=list(RUN_FIELDS))
        writer.finish()
    items.flush()
    now = pending_units_by_reference(shop=shop)
    pending_changed(
        account_id=shop.account_id,
        references=[r for r in {*pending, *now} if pending.get(r) != now.get(r)],
    )
    run.unchanged = run.checked - run.changed - run.errors


@dataclass
class ListedItems:
    """The kept references of one kind of a run, and how many more the count holds."""

    kind: str
    label: str
    count: int
    items: list[SyncRunItem]
    more: int


COUNT_OF_KIND = {kind: count for count, kind in NOT_WRITTEN.values()} | {Kind.ERROR: "errors"}


def run_items_listed(*, run: SyncRun, kind: str) -> ListedItems:
    """What a count links to: its listed references ("and N more" past the kept ones)."""
    items = list(run.items.filter(kind=kind))
    count = getattr(run, COUNT_OF_KIND[kind])
    return ListedItems(
        kind=kind, label=Kind(kind).label, count=count, items=items, more=max(count - len(items), 0)
    )


def ambiguous_kinds_labelled(run: SyncRun) -> list[tuple[str, int]]:
    """(plain-words kind, count) of the run's ambiguous references, largest first, in the
    active language."""
    return [
        (gettext(PROBLEM_LABELS.get(kind, kind)), count)
        for kind, count in sorted(run.ambiguous_kinds.items(), key=lambda kv: -kv[1])
    ]


def stock_sync_summary(run: SyncRun) -> str:
    """The run's counts in one sentence, for the activity log and the command line."""
    kinds = "; ".join(f"{n} {label}" for label, n in ambiguous_kinds_labelled(run))
    return (
        f"{run.checked} checked, {run.changed} changed, {run.unchanged} unchanged, "
        f"{run.missing_in_prestashop} missing in PrestaShop, {run.missing_in_picqer} "
        f"missing in Picqer, {run.ambiguous} ambiguous{f' ({kinds})' if kinds else ''}, "
        f"{run.duplicates} duplicates, {run.near_misses} near misses, "
        f"{run.errors} errors"
    )
