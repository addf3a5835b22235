from sync.health import heartbeat_record


def test_the_admin_index_says_when_worker_and_beat_are_not_running(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Service health" in page
    assert page.count("not running") == 2


def test_the_admin_index_shows_a_live_worker_and_beat(admin_client):
    heartbeat_record(name="worker")
    heartbeat_record(name="beat")
    page = admin_client.get("/admin/").content.decode()
    assert "not running" not in page
    assert page.count("alive") >= 3  # database, broker, worker, beat
