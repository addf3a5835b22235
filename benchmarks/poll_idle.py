"""Benchmark: what 50 idle shops on one Picqer account cost while beat polls them.

Target (issue 11): 50 shops on one account polling at the default interval (30 s) —
PrestaShop calls a minute, and the CPU beat and the worker use when there is nothing to do.

Real processes, as the Procfile runs them: the sandbox emulator (50 ms per API call), one
`celery worker --concurrency 2` and `celery beat`, on the embedded default (SQLite, the
file-system broker, the file cache) unless `--backend postgres` (PostgreSQL + Redis db 14).
The shops all point at the one emulated PrestaShop, which has no orders. After a warm-up
(every shop polled once: its cursor placed), the CPU seconds of the worker's and beat's
process groups (pool children included) and the calls in the worker's log (one line per
HTTP call) are taken over the measuring window.

    .venv/bin/python -m benchmarks.poll_idle [--shops 50] [--minutes 3] [--backend embedded]
        [--no-docs]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from . import procs
from .orders import CALL_LINE, sandbox_start
from .orders_latency import celery_beat

SECTION = "Orders: 50 idle shops polling"
SETUP = """
import json
from prestapicqer.models import PicqerAccount, Shop
account = PicqerAccount.objects.create(name="Bench", subdomain="bench",
    api_key={api_key!r}, api_base_url={picqer_url!r})
for n in range({shops}):
    Shop.objects.create(account=account, name=f"Idle shop {{n}}", prefix=f"S{{n:02d}}",
        prestashop_url={prestashop_url!r}, webservice_key={ws_key!r},
        create_state_ids=[2], processing_state_ids=[2], cancel_state_ids=[6],
        stock_enabled=False)
shop = Shop.objects.first()
print(json.dumps({{"interval": shop.poll_interval_seconds,
                  "orders_enabled": shop.orders_enabled}}))
"""
CURSORS = """
import json
from sync.models.orders import PollCursor
print(json.dumps(PollCursor.objects.filter(start_history_id__isnull=False).count()))
"""


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system, reaped children included) of every live process in the
    process group `pgid` (a Proc starts each subprocess in a session of its own)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state: pgrp is the 5th stat field
            total += sum(int(v) for v in fields[11:15]) / procs.CLK_TCK
    return total


def calls_in(log_path: Path, start: int) -> dict[str, int]:
    """HTTP calls per service logged after byte `start` of the worker log."""
    with open(log_path, "rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    counts: dict[str, int] = {}
    for match in CALL_LINE.finditer(text):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


def _env(stack: ExitStack, workdir: Path, backend: str) -> dict[str, str]:
    if backend == "postgres":
        url = procs.postgres_and_redis(stack, f"bench_poll_idle_{os.getpid()}")
        return procs.project_env(database_url=url, redis_url=procs.REDIS_BENCH_URL, broker_dir=None)
    return procs.project_env(
        database_url=f"sqlite:///{workdir / 'db.sqlite3'}",
        redis_url=None,
        broker_dir=workdir / "broker",
    )


def run(args: argparse.Namespace, workdir: Path) -> dict:
    with ExitStack() as stack:
        processes = procs.Stack()
        stack.callback(processes.stop_all)
        sandbox = sandbox_start(workdir, processes)
        env = _env(stack, workdir, args.backend)
        procs.manage(env, "migrate", "--noinput")
        setup = procs.django_snippet(
            env,
            SETUP.format(
                api_key=sandbox.api_key,
                picqer_url=sandbox.picqer_url,
                shops=args.shops,
                prestashop_url=sandbox.prestashop_url,
                ws_key=sandbox.ws_key,
            ),
        )
        worker = processes.add(
            procs.celery_worker(
                env,
                concurrency=2,
                log_path=workdir / "worker.log",
                name=f"bench-poll-idle-{os.getpid()}",
            )
        )
        worker.wait_ready(lambda: procs.log_contains(worker, b" ready."))
        beat = processes.add(celery_beat(env, workdir=workdir))
        procs.wait_for(
            lambda: procs.django_snippet(env, CURSORS) >= args.shops,
            timeout=180,
            interval=2,
            what="every shop's first poll",
        )
        time.sleep(setup["interval"])  # past the first polls: the steady cadence
        load_before = procs.os.getloadavg()
        start = worker.log_path.stat().st_size
        cpu_before = {
            "worker": group_cpu_seconds(worker.process.pid),
            "beat": group_cpu_seconds(beat.process.pid),
        }
        t0 = time.monotonic()
        time.sleep(args.minutes * 60)
        minutes = (time.monotonic() - t0) / 60
        cpu = {
            "worker": group_cpu_seconds(worker.process.pid) - cpu_before["worker"],
            "beat": group_cpu_seconds(beat.process.pid) - cpu_before["beat"],
        }
        calls = calls_in(worker.log_path, start)
        return {
            "backend": args.backend,
            "shops": args.shops,
            "interval": setup["interval"],
            "minutes": minutes,
            "calls": calls,
            "cpu": cpu,
            "load": (load_before, procs.os.getloadavg()),
        }


def row(r: dict) -> list:
    per_min = {k: v / r["minutes"] for k, v in r["calls"].items()}
    cpu = {k: v / r["minutes"] for k, v in r["cpu"].items()}
    load = " → ".join(f"{a[0]:.2f}" for a in r["load"])
    return [
        r["backend"],
        r["shops"],
        f"{r['interval']} s",
        f"{r['minutes']:.1f} min",
        f"{per_min.get('PrestaShop', 0):.1f}",
        f"{per_min.get('PrestaShop', 0) / r['shops']:.2f}",
        f"{per_min.get('Picqer', 0):.1f}",
        f"{cpu['beat']:.2f}",
        f"{cpu['worker']:.2f}",
        f"{(cpu['beat'] + cpu['worker']) / 60 * 100:.1f} %",
        load,
    ]


HEADERS = [
    "backend",
    "shops",
    "poll interval",
    "window",
    "PrestaShop calls/min",
    "per shop/min",
    "Picqer calls/min",
    "beat CPU-s/min",
    "worker CPU-s/min",
    "of one core",
    "load avg (1 min) before → after",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks.poll_idle", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--backend", choices=("embedded", "postgres"), default="embedded")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    procs.interrupt_on_sigterm()
    workdir = Path(tempfile.mkdtemp(prefix="bench-poll-idle-"))
    try:
        result = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = procs.markdown_table(HEADERS, [row(result)])
    print(table)
    procs.results_save(f"poll-idle-{args.backend}", result)
    if not args.no_docs:
        procs.docs_section_write(
            SECTION,
            f"`.venv/bin/python -m benchmarks.poll_idle --backend {args.backend}`\n\n{table}\n",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
