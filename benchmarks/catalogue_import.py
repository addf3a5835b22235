"""Benchmark: bulk import of the products only in PrestaShop into an empty Picqer account,
with the Celery worker SIGKILLed halfway and the run resumed.

A PrestaShop emulator with `--skus` references (a quarter of them combinations) and an empty
Picqer emulator answering 429 over `--picqer-limit` requests a minute, as Picqer does; our
budget is PICQER_RATE_LIMIT_PER_MINUTE (480). The match report is built here, the import runs
in a real worker process (SQLite and the file broker, the embedded mode), which is SIGKILLed
once half the products are done; the sweep then hands the run to a fresh worker.

    .venv/bin/python -m benchmarks.catalogue_import [--skus 1000] [--kill-at 0.5]

Prints wall time, Picqer calls (from the workers' logs), 429 answers, products in Picqer and
duplicate product codes. Exits 1 when a code is in Picqer twice, a product is missing, or
Picqer answered 429.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from .common import machine_summary, markdown_table
from .procs import ROOT, Proc, celery_worker, project_env, wait_for
from .stock import _shop_create

STALE_SECONDS = 15


def _args(argv):
    parser = argparse.ArgumentParser(prog="benchmarks.catalogue_import")
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction done")
    parser.add_argument("--rate-limit", type=int, default=480, help="our budget per minute")
    parser.add_argument("--picqer-limit", type=int, default=500, help="Picqer's, per minute")
    parser.add_argument("--latency-ms", type=int, default=20)
    return parser.parse_args(argv)


def _boot(tmp: Path, args) -> dict[str, str]:
    """This process and the workers on one SQLite file, one broker folder and the worktree's
    file cache (the shared budget); returns the workers' environment."""
    env = project_env(
        database_url=f"sqlite:///{tmp / 'db.sqlite3'}",
        redis_url=None,
        broker_dir=tmp / "broker",
        PICQER_RATE_LIMIT_PER_MINUTE=str(args.rate_limit),
        PRODUCT_IMPORT_STALE_SECONDS=str(STALE_SECONDS),
    )
    for key in (
        "DATABASE_URL",
        "CELERY_FILESYSTEM_DIR",
        "PICQER_RATE_LIMIT_PER_MINUTE",
        "PRODUCT_IMPORT_STALE_SECONDS",
        "DJANGO_SETTINGS_MODULE",
    ):
        os.environ[key] = env[key]
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()  # no budget window or pause left over from an earlier run
    return env


def _sandbox(tmp: Path, name: str):
    from sandbox.testing import sandbox_start

    return sandbox_start(
        state_path=tmp / f"{name}.sqlite3",
        log_path=tmp / f"{name}.log",
        extra_args=("--ps-version", "1.7.8.11"),
        wait_seconds=60,
    )


def _worker(env, tmp: Path, n: int) -> Proc:
    proc = celery_worker(env, concurrency=1, log_path=tmp / f"worker{n}.log", name=f"imp{n}")
    proc.start()
    return proc.wait_ready(lambda: b"ready." in proc.log_path.read_bytes(), timeout=90)


def _progress(run_id: int):
    from sync.models import ProductImportRun

    return ProductImportRun.objects.get(pk=run_id)


def _picqer_log_counts(paths: list[Path]) -> Counter:
    """Picqer requests the workers logged (`sync.http` logs one line per call)."""
    counts: Counter = Counter()
    per_minute: Counter = Counter()  # the budget's windows are calendar minutes
    line = re.compile(
        rb"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) \w+ sync.http Picqer "
        rb"(GET|POST|PUT) \S*?/api/v1/([^\s?]+)\S* -> (\d+) in (\d+) ms"
    )
    for path in paths:
        for logged, method, path_, status, took in line.findall(path.read_bytes()):
            # A call counts in the window it was sent in: the log line comes after the answer.
            sent = datetime.strptime(logged.decode(), "%Y-%m-%d %H:%M:%S,%f") - timedelta(
                milliseconds=int(took)
            )
            minute = sent.strftime("%Y-%m-%d %H:%M")
            resource = re.sub(r"\d+", "{id}", path_.decode())
            counts["calls"] += 1
            counts[f"{method.decode()} {resource}"] += 1
            counts[f"status {status.decode()}"] += 1
            per_minute[minute] += 1
    counts["busiest minute"] = max(per_minute.values(), default=0)
    return counts


