"""Benchmark: the catalogue match report against the full stock sync, on one catalogue.

20,000 SKUs (5,000 combinations, 2 % differing) with 5 % of each mismatch kind (near miss,
only in PrestaShop, duplicate reference, ambiguous combinations, only in Picqer), 20 ms per
call: Picqer calls of each (target: ceil(Picqer products / 100) + 1 for the report), wall
time of each, peak memory, and the report's counts per status.

    .venv/bin/python -m benchmarks.catalogue [--skus 20000] [--combinations 5000]
        [--mismatch 5] [--latency-ms 20]

Exits 1 when the report needs more Picqer calls than its target or its counts are off.
Prints its table (docs/benchmarks.md is left to the lead).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from .common import CallCounter, machine_summary, markdown_table, max_rss_mb, measure
from .stock import _django_boot, _fresh_budget, _sandbox_start, _shop_create


def _args(argv):
    parser = argparse.ArgumentParser(prog="benchmarks.catalogue")
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--combinations", type=int, default=5_000)
    parser.add_argument("--mismatch", type=float, default=5.0, help="percent of each kind")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--rate-limit", type=int, default=500)
    parser.add_argument("--ps-version", default="1.7.8.11")
    parser.add_argument(
        "--untraced",
        action="store_true",
        help="no tracemalloc (its bookkeeping inflates RSS): for the RSS figure",
    )
    return parser.parse_args(argv)


def _report(shop):
    from sync.models import CatalogueReport
    from sync.services.stock.report import catalogue_report_build

    return catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))


def _full_sync(shop):
    from sync.services.stock import stock_sync_full, stock_sync_start

    return stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="benchmark"))


def _run(args, tmp: Path) -> dict:
    _django_boot(tmp, args.rate_limit)
    mismatches = round(args.skus * args.mismatch / 100)
    servers = []
    started = time.monotonic()
    try:
        for name in ("picqer", "prestashop"):  # two processes: see benchmarks.stock
            server = _sandbox_start(tmp, name, args.ps_version)
            servers.append(server)
            server.seed(
                skus=args.skus,
                combinations=args.combinations,
                differing=round(args.skus / 50),
                seed=20_000,
                mismatches=mismatches,
            )
            server.knobs(picqer_latency_ms=args.latency_ms, prestashop_latency_ms=args.latency_ms)
        seed_s = time.monotonic() - started
        shop = _shop_create(*servers)
        peaks = {"before": max_rss_mb()}
        results = {}
        with CallCounter() as counter:
            for name, fn in (("report", _report), ("full sync", _full_sync)):
                counter.reset()
                _fresh_budget(servers[0], args.rate_limit)
                measured = measure(lambda fn=fn: fn(shop), traced=not args.untraced)
                results[name] = (measured, counter.calls("Picqer"), counter.calls("PrestaShop"))
                # The process's peak so far: after the report, the report's own peak.
                peaks[name] = max_rss_mb()
        return {
            "peaks": peaks,
            "args": args,
            "mismatches": mismatches,
            "seed_s": seed_s,
            "results": results,
            "rss_mb": max_rss_mb(),
        }
    finally:
        for server in servers:
            server.stop()


def main(argv=None) -> int:
    args = _args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        r = _run(args, Path(tmp))
    n = r["mismatches"]
    picqer_products = args.skus - n + n + n  # minus only-in-PrestaShop, plus two extra kinds
    target = math.ceil(picqer_products / 100) + 1
    report, report_picqer, report_ps = r["results"]["report"]
    sync, sync_picqer, sync_ps = r["results"]["full sync"]
    counts = report.result.counts
    expected = {
        "near_miss": n,
        "only_in_picqer": n,
        "ambiguous_combinations": n,
        "duplicate_reference": n,
        "only_in_prestashop": n,
    }
    counts_ok = all(counts.get(k) == v for k, v in expected.items())
    rows = [
        ("Picqer calls", f"{report_picqer}", f"{sync_picqer}", f"report <= {target}"),
        ("PrestaShop calls", f"{report_ps}", f"{sync_ps}", "report: reads only"),
        ("wall time", f"{report.seconds:.1f} s", f"{sync.seconds:.1f} s", "-"),
        (
            "peak memory, tracemalloc",
            f"{report.traced_peak_mb:.1f} MB",
            f"{sync.traced_peak_mb:.1f} MB",
            "-",
        ),
        (
            "process peak RSS so far",
            f"{r['peaks']['report']:.0f} MB",
            f"{r['peaks']['full sync']:.0f} MB",
            "report < 150 MB",
        ),
        (
            "report counts",
            ", ".join(f"{k} {v}" for k, v in counts.items()),
            "-",
            f"{n} of each mismatch kind",
        ),
    ]
    print(f"Process peak RSS before the report (Django, seeding): {r['peaks']['before']:.0f} MB.")
    print(
        f"`.venv/bin/python -m benchmarks.catalogue` — {args.skus:,} SKUs "
        f"({args.combinations:,} combinations), {n} of each mismatch kind, "
        f"{args.latency_ms} ms per call, PrestaShop {args.ps_version}. Machine: "
        f"{machine_summary()}. Seeding took {r['seed_s']:.0f} s; process peak RSS "
        f"{r['rss_mb']:.0f} MB.\n"
    )
    print(markdown_table(["measure", "report", "full sync", "target"], rows))
    ok = report_picqer <= target and counts_ok and r["peaks"]["report"] < 150
    print("All catalogue targets met." if ok else "MISSED: Picqer calls, report counts or RSS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
