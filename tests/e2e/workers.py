"""Real Celery worker processes for end-to-end tests.

A worker runs as a subprocess with the test settings, pointed at the test database by name,
so it sees what the test committed (tests using it need `transactional_db`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from sandbox.testing import free_port, wait_for  # noqa: F401 - e2e modules import them here

ROOT = Path(__file__).resolve().parents[2]


def _worker_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(extra or {})
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    env["E2E_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def broker_purge() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


class WorkerProcess:
    """`celery worker` in a subprocess; `.kill()` is SIGKILL, as a crash would be."""

    def __init__(self, log_path: Path, concurrency: int = 2, env: dict | None = None):
        self.log_path = log_path
        self.concurrency = concurrency
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "WorkerProcess":
        log = open(self.log_path, "ab")  # noqa: SIM115 — closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.concurrency),
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"e2e-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=_worker_env(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"worker did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL the whole process group (main process and pool children)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class WebProcess:
    """The middleware's web server in a subprocess (runserver, test settings, test DB)."""

    def __init__(self, log_path: Path, port: int, env: dict | None = None):
        self.log_path, self.port, self.env = log_path, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "WebProcess":
        log = open(self.log_path, "ab")  # noqa: SIM115 — closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=_worker_env(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"web server did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
