"""The web process warm-up (gunicorn's post_worker_init): done at boot, never fatal."""

import runpy
from pathlib import Path

import pytest
from django.db import OperationalError

from config import warmup
from prestapicqer.models import PicqerAccount, Shop

ROOT = Path(__file__).resolve().parents[2]


def _encrypted_fields():
    return [PicqerAccount._meta.get_field("webhook_secret"), Shop._meta.get_field("webservice_key")]


@pytest.mark.django_db
def test_it_derives_the_encryption_keys_before_the_first_request(caplog):
    for field in _encrypted_fields():
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)

    warmup.web_process_warm()

    assert all("keys" in field.__dict__ for field in _encrypted_fields())
    assert "warmup.skipped" not in caplog.text  # database, cache and broker all answered


@pytest.mark.django_db
def test_a_service_down_at_boot_is_logged_and_skipped(monkeypatch, caplog):
    from kombu.exceptions import OperationalError as BrokerError

    from config.celery import app

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to redis://:s3cret@broker:6379/0")

    monkeypatch.setattr(PicqerAccount.objects, "filter", database_down)
    monkeypatch.setattr(app, "producer_or_acquire", broker_down)

    warmup.web_process_warm()  # does not raise

    assert "warmup.skipped step=database error=OperationalError" in caplog.text
    assert "warmup.skipped step=broker error=OperationalError" in caplog.text
    assert "s3cret" not in caplog.text


def test_gunicorn_runs_the_warmup_in_every_worker(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "web_process_warm", lambda: calls.append("warm"))
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))

    conf["post_worker_init"](object())

    assert calls == ["warm"]
    assert conf["timeout"] <= 30  # Picqer gives a delivery 10 s; a stuck worker is recycled


def test_gunicorn_never_logs_query_strings():
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    fmt = conf["access_log_format"]

    assert "%(U)s" in fmt  # the path
    assert not any(part in fmt for part in ("%(r)s", "%(q)s", "%(f)s"))  # line, query, referer


def test_a_postgresql_connect_cannot_outlast_the_workers_boot_timeout():
    # The warm-up connects before gunicorn's first heartbeat: a server that drops packets
    # must fail it well inside the 30 s that gunicorn gives a booting worker.
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://user@db.invalid:5432/prestapicqer",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    options = json.loads(done.stdout.strip().splitlines()[-1])
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))

    assert 0 < options["connect_timeout"] * 2 < conf["timeout"]


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("sync.example.com,other.example.com", "sync.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_container_probe_sends_a_host_django_accepts(allowed, host):
    from config.healthcheck import probe_host

    assert probe_host(allowed) == host
