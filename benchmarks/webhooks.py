"""Benchmark: Picqer webhook acknowledgement latency and inbox processing.

Target (issue): acknowledgement p99 under 50 ms at 100 requests/s sustained for 60 s, every
accepted event processed, none lost.

Real processes: gunicorn (4 sync workers) serving the middleware and a Celery worker, on a
throwaway database. Production shape = PostgreSQL + Redis (when they answer on loopback);
embedded = SQLite file + file-system broker. The load generator (this process) sends
uniquely signed `products.free_stock_changed` deliveries, open loop (each request has a
scheduled send time; latency counts from that time, so a slow server cannot hide queueing).
The account's only shop has stock updates off, so each event is processed to "ignored"
without a Picqer call: the benchmark measures acknowledgement and the inbox, not Picqer.

    .venv/bin/python -m benchmarks.webhooks [--rate 100] [--duration 60] [--variants ...]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import http.client
import json
import os
import re
import shutil
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sync.picqer.signatures import picqer_signature

from . import procs
from .webhooks_report import ROW_HEADERS, cpu_text, docs_body, findings, row, verdict

FIXTURE = procs.ROOT / "tests/fixtures/picqer_webhooks/products.free_stock_changed__single.json"
SECRET = "bench-webhook-secret-0123456789"
FINAL_STATES = ("done", "ignored", "failed")

SETUP = f"""
import json
from prestapicqer.models import PicqerAccount, Shop
account = PicqerAccount.objects.create(
    name="Bench", subdomain="bench", api_key="bench-key",
    api_base_url="http://127.0.0.1:9/api/v1/", webhook_secret={SECRET!r})
Shop.objects.create(account=account, name="Bench shop", prefix="BEN",
    prestashop_url="http://127.0.0.1:9/", webservice_key="B" * 32,
    orders_enabled=False, stock_enabled=False)
