"""A real worker process runs a task from the real broker, and /health sees it."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from sync.models import Heartbeat
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


def test_a_worker_survives_its_broker_folders_disappearing_and_takes_new_tasks(worker):
    queue_folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    shutil.rmtree(queue_folder.parent)  # queue, processed and control folders

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
