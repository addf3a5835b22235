from datetime import timedelta

from django.utils import timezone

from sync.health import STALE_AFTER, heartbeat_record
from sync.models import Heartbeat


def test_it_reports_503_until_worker_and_beat_have_been_seen(client, db):
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"] == {"ok": False, "seen_at": None}
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
