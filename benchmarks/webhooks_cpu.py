"""Benchmark: CPU per webhook delivery (receiver) and per inbox event (drain), in one process.

`benchmarks.webhooks` measures acknowledgement latency under load, where the load generator,
web, worker and database share two cores. This one isolates what each side of the inbox
costs, with nothing else running: N signed deliveries through the WSGI application
(middleware, guards, HMAC, inbox insert, wake-up), then one drain of the N stored events
(claim, dispatch, record). CPU is this process's time (the database server's is not in it);
"statements" are those Django sends (BEGIN and COMMIT are not counted).

    .venv/bin/python -m benchmarks.webhooks_cpu [--deliveries 2000] [--backends postgres,sqlite]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from . import procs
from .webhooks import SETUP, signed_bodies

WARM_DELIVERIES = 20
HEADERS = [
    "backend",
    "deliveries",
    "receiver CPU ms/delivery",
    "statements/delivery",
    "drain CPU ms/event",
    "statements/event",
    "answers",
]


def _environ(path: str, raw: bytes, signature: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json",
        "HTTP_X_PICQER_SIGNATURE": signature,
    }


class _StatementCounter:
    """A Django execute wrapper: counts the statements sent on this thread's connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(webhook_key: str, deliveries: int) -> dict:
    """Runs inside the project's environment (see `main`): returns the figures."""
    import django

    django.setup()
    from django.db import connection

    from config.warmup import web_process_warm
    from config.wsgi import application
    from webhooks.processing import webhook_events_drain

    web_process_warm()
    path = f"/webhooks/picqer/{webhook_key}/"
    answers: dict[str, int] = {}

    def deliver(raw: bytes, signature: str) -> None:
        def start_response(status: str, headers: list, exc_info=None) -> None:
            answers[status] = answers.get(status, 0) + 1

        b"".join(application(_environ(path, raw, signature), start_response))

    bodies = signed_bodies(WARM_DELIVERIES + deliveries)
    for raw, signature in bodies[:WARM_DELIVERIES]:
        deliver(raw, signature)
    answers.clear()
    receiver, drain = _StatementCounter(), _StatementCounter()
    with connection.execute_wrapper(receiver):
        started = time.process_time()
        for raw, signature in bodies[WARM_DELIVERIES:]:
            deliver(raw, signature)
        receiver_cpu = time.process_time() - started
    with connection.execute_wrapper(drain):
        started = time.process_time()
        drained = webhook_events_drain(linger_seconds=0)
        drain_cpu = time.process_time() - started
    return {
        "deliveries": deliveries,
        "answers": answers,
        "drained": drained,
        "receiver_cpu_ms": receiver_cpu / deliveries * 1000,
        "receiver_statements": receiver.count / deliveries,
        "drain_cpu_ms": drain_cpu / max(drained, 1) * 1000,
        "drain_statements": drain.count / max(drained, 1),
    }


def backend_run(backend: str, deliveries: int, workdir: Path) -> dict:
    """A throwaway database, migrated and set up, then `measure` in a child process (the
    settings are read once per process, from the environment)."""
    with ExitStack() as stack:
        if backend == "postgres":
            database_url = stack.enter_context(
                procs.postgres_database(f"bench_webhooks_cpu_{os.getpid()}")
            )
            procs.redis_flush()
            stack.callback(procs.redis_flush)
            env = procs.project_env(
                database_url=database_url, redis_url=procs.REDIS_BENCH_URL, broker_dir=None
            )
        else:
            env = procs.project_env(
                database_url=f"sqlite:///{workdir / 'cpu.sqlite3'}",
                redis_url=None,
                broker_dir=workdir / "broker",
            )
        env["LOG_LEVEL"] = "INFO"  # production's: the log lines are part of the cost
        procs.manage(env, "migrate", "--noinput")
        key = procs.django_snippet(env, SETUP)["webhook_key"]
        done = subprocess.run(  # noqa: S603 - our own module
            [
                procs.PYTHON,
                "-m",
                "benchmarks.webhooks_cpu",
                "--measure",
                key,
                "--deliveries",
                str(deliveries),
            ],
            cwd=procs.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"measuring failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def row(backend: str, r: dict) -> list:
    answers = ", ".join(f"{status} ×{n}" for status, n in sorted(r["answers"].items()))
    return [
        backend,
        r["deliveries"],
        f"{r['receiver_cpu_ms']:.2f}",
        f"{r['receiver_statements']:.2f}",
        f"{r['drain_cpu_ms']:.2f}",
        f"{r['drain_statements']:.2f}",
        answers,
    ]


def docs_body(args: argparse.Namespace, results: dict[str, dict]) -> str:
    table = procs.markdown_table(HEADERS, [row(b, r) for b, r in results.items()])
    return f"""What one delivery and one inbox event cost in CPU, measured in a single process with
nothing else running (the load benchmark above shares two cores between every process):
`make bench-webhooks-cpu` (`.venv/bin/python -m benchmarks.webhooks_cpu --deliveries
{args.deliveries}`), run on {procs.machine()}.

{table}

The receiver column is the WSGI application called directly (Django's middleware, the guards,
the HMAC, the inbox insert, the drain wake-up; gunicorn's own parsing and logging are not in
it). The drain column is one `webhook_events_drain` over the stored events, which end as
`ignored` (the account's shop has stock updates off). Statements are those Django sends;
BEGIN and COMMIT are not counted. The database server's CPU is not in these figures."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument(
        "--backends",
        default="auto",
        help="comma list of postgres,sqlite (auto: postgres when it answers)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs")
    parser.add_argument("--measure", metavar="WEBHOOK_KEY", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.deliveries)))
        return 0
    wanted = ["postgres", "sqlite"] if args.backends == "auto" else args.backends.split(",")
    if not (procs.postgres_available() and procs.redis_available()):
        wanted = [b for b in wanted if b != "postgres"] or ["sqlite"]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-cpu-") as tmp:
        for backend in wanted:
            workdir = Path(tmp) / backend
            workdir.mkdir()
            results[backend] = backend_run(backend, args.deliveries, workdir)
    print(procs.markdown_table(HEADERS, [row(b, r) for b, r in results.items()]))
    if not args.no_docs:
        procs.docs_section_write("Webhooks: CPU per event", docs_body(args, results))
        print(f"wrote the 'Webhooks: CPU per event' section of {procs.DOCS_PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
