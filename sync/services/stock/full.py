"""The full catalogue stock sync: one SyncRun per shop at a time, only differences written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from prestapicqer.models import Shop
from sync.activity import activity_log
from sync.clients.errors import BrokerUnavailableError
from sync.models.stock import SyncRun

from .reconcile import RUN_FIELDS, stock_sync_reconcile, stock_sync_summary

State = SyncRun.State
# A run still "running" after this has lost its worker (hard time limit is far below).
STALE_AFTER = timedelta(hours=2)


def _abandon_stale(shop: Shop) -> None:
    SyncRun.objects.filter(
        shop=shop, state=State.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(state=State.FAILED, finished_at=timezone.now(),
             message="abandoned: the worker running it stopped")


def _enqueue(run_id: int) -> None:
    transaction.on_commit(lambda: _full_task_publish(run_id))


def _full_task_publish(run_id: int) -> None:
    from sync.tasks.stock import stock_sync_full_task

    try:
        stock_sync_full_task.delay(run_id)
    except Exception as exc:
        # The run stays queued; the next request (or the inbox's retry) publishes it again.
        raise BrokerUnavailableError(f"full stock sync run {run_id}") from exc


def stock_sync_refusal(*, shop: Shop) -> str:
    """Why a full sync of `shop` may not be asked for by a person (its switches are off),
    in the operator's words; "" when it may. "Enabled" switches PrestaPicqer off for the
    whole shop (user guide §3), "Enable product stock updates" only its stock."""
    if not shop.enabled:
        return (f"The shop {shop.name} is switched off (\"Enabled\" is not ticked): "
                "PrestaPicqer does not sync it, so no full stock sync was started.")
    if not shop.stock_enabled:
        return (f"Product stock updates are off for the shop {shop.name} (\"Enable product "
                "stock updates\" is not ticked), so no full stock sync was started.")
    return ""


def stock_sync_request(*, shop: Shop, trigger: str) -> SyncRun:
    """Ask for a full sync of `shop`: returns the shop's queued run (creating it when there
    is none) and enqueues its task. At most one run is queued and one running per shop."""
    _abandon_stale(shop)
    run = SyncRun.objects.filter(shop=shop, state=State.QUEUED).first()
    created = run is None
    if created:
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(shop=shop, trigger=trigger)
        except IntegrityError:  # a concurrent request queued one first
            run = SyncRun.objects.get(shop=shop, state=State.QUEUED)
    # While a run is going, its end starts the queued one (_close): a burst of stock webhooks
    # must not publish a task each. With nothing running, publish again: an earlier publish
    # may have failed (a duplicate message finds the run claimed and does nothing).
    if created or not SyncRun.objects.filter(shop=shop, state=State.RUNNING).exists():
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
    run.save(update_fields=[*RUN_FIELDS, "state", "message", "finished_at"])
    queued = SyncRun.objects.filter(shop_id=run.shop_id, state=State.QUEUED).first()
    if queued:
        _enqueue(queued.pk)


def stock_sync_fail(*, run: SyncRun, message: str) -> None:
    """Mark `run` failed with an operator-readable reason (and start a queued successor)."""
    _close(run, State.FAILED, message)
    activity_log(action="stock_sync_failed", level="error", shop=run.shop,
                 message=f"Full stock sync {run.pk} failed: {message}")


def stock_sync_full(
    *, shop: Shop, run: SyncRun, progress: Callable[[int], None] | None = None
) -> SyncRun:
    """Run a claimed full sync: Picqer free stock by product code against every writable
    PrestaShop stock row of the shop; only differing rows are written. Counts and the
    listed references go on `run` (reconcile.py); progress(n) is called as rows are
    compared. A retryable error is raised (the task retries the whole run)."""
    stock_sync_reconcile(shop=shop, run=run, progress=progress)
    _close(run, State.DONE, f"{run.changed} of {run.checked} products changed")
    activity_log(action="stock_sync_done", shop=shop,
                 message=f"Full stock sync {run.pk}: {stock_sync_summary(run)}.")
    return run
