"""Benchmark: the time from a PrestaShop status change to the Picqer order existing.

Real processes, as in production: the sandbox emulators (50 ms per API call), a Celery
worker, Celery beat (polls every shop whose interval is due) and, for the poll-now mode,
gunicorn serving the poll-now URL. Orders are placed in status 2 ("Payment accepted", a
create status) one at a time at random moments; a watcher reads the emulated Picqer's
orders every 0.2 s and notes when each one appears. Two modes:

- `interval`: nothing but the shop's poll interval (default 30 s) finds the orders;
- `poll-now`: after each checkout the shop side calls `POST /orders/poll/<shop>/?token=…`.

    .venv/bin/python -m benchmarks.orders_latency [--duration 150] [--mode interval,poll-now]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from . import procs
from .orders import LATENCY_MS, SETUP, stack_start

WATCH_EVERY = 0.2
# The shop of bench-orders, index warm; then beat polls it from its first tick.
SETUP_MORE = """
PollCursor.objects.filter(shop=shop).update(last_polled_at=None)
print(json.dumps({"shop_id": shop.pk, "token": str(shop.full_sync_token),
                  "interval": shop.poll_interval_seconds}))
"""
REFERENCE = re.compile(r"^BEN #(\d+) / ")


def celery_beat(env: dict[str, str], *, workdir: Path) -> procs.Proc:
    return procs.Proc(
        "beat",
        [
            procs.PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "-s",
            str(workdir / "beat-schedule"),
        ],
        env,
        workdir / "beat.log",
    )


class Watcher(threading.Thread):
    """Notes the moment each PrestaShop order's Picqer order first appears."""

    def __init__(self, sandbox) -> None:
        super().__init__(daemon=True)
        self.sandbox, self.seen, self.stop = sandbox, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(WATCH_EVERY):
            now = time.time()
            for order in self.sandbox.state("picqer.orders"):
                match = REFERENCE.match(order.get("reference") or "")
                if match:
                    self.seen.setdefault(int(match.group(1)), now)


def run(args: argparse.Namespace, mode: str, workdir: Path) -> dict:
    with ExitStack() as stack:
        processes, sandbox, references, _, env = stack_start(
            stack, workdir, name="bench_latency", products=40, seed=args.seed, max_stock=100000
        )
        setup = procs.django_snippet(
            env,
            SETUP.format(
                api_key=sandbox.api_key,
                picqer_url=sandbox.picqer_url,
                index="warm",
                prestashop_url=sandbox.prestashop_url,
                ws_key=sandbox.ws_key,
            )
            + SETUP_MORE,
        )
        worker = processes.add(
            procs.celery_worker(
                env,
                concurrency=2,
                log_path=workdir / "worker.log",
                name=f"bench-latency-{os.getpid()}",
            )
        )
        worker.wait_ready(lambda: procs.log_contains(worker, b" ready."))
        processes.add(celery_beat(env, workdir=workdir))
        poll_now_url = None
        if mode == "poll-now":
            port = procs.free_port()
            web = processes.add(
                procs.gunicorn(env, port=port, workers=1, log_path=workdir / "web.log")
            )
            web.wait_ready(lambda: procs.port_open(port), timeout=60)
            poll_now_url = (
                f"http://127.0.0.1:{port}/orders/poll/{setup['shop_id']}/?token={setup['token']}"
            )
        time.sleep(setup["interval"] + 5)  # beat has polled once: the cadence is set
        watcher = Watcher(sandbox)
        watcher.start()
        changed = _place_orders(sandbox, references, args, poll_now_url)
        deadline = time.time() + setup["interval"] * 2 + 30
        while time.time() < deadline and not set(changed) <= set(watcher.seen):
            time.sleep(0.5)
        watcher.stop.set()
        watcher.join()
        latencies = [watcher.seen[i] - t for i, t in changed.items() if i in watcher.seen]
        return {
            "mode": mode,
            "interval": setup["interval"],
            "orders": len(changed),
            "arrived": len(latencies),
            "latencies": latencies,
        }


def _place_orders(sandbox, references, args, poll_now_url) -> dict[int, float]:
    """Checkouts at random moments for `args.duration` s: {PrestaShop order id: time}."""
    rng = random.Random(args.seed)
    changed: dict[int, float] = {}
    end = time.time() + args.duration
    while time.time() < end:
        lines = [
            {"reference": rng.choice(references), "quantity": 1} for _ in range(rng.randint(1, 3))
        ]
        started = time.time()  # before the call: the change is no earlier than this
        changed[int(sandbox.place_order(lines, current_state=2)["id"])] = started
        if poll_now_url:
            # Our own loopback URL.
            request = urllib.request.Request(poll_now_url, data=b"", method="POST")  # noqa: S310
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                pass
        time.sleep(rng.uniform(0.2, 2 * args.mean_gap - 0.2))
    return changed


def summary(result: dict) -> list:
    values = result["latencies"]
    figures = (
        [procs.percentile(values, p) for p in (50, 95, 99)] + [max(values)]
        if values
        else [float("nan")] * 4
    )
    return [
        result["mode"],
        f"{result['interval']} s",
        result["orders"],
        result["arrived"],
        *[f"{v:.2f} s" for v in figures],
    ]


HEADERS = ["mode", "poll interval", "orders", "in Picqer", "p50", "p95", "p99", "max"]


def docs_body(args: argparse.Namespace, results: list[dict]) -> str:
    table = procs.markdown_table(HEADERS, [summary(r) for r in results])
    return f"""Target: from a PrestaShop status change to the Picqer order existing, p99 ≤ poll
interval + 3 s with the default interval, p99 ≤ 3 s with the "poll now" URL.

Run {dt.date.today().isoformat()} on {procs.machine()}:
`.venv/bin/python -m benchmarks.orders_latency --duration {args.duration}`.

{table}

Conditions: sandbox emulators with {LATENCY_MS} ms per API call, one `celery worker`
(concurrency 2), `celery beat` (it runs `orders_poll_due` every 5 s; a shop is polled on the
tick before its interval would pass, so no change waits longer than the interval), PostgreSQL
and Redis, the product index warm. Checkouts in a create status arrive one at a time about
every {args.mean_gap:.1f} s for {args.duration} s; a watcher reads the emulated Picqer's orders
every {WATCH_EVERY} s (so figures carry up to {WATCH_EVERY} s of resolution). "poll-now": the
shop side calls `POST /orders/poll/<shop>/?token=…` (gunicorn) after each checkout; a poll
asked for while one runs makes the running poll read once more instead of being dropped."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=150, help="seconds of checkouts")
    parser.add_argument(
        "--mean-gap", type=float, default=1.5, help="mean seconds between checkouts"
    )
    parser.add_argument("--mode", default="interval,poll-now")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    procs.interrupt_on_sigterm()
    if not (procs.postgres_available() and procs.redis_available()):
        print("needs PostgreSQL and Redis on 127.0.0.1 (production shape); not answering")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    results = []
    try:
        for mode in args.mode.split(","):
            (workdir / mode).mkdir()
            results.append(run(args, mode, workdir / mode))
            print(procs.markdown_table(HEADERS, [summary(results[-1])]), flush=True)
    except BaseException:
        print(f"benchmark failed; logs kept in {workdir}")
        raise
    print(procs.markdown_table(HEADERS, [summary(r) for r in results]))
    if not args.no_docs:
        procs.results_save("orders-latency", {"args": vars(args), "results": results})
        procs.docs_section_write("Orders: status change to Picqer order", docs_body(args, results))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(r["arrived"] == r["orders"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