print(json.dumps({{"webhook_key": str(account.webhook_key)}}))
"""


@dataclass
class Sample:
    scheduled: float  # seconds after the start of the run
    sent: float = 0.0
    done: float = 0.0
    status: int = 0
    outcome: str = ""


def signed_bodies(count: int) -> list[tuple[bytes, str]]:
    """`count` distinct deliveries (idproduct and trigger time differ), signed like Picqer."""
    template = json.loads(FIXTURE.read_text())
    start = dt.datetime(2026, 1, 13, 9, 0, 0)
    bodies = []
    for i in range(count):
        payload = copy.deepcopy(template)
        payload["data"]["idproduct"] = 1_000_000 + i
        payload["event_triggered_at"] = (start + dt.timedelta(seconds=i)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        raw = json.dumps(payload).encode()
        bodies.append((raw, picqer_signature(raw_body=raw, secret=SECRET)))
    return bodies


def load_run(
    *, port: int, path: str, rate: float, duration: float, senders: int
) -> tuple[list[Sample], float]:
    """Open-loop load: request i is due at i/rate seconds; sender k owns i % senders == k.
    Returns the samples and the wall time of the run."""
    total = int(rate * duration)
    bodies = signed_bodies(total)
    samples = [Sample(scheduled=i / rate) for i in range(total)]
    start = time.monotonic() + 0.5

    def sender(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(k, total, senders):
            sample = samples[i]
            delay = start + sample.scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            raw, signature = bodies[i]
            sample.sent = time.monotonic() - start
            try:
                conn.request(
                    "POST",
                    path,
                    body=raw,
                    headers={
                        "Content-Type": "application/json",
                        "X-Picqer-Signature": signature,
                        "User-Agent": "Picqer Webhooks (bench)",
                    },
                )
                response = conn.getresponse()
                sample.outcome = response.read().decode(errors="replace")[:40]
                sample.status = response.status
            except (OSError, http.client.HTTPException) as exc:
                sample.outcome = type(exc).__name__
                conn.close()
            sample.done = time.monotonic() - start
        conn.close()

    threads = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    return samples, time.monotonic() - start


def warm_up(port: int, path: str, connections: int = 40) -> None:
    """GETs (405) so every gunicorn worker has imported the URL conf and the view."""
    for _ in range(connections):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()


def inbox_counts(database_url: str) -> dict[str, int]:
    rows = procs.sql_rows(
        database_url, "SELECT state, COUNT(*) FROM webhooks_webhookevent GROUP BY state"
    )
    return {state: count for state, count in rows}


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def processing_lags(database_url: str) -> list[float]:
    """Seconds from storing to the final state, per processed event."""
    rows = procs.sql_rows(
        database_url,
        "SELECT received_at, processed_at FROM "
        "webhooks_webhookevent WHERE processed_at IS NOT NULL",
    )
    return [(_as_datetime(p) - _as_datetime(r)).total_seconds() for r, p in rows]


def inbox_drain(database_url: str, *, expected: int, timeout: float) -> tuple[dict, float]:
    """Wait until every stored event is final (bounded); returns counts and seconds waited."""
    started = time.monotonic()
    counts: dict[str, int] = {}
    deadline = started + timeout
    while time.monotonic() < deadline:
        counts = inbox_counts(database_url)
        stored = sum(counts.values())
        final = sum(counts.get(s, 0) for s in FINAL_STATES)
        if stored >= expected and final == stored:
            break
        time.sleep(0.5)
    return counts, time.monotonic() - started


@dataclass(frozen=True)
class Variant:
    """One configuration: database + broker, and optional settings under test."""

    name: str
    postgres: bool
    env: dict = field(default_factory=dict)
    note: str = ""
    worker_after_load: bool = False  # diagnostic: the acknowledgement path without the worker


VARIANTS = {
    "postgres": Variant("postgres+redis", True, note="production shape, product defaults"),
    "postgres-ackonly": Variant(
        "postgres+redis, worker started after the load",
        True,
        worker_after_load=True,
        note="diagnostic: what the web tier alone can acknowledge on this machine",
    ),
    "sqlite": Variant("sqlite+files", False, note="embedded default (make run)"),
}
NOTES = {v.name: v.note for v in VARIANTS.values()}


def worker_start(
    env: dict, args: argparse.Namespace, workdir: Path, variant: Variant, processes: procs.Stack
) -> None:
    worker = processes.add(
        procs.celery_worker(
            env,
            concurrency=args.concurrency,
            log_path=workdir / f"{variant.name}-worker.log",
            name=f"bench-webhooks-{os.getpid()}",
        )
    )
    worker.wait_ready(lambda: procs.log_contains(worker, b" ready."))


def variant_run(variant: Variant, args: argparse.Namespace, workdir: Path) -> dict:
    """Start web + worker on a fresh database, run the load, wait for the inbox to drain."""
    with ExitStack() as stack:
        if variant.postgres:
            database_url = stack.enter_context(
                procs.postgres_database(f"bench_webhooks_{os.getpid()}")
            )
            procs.redis_flush()
            stack.callback(procs.redis_flush)
            env = procs.project_env(
                database_url=database_url,
                redis_url=procs.REDIS_BENCH_URL,
                broker_dir=None,
                **variant.env,
            )
        else:
            # A plain directory name: the database URL parser reads "+" as a space.
            run_dir = workdir / re.sub(r"[^a-z0-9]+", "-", variant.name)
            run_dir.mkdir()
            database_url = f"sqlite:///{run_dir / 'bench.sqlite3'}"
            env = procs.project_env(
                database_url=database_url,
                redis_url=None,
                broker_dir=run_dir / "broker",
                **variant.env,
            )
        procs.manage(env, "migrate", "--noinput")
        key = procs.django_snippet(env, SETUP)["webhook_key"]
        path = f"/webhooks/picqer/{key}/"
        port = procs.free_port()
        processes = procs.Stack()
        stack.callback(processes.stop_all)
        web = processes.add(
            procs.gunicorn(
                env,
                port=port,
                workers=args.web_workers,
                log_path=workdir / f"{variant.name}-web.log",
            )
        )
        web.wait_ready(lambda: procs.port_open(port))
        if not variant.worker_after_load:
            worker_start(env, args, workdir, variant, processes)
        warm_up(port, path)
        print(f"[{variant.name}] {args.rate:.0f} req/s for {args.duration:.0f} s ...", flush=True)
        load_before, cpu_before = os.getloadavg()[0], procs.cpu_snapshot()
        samples, wall = load_run(
            port=port, path=path, rate=args.rate, duration=args.duration, senders=args.senders
        )
        load_after, cpu = os.getloadavg()[0], procs.cpu_used(cpu_before, procs.cpu_snapshot())
        if variant.worker_after_load:
            worker_start(env, args, workdir, variant, processes)
        accepted = sum(1 for s in samples if 200 <= s.status < 300)
        counts, drain = inbox_drain(database_url, expected=accepted, timeout=args.drain_timeout)
        lags = processing_lags(database_url)
        result = summarize(samples, wall, accepted, counts, drain, lags)
        result.update(load=(load_before, load_after), cpu=cpu, wall=wall)
        return result


def summarize(
    samples: list[Sample], wall: float, accepted: int, counts: dict, drain: float, lags: list[float]
) -> dict:
    finished = [s for s in samples if s.done]
    ack = [(s.done - s.scheduled) * 1000 for s in finished]  # from the intended send time
    service = [(s.done - s.sent) * 1000 for s in finished]  # from the actual send
    stored = sum(counts.values())
    final = sum(counts.get(s, 0) for s in FINAL_STATES)
    return {
        "requests": len(samples),
        "achieved_rps": len(samples) / wall if wall else 0,
        "non_2xx": len(samples) - accepted,
        "accepted": accepted,
        "duplicates": sum(1 for s in samples if s.outcome == "duplicate"),
        "p50": procs.percentile(ack, 50),
        "p95": procs.percentile(ack, 95),
        "p99": procs.percentile(ack, 99),
        "max": max(ack),
        "service_p99": procs.percentile(service, 99),
        "stored": stored,
        "final": final,
        "states": counts,
        "lost": max(accepted - stored, 0),
        "unfinished": stored - final,
        "drain_s": drain,
        "lag_p50": procs.percentile(lags, 50) if lags else 0.0,
        "lag_p99": procs.percentile(lags, 99) if lags else 0.0,
        "lag_max": max(lags) if lags else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--senders", type=int, default=24)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument(
        "--variants",
        default="auto",
        help=f"comma list of {','.join(VARIANTS)} (auto: postgres when it answers, then sqlite)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs")
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="rewrite the docs section from the last saved figures",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="add these variants to the figures of the last saved run",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs")
    args = parser.parse_args(argv)
    procs.interrupt_on_sigterm()

    wanted = ["postgres", "sqlite"] if args.variants == "auto" else args.variants.split(",")
    if not (procs.postgres_available() and procs.redis_available()):
        print("PostgreSQL/Redis not answering on 127.0.0.1: embedded variants only")
        wanted = [v for v in wanted if not v.startswith("postgres")] or ["sqlite"]
    results: dict[str, dict] = {}
    if args.docs_only:
        saved = json.loads(procs.results_path("webhooks").read_text())
        procs.docs_section_write(
            "Webhooks", docs_body(argparse.Namespace(**saved["args"]), saved["results"], NOTES)
        )
        print(findings(argparse.Namespace(**saved["args"]), saved["results"]))
        return 0
    if args.merge and procs.results_path("webhooks").exists():
        results = json.loads(procs.results_path("webhooks").read_text())["results"]
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    try:
        for kind in wanted:
            variant = VARIANTS[kind]
            results[variant.name] = variant_run(variant, args, workdir)
            print(procs.markdown_table(ROW_HEADERS, [row(variant.name, results[variant.name])]))
            print("CPU:", cpu_text(results[variant.name]), flush=True)
    except BaseException:
        print(f"benchmark failed; logs kept in {workdir}")
        raise
    print()
    print(procs.markdown_table(ROW_HEADERS, [row(n, r) for n, r in results.items()]))
    print(findings(args, results))
    if not args.no_docs:  # the raw figures under var/ always match the docs
        print(
            "raw figures:", procs.results_save("webhooks", {"args": vars(args), "results": results})
        )
        procs.docs_section_write("Webhooks", docs_body(args, results, NOTES))
        print(f"wrote the Webhooks section of {procs.DOCS_PATH.relative_to(procs.ROOT)}")
    if args.keep_logs:
        print(f"logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(verdict(r) == "PASS" for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
