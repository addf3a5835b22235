"""A real worker process runs a task from the real broker, and /health sees it."""

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from sync.health import heartbeat_record
from sync.models import Heartbeat
from sync.models.stock import SyncRun
from sync.services.stock import stock_sync_request
from sync.tasks.heartbeat import heartbeat_worker

from .workers import wait_for

pytestmark = pytest.mark.e2e


def test_it_runs_a_task_in_a_real_worker_and_health_reports_it(worker, client):
    assert client.get("/health").json()["worker"]["ok"] is False

    heartbeat_worker.delay()

    wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), what="worker heartbeat")
    report = client.get("/health").json()
    assert report["worker"]["ok"] is True
    assert report["broker"]["ok"] is True
    assert report["database"]["ok"] is True


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("filesystem"),
    reason="the embedded file broker is not in use here (a server broker is configured); "
    ".ci/run runs this test again on the embedded defaults",
)
def test_a_worker_survives_its_broker_folders_disappearing_and_takes_new_tasks(worker):
    queue_folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    # Queue, processed and control folders vanish at once: moved away in one rename, then
    # deleted (a plain rmtree races with the worker making them again and fails).
    gone = queue_folder.parent.with_name(queue_folder.parent.name + ".gone")
    queue_folder.parent.rename(gone)
    shutil.rmtree(gone)

    # The worker's next poll (every 0.1 s) finds the folder gone and makes it again.
    wait_for(queue_folder.is_dir, timeout=30, what="the worker making its folder again")
    assert worker.process.poll() is None, worker.log()
    heartbeat_worker.delay()

    wait_for(
        lambda: Heartbeat.objects.filter(name="worker").exists(),
        timeout=30,
        what="the task published after the wipe processed",
    )
    assert worker.process.poll() is None


def test_a_worker_busy_with_a_long_queue_is_alive_for_health_and_says_why(
    sandbox_server, wrong_stock_shop, start_worker, client
):
    # One slot, taken by a full sync whose Picqer pages come slowly ...
    sandbox_server.knobs(picqer_latency_ms=4000)
    busy = start_worker(concurrency=1)
    run = stock_sync_request(shop=wrong_stock_shop, trigger="url")
    wait_for(
        lambda: SyncRun.objects.get(pk=run.pk).state == SyncRun.State.RUNNING,
        timeout=30,
        what="the full sync running",
    )
    # ... while beat (alive) sends heartbeat tasks that wait behind 500 messages; the last
    # one that ran is old.
    for _ in range(500):
        heartbeat_worker.delay()
    heartbeat_record(name="beat")
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now() - timedelta(minutes=5)}
    )

    def worker_alive() -> dict | None:
        state = client.get("/health").json()["worker"]
        return state if state["ok"] else None

    try:
        state = wait_for(worker_alive, timeout=30, what="/health calling the busy worker alive")
    finally:
        busy.kill()
    assert state["busy"] is True
    assert state["detail"].startswith("busy; alive ")
    assert "per its own liveness signal (1 running" in state["detail"]
    assert int(re.search(r"its last heartbeat task ran (\d+) s ago", state["detail"])[1]) >= 300
