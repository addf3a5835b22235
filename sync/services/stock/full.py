"""The full catalogue stock sync: one SyncRun per shop at a time, only differences written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from prestapicqer.models import Shop
from sync.activity import activity_log
from sync.clients.errors import ApiError
from sync.clients.picqer import PicqerClient
from sync.clients.prestashop import PrestaShopClient
from sync.mappers.stock import quantity_of
from sync.models.stock import SyncRun

from .sources import picqer_free_stock_by_code, prestashop_stock_rows

State = SyncRun.State
# A run still "running" after this has lost its worker (hard time limit is far below).
STALE_AFTER = timedelta(hours=2)
SAVE_EVERY = 250  # rows between progress saves, so the status page moves
MAX_LOGGED_ERRORS = 20  # per run in the activity log; the count is always complete
COUNTS = ("checked", "changed", "missing_in_prestashop", "missing_in_picqer", "errors")


def _abandon_stale(shop: Shop) -> None:
    SyncRun.objects.filter(
        shop=shop, state=State.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(state=State.FAILED, finished_at=timezone.now(),
             message="abandoned: the worker running it stopped")


def _enqueue(run_id: int) -> None:
    from sync.tasks.stock import stock_sync_full_task

    transaction.on_commit(lambda: stock_sync_full_task.delay(run_id))


def stock_sync_request(*, shop: Shop, trigger: str) -> SyncRun:
    """Ask for a full sync of `shop`: returns the shop's queued run (creating it when there
    is none) and enqueues its task. At most one run is queued and one running per shop."""
    _abandon_stale(shop)
    run = SyncRun.objects.filter(shop=shop, state=State.QUEUED).first()
    if run is None:
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(shop=shop, trigger=trigger)
        except IntegrityError:  # a concurrent request queued one first
            run = SyncRun.objects.get(shop=shop, state=State.QUEUED)
    _enqueue(run.pk)
    return run


def stock_sync_start(*, shop: Shop, trigger: str) -> SyncRun | None:
    """Create a run that is running right away (for a synchronous sync in this process);
    None when another run of the shop is running."""
    _abandon_stale(shop)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(shop=shop, trigger=trigger, state=State.RUNNING,
                                          started_at=timezone.now())
    except IntegrityError:
        return None


def stock_sync_claim(*, run_id: int, resume: bool = False) -> SyncRun | None:
    """Move a queued run to running (None when it is not queued, or another run of the shop
    is running: the finishing run starts it). `resume` accepts our own running run (a
    Celery retry of the same task)."""
    run = SyncRun.objects.select_related("shop__account").filter(pk=run_id).first()
    if run is None:
        return None
    if resume and run.state == State.RUNNING:
        return run
    try:
        with transaction.atomic():
            claimed = SyncRun.objects.filter(pk=run_id, state=State.QUEUED).update(
                state=State.RUNNING, started_at=timezone.now())
    except IntegrityError:
        return None
    if not claimed:
        return None
    run.refresh_from_db()
    return run


def _close(run: SyncRun, state: str, message: str) -> None:
    run.state, run.message, run.finished_at = state, message, timezone.now()
    run.save(update_fields=[*COUNTS, "state", "message", "finished_at"])
    queued = SyncRun.objects.filter(shop_id=run.shop_id, state=State.QUEUED).first()
    if queued:
        _enqueue(queued.pk)


def stock_sync_fail(*, run: SyncRun, message: str) -> None:
    """Mark `run` failed with an operator-readable reason (and start a queued successor)."""
    _close(run, State.FAILED, message)
    activity_log(action="stock_sync_failed", level="error", shop=run.shop,
                 message=f"Full stock sync {run.pk} failed: {message}")


def _write(prestashop, run: SyncRun, reference: str, row: dict, quantity: int) -> None:
    """Set one row; a non-retryable refusal is counted and logged, a retryable error is
    raised so the task retries the run (which then writes only what still differs)."""
    try:
        prestashop.stock_available_set_quantity(int(row["id"]), quantity)
        run.changed += 1
    except ApiError as exc:
        if exc.retryable:
            raise
        run.errors += 1
        if run.errors <= MAX_LOGGED_ERRORS:
            activity_log(action="stock_write_failed", level="warning", shop=run.shop,
                         product_reference=reference,
                         message=f"Stock of {reference} not written: {exc}")


def stock_sync_full(
    *, shop: Shop, run: SyncRun, progress: Callable[[int], None] | None = None
) -> SyncRun:
    """Run a claimed full sync: Picqer free stock by product code against every writable
    PrestaShop stock row of the shop; only differing rows are written. Counts go on `run`
    (checked, changed, missing on either side, errors); progress(n) is called per row."""

    for name in COUNTS:
        setattr(run, name, 0)
    wanted = picqer_free_stock_by_code(PicqerClient.for_account(shop.account),
                                       warehouse_ids=shop.warehouse_ids)
    prestashop = PrestaShopClient.for_shop(shop)
    found: set[str] = set()
    for seen, (reference, row) in enumerate(
        prestashop_stock_rows(prestashop, shop_id=shop.prestashop_shop_id), start=1
    ):
        if reference not in wanted:
            run.missing_in_picqer += 1
        else:
            found.add(reference)
            run.checked += 1
            if quantity_of(row) != wanted[reference]:
                _write(prestashop, run, reference, row, wanted[reference])
        if seen % SAVE_EVERY == 0:
            run.save(update_fields=list(COUNTS))
        if progress:
            progress(1)
    run.missing_in_prestashop = len(wanted.keys() - found)
    _close(run, State.DONE, f"{run.changed} of {run.checked} products changed")
    activity_log(action="stock_sync_done", shop=shop,
                 message=f"Full stock sync {run.pk}: {run.checked} checked, {run.changed} "
                         f"changed, {run.missing_in_prestashop} missing in PrestaShop, "
                         f"{run.missing_in_picqer} missing in Picqer, {run.errors} errors.")
    return run
