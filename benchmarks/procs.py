"""Process plumbing for the orders and webhooks benchmarks: real subprocesses (sandbox,
gunicorn, Celery worker), a throwaway database, and small helpers to read results.

Everything binds to loopback, every wait is bounded, and every process runs in its own
process group so `stop()` takes its children (gunicorn and Celery pool workers) with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.testing import free_port, wait_for  # noqa: F401 - free_port is used as procs.free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/14"  # our own db number: flushed before and after


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@dataclass
class Proc:
    """One subprocess in its own session (process group), logging to a file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> Proc:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own executables
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, tail: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def wait_ready(self, predicate: Callable[[], bool], timeout: float = 60.0) -> Proc:
        def ready() -> bool:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.log()}")
            return predicate()

        wait_for(ready, timeout=timeout, what=f"{self.name} to start")
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the whole group (warm shutdown), SIGKILL what is left after `timeout`."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # pool children of a dead parent
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


@dataclass
class Stack:
    """The processes of one run; stops them in reverse start order."""

    procs: list[Proc] = field(default_factory=list)

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc.start())
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()


# -- databases, broker ------------------------------------------------------------------


def postgres_available() -> bool:
    if not port_open(5432):
        return False
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "run the embedded variant only"
        return False


def redis_available() -> bool:
    if not port_open(6379):
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_BENCH_URL, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_BENCH_URL, socket_timeout=5).flushdb()


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """CREATE a throwaway database, yield its URL, DROP it (WITH FORCE) afterwards."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_and_redis(stack: contextlib.ExitStack, name: str) -> str:
    """The production backends for a benchmark: a throwaway PostgreSQL database `name`
    (dropped when `stack` closes; its URL is returned) and Redis db 14, flushed before and
    after."""
    url = stack.enter_context(postgres_database(name))
    redis_flush()
    stack.callback(redis_flush)
    return url


def sql_rows(database_url: str, sql: str) -> list[tuple]:
    """Run one read-only query against the benchmark database (postgres or sqlite URL)."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:/{path.lstrip('/')}?mode=ro", uri=True, timeout=20)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(sql).fetchall()


# -- the project's own processes ----------------------------------------------------------


def project_env(
    *, database_url: str, redis_url: str | None, broker_dir: Path | None, **extra: str
) -> dict[str, str]:
    """Environment of web/worker/setup processes: production-like (DEBUG off, no sandbox
    app), TLS redirect off because the benchmark speaks plain HTTP on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_FILESYSTEM_DIR",
            "DJANGO_SETTINGS_MODULE",
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="False",
        SECURE_SSL_REDIRECT="False",
        SANDBOX_ENABLED="False",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if broker_dir:
        env["CELERY_FILESYSTEM_DIR"] = str(broker_dir)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300.0) -> str:
    """Run `manage.py <args>`; returns stdout, raises with the output on failure."""
    done = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def django_snippet(env: dict[str, str], code: str, timeout: float = 120.0) -> Any:
    """Run Python `code` inside `manage.py shell`; its last stdout line is JSON."""
    out = manage(env, "shell", "-c", code, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def gunicorn(env: dict[str, str], *, port: int, workers: int, log_path: Path) -> Proc:
    """The production web process (config/gunicorn.conf.py), on loopback."""
    return Proc(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env,
        log_path,
    )


def celery_worker(env: dict[str, str], *, concurrency: int, log_path: Path, name: str) -> Proc:
    return Proc(
        "worker",
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{name}@%h",
        ],
        env,
        log_path,
    )


def log_contains(proc: Proc, marker: bytes) -> bool:
    try:
        return marker in proc.log_path.read_bytes()
    except OSError:
        return False


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def machine() -> str:
    """ "N cores / M GiB" of this machine, for the report."""
    try:
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "? GiB"
    return f"{os.cpu_count()} cores / {mem}"


# -- the report ---------------------------------------------------------------------------

DOCS_PATH = ROOT / "docs" / "benchmarks.md"
DOCS_HEADER = (
    "# Benchmarks\n\nMeasured with real processes (sandbox emulators, gunicorn, "
    "Celery workers) against throwaway databases. Each section says how to re-run it.\n"
)


def docs_section_write(title: str, body: str, path: Path = DOCS_PATH) -> None:
    """Replace the `## <title>` section of docs/benchmarks.md (up to the next `## `), or
    append it; other sections are left exactly as they are (other benchmarks own them)."""
    text = path.read_text() if path.exists() else DOCS_HEADER
    lines = text.splitlines(keepends=True)
    heading = f"## {title}"
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    section = f"{heading}\n\n{body.strip()}\n\n"
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = "".join(lines[:start]) + section + "".join(lines[end:])
    path.write_text(new.rstrip("\n") + "\n")


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


# -- CPU accounting -----------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _category(pid: int, cmdline: str) -> str:
    if pid == os.getpid():
        return "load generator"
    for marker, name in (
        ("gunicorn", "web"),
        ("celery", "worker"),
        ("postgres", "postgres"),
        ("redis-server", "redis"),
        ("manage.py sandbox", "sandbox"),
    ):
        if marker in cmdline:
            return name
    return "other"


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds used so far per category of process on this machine (reaped children
    count for their parent: PostgreSQL's per-connection backends land on the postmaster)."""
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = _category(int(entry.name), cmdline)
        totals[name] = totals.get(name, 0.0) + _stat_cpu_seconds(stat)
    return totals


def _stat_cpu_seconds(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / CLK_TCK  # utime stime cutime cstime


def pid_cpu_seconds(pid: int | str = "self") -> float:
    """CPU seconds one process (all its threads, reaped children included) has used so far;
    0.0 once it is gone."""
    try:
        return _stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0.0


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {
        k: max(after.get(k, 0.0) - before.get(k, 0.0), 0.0)
        for k in sorted(set(before) | set(after))
    }


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM (e.g. from `timeout`) into KeyboardInterrupt so `finally` blocks stop the
    subprocesses and drop the throwaway database."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def results_path(name: str) -> Path:
    return ROOT / "var" / f"bench-{name}.json"


def results_save(name: str, data: Any) -> Path:
    """Keep the raw figures of the last run under var/ (for re-reading, not committed)."""
    path = results_path(name)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str))
    return path
