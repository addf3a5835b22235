"""What a worker killed with SIGKILL left "running" is failed within minutes, and the work
is done again by the next worker (docs/sources.md#design-worker-death: "What was stored
'running' or 'in progress' is finished or failed within minutes of its worker's death")."""

import pytest

from sync.models import ActivityEntry
from sync.models.stock import SyncRun
from sync.services.stock import stock_sync_request, stock_sync_sweep

from .conftest import STOCK_SKUS, stock_rows_wrong
from .workers import wait_for

pytestmark = pytest.mark.e2e

# Small, so the test waits seconds where production waits minutes (the default is 180 s).
STALE_SECONDS = 3


def _full_sync_killed_mid_run(sandbox, shop, start_worker, settings) -> SyncRun:
    """Start a full sync of `shop` on a worker and SIGKILL it with rows still to write."""
    settings.STOCK_SYNC_STALE_SECONDS = STALE_SECONDS
    sandbox.knobs(prestashop_latency_ms=150)  # slow writes: it dies with most rows wrong
    victim = start_worker(STOCK_SYNC_STALE_SECONDS=STALE_SECONDS)
    run = stock_sync_request(shop=shop, trigger="url")
    wait_for(
        lambda: stock_rows_wrong(sandbox) < STOCK_SKUS,
        timeout=60,
        interval=0.1,
        what="the first rows written",
    )
    victim.kill()
    sandbox.knobs(prestashop_latency_ms=0)
    return run


def test_a_full_sync_whose_worker_was_killed_is_failed_and_the_next_run_fixes_the_rows(
    sandbox_server, wrong_stock_shop, start_worker, settings
):
    first = _full_sync_killed_mid_run(sandbox_server, wrong_stock_shop, start_worker, settings)
    wrong_after_kill = stock_rows_wrong(sandbox_server)
    assert wrong_after_kill > 0
    assert SyncRun.objects.get(pk=first.pk).state == SyncRun.State.RUNNING

    # A request while nobody knows the worker is dead yet: queued behind the dead run.
    second = stock_sync_request(shop=wrong_stock_shop, trigger="webhook")
    assert second.pk != first.pk and second.state == SyncRun.State.QUEUED
    start_worker(STOCK_SYNC_STALE_SECONDS=STALE_SECONDS)

    # Beat's sweeper (every minute) finds the dead run once it stops beating.
    wait_for(
        lambda: stock_sync_sweep()["failed_stale"] == 1,
        timeout=30,
        interval=0.5,
        what="the dead run failed as stale",
    )
    first.refresh_from_db()
    assert first.state == SyncRun.State.FAILED
    assert first.message.startswith("the worker running it stopped (no progress since ")
    assert ActivityEntry.objects.filter(
        action="stock_sync_failed",
        level="error",
        message__contains=f"Full stock sync {first.pk} failed: the worker running it stopped",
    ).exists()

    # The queued run behind it starts and fixes every row.
    wait_for(
        lambda: SyncRun.objects.get(pk=second.pk).state == SyncRun.State.DONE,
        timeout=60,
        what="the queued run done",
    )
    assert stock_rows_wrong(sandbox_server) == 0
    second.refresh_from_db()
    # Writes the dead worker had in flight may still have landed after the count above.
    assert 0 < second.changed <= wrong_after_kill


def test_the_next_request_after_a_killed_full_sync_starts_a_new_run(
    sandbox_server, wrong_stock_shop, start_worker, settings
):
    first = _full_sync_killed_mid_run(sandbox_server, wrong_stock_shop, start_worker, settings)
    start_worker(STOCK_SYNC_STALE_SECONDS=STALE_SECONDS)

    # No sweeper here: the next request itself finds the dead run and starts a new one.
    def a_request_finds_it_dead() -> bool:
        stock_sync_request(shop=wrong_stock_shop, trigger="url")
        return SyncRun.objects.get(pk=first.pk).state == SyncRun.State.FAILED

    wait_for(a_request_finds_it_dead, timeout=30, interval=0.5, what="the dead run failed")
    wait_for(
        lambda: (
            not SyncRun.objects.filter(
                shop=wrong_stock_shop, state__in=["queued", "running"]
            ).exists()
        ),
        timeout=60,
        what="the new run done",
    )
    assert stock_rows_wrong(sandbox_server) == 0
    assert SyncRun.objects.filter(shop=wrong_stock_shop, state="done").count() >= 1
