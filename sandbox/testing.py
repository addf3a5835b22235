"""Pytest plugin: `sandbox_server`, a real `manage.py sandbox` subprocess per test session.

Enable with `pytest_plugins = ["sandbox.testing"]` in tests/conftest.py. Each test gets the
running server reset to base data (fast), so tests stay isolated without a restart.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .client import SandboxServer

ROOT = Path(__file__).resolve().parent.parent


def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
) -> Any:
    """Poll `predicate` until it returns something truthy (and return that); TimeoutError
    naming `what` after `timeout` seconds. For tests and benchmarks waiting on processes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sandbox_start(
    *,
    state_path: Path,
    log_path: Path,
    extra_args: tuple[str, ...] = (),
    wait_seconds: float = 30.0,
) -> SandboxServer:
    """Start `manage.py sandbox` on a free port and wait until /sandbox/health answers."""
    port = free_port()
    env = {
        **os.environ,
        "SANDBOX_ENABLED": "1",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
    }
    with open(log_path, "ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "sandbox",
                "--port",
                str(port),
                "--state",
                str(state_path),
                "--reset",
                "--quiet",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SandboxServer(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited early; see {log_path}")
        try:
            server.control("GET", "health")
            return server
        except (OSError, RuntimeError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"sandbox did not answer within {wait_seconds}s; see {log_path}")


@pytest.fixture(scope="session")
def _sandbox_process(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sandbox")
    server = sandbox_start(
        state_path=directory / "state.sqlite3", log_path=directory / "sandbox.log"
    )
    yield server
    server.stop()


@pytest.fixture
def sandbox_server(_sandbox_process):
    """The running sandbox, reset to base data (knobs back to defaults) for this test."""
    _sandbox_process.reset()
    return _sandbox_process
