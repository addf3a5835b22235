"""The web server of the Docker image, `make run` and `make demo`: gunicorn with
config/gunicorn.conf.py. Its access log must never carry the full-sync URL's ?token=."""

import datetime
import logging
import runpy
from types import SimpleNamespace

import pytest
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.glogging import Logger

from config.env import BASE_DIR

CONF = BASE_DIR / "config" / "gunicorn.conf.py"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_access_log_leaves_the_query_string_out():
    cfg = Config()
    for name, value in runpy.run_path(str(CONF)).items():
        if name in cfg.settings:
            cfg.set(name, value)
    logger = Logger(cfg)
    captured = Captured()
    logger.access_log.addHandler(captured)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/stock-sync/1/?token=secret-token-123",
        "PATH_INFO": "/stock-sync/1/",
        "QUERY_STRING": "token=secret-token-123",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": "https://sync.example.com/stock-sync/1/?token=secret-token-123",
        "HTTP_USER_AGENT": "curl/8.5.0",
    }
    response = SimpleNamespace(status="202 Accepted", sent=57, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))

    assert len(captured.lines) == 1
    line = captured.lines[0]
    assert '"GET /stock-sync/1/ HTTP/1.1" 202 57' in line
    assert "secret-token-123" not in line and "token=" not in line


def test_the_procfiles_serve_with_gunicorn_and_its_settings():
    for procfile in ("Procfile", "Procfile.demo"):
        web = next(
            line
            for line in (BASE_DIR / procfile).read_text().splitlines()
            if line.startswith("web:")
        )
        assert "gunicorn -c config/gunicorn.conf.py" in web, procfile
        assert "runserver" not in web, procfile


@pytest.mark.django_db
def test_the_root_leads_to_the_admin_login(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == (reverse("admin:index"), 302)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert response.status_code == 200