def _run(args, tmp: Path) -> dict:
    env = _boot(tmp, args)
    from sync.models import CatalogueReport
    from sync.picqer.client import PicqerClient
    from sync.services.catalogue_import import product_import_request, product_import_sweep
    from sync.services.stock.report import catalogue_report_build

    picqer, prestashop = _sandbox(tmp, "picqer"), _sandbox(tmp, "prestashop")
    workers: list[Proc] = []
    try:
        prestashop.seed(skus=args.skus, combinations=args.skus // 4, seed=7)
        picqer.knobs(picqer_rate_limit=args.picqer_limit, picqer_latency_ms=args.latency_ms)
        prestashop.knobs(prestashop_latency_ms=args.latency_ms)
        shop = _shop_create(picqer, prestashop)
        report = catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))
        workers.append(_worker(env, tmp, 1))
        started = time.monotonic()
        run = product_import_request(
            report=report, dry_run=False, requested_by="bench", publish=False
        )
        from sync.services.catalogue_import import product_import_publish

        product_import_publish(run.pk)
        kill_after = int(args.skus * args.kill_at)
        wait_for(
            lambda: _progress(run.pk).processed >= kill_after,
            timeout=1800,
            interval=0.5,
            what="the import to reach the kill point",
        )
        os.killpg(workers[0].process.pid, signal.SIGKILL)
        workers[0].process.wait(timeout=10)
        killed_at = _progress(run.pk)
        killed_s = time.monotonic() - started
        workers.append(_worker(env, tmp, 2))
        time.sleep(STALE_SECONDS + 1)  # what beat's sweep sees a minute later at most
        swept = product_import_sweep()
        wait_for(
            lambda: _progress(run.pk).state in ("done", "failed"),
            timeout=1800,
            interval=1,
            what="the resumed import to finish",
        )
        wall = time.monotonic() - started
        final = _progress(run.pk)
        codes = Counter(
            p.productcode for p in PicqerClient.for_account(shop.account).products_iter()
        )
        return {
            "args": args,
            "report": report.counts,
            "final": final,
            "killed": killed_at,
            "killed_s": killed_s,
            "wall": wall,
            "swept": swept,
            "codes": codes,
            "calls": _picqer_log_counts([w.log_path for w in workers]),
        }
    finally:
        for worker in workers:
            worker.stop()
        picqer.stop()
        prestashop.stop()


def main(argv=None) -> int:
    args = _args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-", dir=ROOT / "var") as tmp:
        r = _run(args, Path(tmp))
    final, codes, calls = r["final"], r["codes"], r["calls"]
    duplicates = sum(n - 1 for n in codes.values() if n > 1)
    expected = r["report"].get("only_in_prestashop", 0)
    rate = calls["calls"] / (r["wall"] / 60)
    rows = [
        ("products only in PrestaShop (report)", f"{expected}", "-"),
        ("created + taken over", f"{final.created} + {final.adopted}", f"{expected}"),
        (
            "products in Picqer / distinct codes",
            f"{sum(codes.values())} / {len(codes)}",
            f"{expected} / {expected}",
        ),
        ("duplicate product codes", f"{duplicates}", "0"),
        (
            "worker SIGKILLed at",
            f"{r['killed'].processed} done, {r['killed_s']:.0f} s",
            f"~{int(args.skus * args.kill_at)}",
        ),
        ("wall time, request → done (incl. kill + resume)", f"{r['wall']:.0f} s", "-"),
        (
            "Picqer calls (GET products / POST products / other)",
            f"{calls['calls']} ({calls['GET products']} / {calls['POST products']} / "
            f"{calls['calls'] - calls['GET products'] - calls['POST products']})",
            "-",
        ),
        (
            "Picqer calls per minute: overall / busiest calendar minute",
            f"{rate:.0f} / {calls['busiest minute']}",
            f"busiest <= {args.rate_limit}",
        ),
        ("429 answers", f"{calls['status 429']}", "0"),
        ("run state", f"{final.state}: {final.message}", "done"),
    ]
    print(
        f"`.venv/bin/python -m benchmarks.catalogue_import` — {args.skus:,} references "
        f"({args.skus // 4:,} combinations) only in PrestaShop, empty Picqer answering 429 "
        f"over {args.picqer_limit}/min, our budget {args.rate_limit}/min, "
        f"{args.latency_ms} ms per call, one worker SIGKILLed at "
        f"{args.kill_at:.0%}, resumed by the sweep. Machine: {machine_summary()}.\n"
    )
    print(markdown_table(["measure", "value", "target"], rows))
    ok = (
        duplicates == 0
        and len(codes) == expected
        and calls["status 429"] == 0
        and calls["busiest minute"] <= args.rate_limit
        and final.state == "done"
        and final.created + final.adopted == expected
    )
    print("All import targets met." if ok else "MISSED: see the table")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
