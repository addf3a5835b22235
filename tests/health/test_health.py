import re
from datetime import timedelta

from django.utils import timezone

from sync.health import STALE_AFTER, heartbeat_record, worker_liveness_record
from sync.models import Heartbeat


def test_it_reports_503_until_worker_and_beat_have_been_seen(client, db):
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"] == {
        "ok": False,
        "seen_at": None,
        "detail": ("it never ran a heartbeat task, and its process gives no sign of life"),
    }
    assert body["ok"] is False


def test_it_reports_ok_with_fresh_heartbeats(client, db):
    heartbeat_record(name="worker")
    heartbeat_record(name="beat")
    response = client.get("/health")
    assert response.status_code == 200, response.json()
    assert response.json()["ok"] is True


def test_it_calls_a_stale_worker_dead(client, db):
    heartbeat_record(name="beat")
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - STALE_AFTER - timedelta(1))
    body = client.get("/health").json()
    assert body["worker"]["ok"] is False
    assert body["beat"]["ok"] is True


def test_it_answers_only_get(client, db):
    assert client.post("/health").status_code == 405


def _stale_worker_heartbeat() -> None:
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(minutes=5))


def test_a_fresh_heartbeat_task_says_so(client, db):
    heartbeat_record(name="beat")
    heartbeat_record(name="worker")
    worker = client.get("/health").json()["worker"]
    assert worker["ok"] is True and worker["detail"].startswith("heartbeat ")


def test_a_busy_worker_whose_heartbeat_task_waits_in_the_queue_is_alive(client, db):
    heartbeat_record(name="beat")
    _stale_worker_heartbeat()
    worker_liveness_record(active=2, reserved=1)

    response = client.get("/health")

    assert response.status_code == 200, response.json()
    worker = response.json()["worker"]
    assert worker["ok"] is True and worker["busy"] is True
    assert worker["detail"].startswith("busy; alive ")
    assert "per its own liveness signal (2 running, 1 waiting in the worker)" in worker["detail"]
    assert int(re.search(r"its last heartbeat task ran (\d+) s ago", worker["detail"])[1]) >= 300


def test_an_idle_live_worker_that_runs_no_heartbeat_task_is_not_taking_tasks(client, db):
    heartbeat_record(name="beat")
    _stale_worker_heartbeat()
    worker_liveness_record(active=0, reserved=0)
    worker = client.get("/health").json()["worker"]
    assert worker["ok"] is False and worker["detail"].startswith("not taking tasks")


def test_an_idle_live_worker_without_beat_is_not_called_alive_and_says_why(client, db):
    worker_liveness_record(active=0, reserved=0)
    worker = client.get("/health").json()["worker"]
    assert worker["ok"] is False
    assert (
        worker["detail"].startswith("idle; alive ")
        and "beat, which sends it, is down" in worker["detail"]
    )


def test_a_stale_liveness_signal_does_not_make_a_worker_alive(client, db):
    heartbeat_record(name="beat")
    _stale_worker_heartbeat()
    worker_liveness_record(active=2, reserved=0)
    Heartbeat.objects.filter(name="worker-process").update(
        seen_at=timezone.now() - STALE_AFTER - timedelta(1)
    )
    worker = client.get("/health").json()["worker"]
    assert worker["ok"] is False and "gives no sign of life" in worker["detail"]
