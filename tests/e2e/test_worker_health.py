"""A real worker process runs a task from the real broker, and /health sees it."""

import pytest

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
