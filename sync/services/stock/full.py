"""The full catalogue stock sync: one SyncRun per shop at a time, only differences written."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from prestapicqer.models import Shop
from sync.activity import activity_log
from sync.http.errors import BrokerUnavailableError
from sync.jobs import STOCK_SYNC_FULL, job_publish
from sync.models.stock import SyncRun
from sync.services.retries import retry_due, retry_reason, retry_record
from sync.services.signs_of_life import signs_of_life

from .reconcile import RUN_FIELDS, stock_sync_reconcile, stock_sync_summary

logger = logging.getLogger(__name__)

State = SyncRun.State
# A running run's worker records a sign of life this many times per stale period, so a
# late beat or two never fails a live run.
BEATS_PER_STALE_PERIOD = 4
# A queued run older than this with nothing running has lost its task message (a worker
# killed holding it, a broker folder wiped): the sweeper publishes it again.
QUEUED_REPUBLISH_AFTER = timedelta(minutes=1)


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.STOCK_SYNC_STALE_SECONDS)


def stock_sync_fail_stale(*, shop: Shop | None = None) -> int:
    """Fail the running runs (of `shop`, or of every shop) whose worker has shown no sign of
    life for STOCK_SYNC_STALE_SECONDS: it was killed or lost. Each one's queued successor is
    published. Returns how many were failed."""
    now = timezone.now()
    cutoff = now - _stale_after()
    stale = (
        SyncRun.objects.select_related("shop")
        .filter(state=State.RUNNING)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
    )
    if shop is not None:
        stale = stale.filter(shop=shop)
    failed = 0
    for run in stale:
        last_sign = run.heartbeat_at or run.started_at or run.created_at
        message = (
            f"the worker running it stopped (no progress since "
            f"{timezone.localtime(last_sign):%H:%M:%S})"
        )
        if not run.went_stale(message):
            continue
        failed += 1
        activity_log(
            action="stock_sync_failed",
            level="error",
            shop=run.shop,
            message=f"Full stock sync {run.pk} failed: {message}. "
            "The next one starts now; only differences are written.",
        )
        _enqueue_queued(run.shop_id)
    return failed


def stock_sync_sweep() -> dict[str, int]:
    """What beat runs every minute: fail runs whose worker died, and publish again queued
    runs that nothing will start (their message was lost). Returns the counts."""
    failed = stock_sync_fail_stale()
    running = SyncRun.objects.filter(state=State.RUNNING).values("shop_id")
    lost = list(
        SyncRun.objects.filter(
            state=State.QUEUED,
            created_at__lt=timezone.now() - QUEUED_REPUBLISH_AFTER,
        )
        .exclude(shop_id__in=running)
        .values_list("pk", flat=True)
    )
    republished = 0
    for run_id in lost:
        try:
            _full_task_publish(run_id)  # a duplicate message finds the run claimed: a no-op
        except BrokerUnavailableError:
            break  # the broker is down: the next sweep tries again
        republished += 1
    if failed or lost:
        logger.warning("stock.sync.sweep failed_stale=%s republished=%s", failed, republished)
    return {"failed_stale": failed, "republished": republished}


def stock_sync_retry_wait(
    *, run: SyncRun, exc: BaseException, countdown: float, attempt: int, max_attempts: int
) -> None:
    """Try `attempt` of `run` failed and a retry is due in `countdown` s: the run shows why
    and when (status page, admin) and no sign of life is expected before then."""
    due = retry_due(countdown)
    retry_record(
        f"Full stock sync {run.pk} of {run.shop.name}",
        reason=retry_reason(exc),
        next_attempt_at=due,
        attempt=attempt,
        max_attempts=max_attempts,
        action="stock_sync_retry",
        rows=SyncRun.objects.filter(pk=run.pk, state=State.RUNNING),
        update={"heartbeat_at": due},
        shop=run.shop,
        details={"sync_run_id": run.pk},
    )


def _heartbeat(run: SyncRun):
    """Signs of life on `run` from this process while it works (sync.services.signs_of_life):
    when the process dies the beats stop and the run goes stale."""
    return signs_of_life(
        run.beat,
        every=_stale_after().total_seconds() / BEATS_PER_STALE_PERIOD,
        name=f"stock-sync-{run.pk}-heartbeat",
    )


def _enqueue(run_id: int) -> None:
    transaction.on_commit(lambda: _full_task_publish(run_id))


def _full_task_publish(run_id: int) -> None:
    try:
        job_publish(STOCK_SYNC_FULL, run_id)
    except Exception as exc:
        # The run stays queued; the next request (or the inbox's retry) publishes it again.
        raise BrokerUnavailableError(f"full stock sync run {run_id}") from exc


def stock_sync_refusal(*, shop: Shop) -> str:
    """Why a full sync of `shop` may not be asked for by a person (its switches are off),
    in the operator's words; "" when it may. "Enabled" switches PrestaPicqer off for the
    whole shop (user guide §3), "Enable product stock updates" only its stock."""
    if not shop.enabled:
        return _(
            'The shop %(shop)s is switched off ("Enabled" is not ticked): '
            "PrestaPicqer does not sync it, so no full stock sync was started."
        ) % {"shop": shop.name}
    if not shop.stock_enabled:
        return _(
            'Product stock updates are off for the shop %(shop)s ("Enable product '
            'stock updates" is not ticked), so no full stock sync was started.'
        ) % {"shop": shop.name}
    return ""


def stock_sync_request(*, shop: Shop, trigger: str) -> SyncRun:
    """Ask for a full sync of `shop`: returns the shop's queued run (creating it when there
    is none) and enqueues its task. At most one run is queued and one running per shop."""
    stock_sync_fail_stale(shop=shop)
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
    stock_sync_fail_stale(shop=shop)
    now = timezone.now()
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                shop=shop, trigger=trigger, state=State.RUNNING, started_at=now, heartbeat_at=now
            )
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
        run.beat()
        return run
    return run if run.start() else None


def _close(run: SyncRun, state: str, message: str) -> None:
    run.finished(state, message, counts=RUN_FIELDS)
    _enqueue_queued(run.shop_id)


def _enqueue_queued(shop_id: int) -> None:
    queued = SyncRun.objects.filter(shop_id=shop_id, state=State.QUEUED).first()
    if queued:
        _enqueue(queued.pk)


def stock_sync_fail(*, run: SyncRun, message: str) -> None:
    """Mark `run` failed with an operator-readable reason (and start a queued successor)."""
    _close(run, State.FAILED, message)
    activity_log(
        action="stock_sync_failed",
        level="error",
        shop=run.shop,
        message=f"Full stock sync {run.pk} failed: {message}",
    )


def stock_sync_full(
    *, shop: Shop, run: SyncRun, progress: Callable[[int], None] | None = None
) -> SyncRun:
    """Run a claimed full sync: Picqer free stock by product code against every writable
    PrestaShop stock row of the shop; only differing rows are written. Counts and the
    listed references go on `run` (reconcile.py); progress(n) is called as rows are
    compared. A retryable error is raised (the task retries the whole run)."""
    with _heartbeat(run):
        stock_sync_reconcile(shop=shop, run=run, progress=progress)
    _close(run, State.DONE, f"{run.changed} of {run.checked} products changed")
    activity_log(
        action="stock_sync_done",
        shop=shop,
        message=f"Full stock sync {run.pk}: {stock_sync_summary(run)}.",
    )
    return run
