"""The report of the webhooks benchmark: the table, the CPU lines, the findings, the docs.

Every sentence is computed from the figures, so re-running the benchmark keeps it true.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from . import procs

TARGET_P99_MS = 50.0


def verdict(r: dict) -> str:
    ok = (
        r["p99"] < TARGET_P99_MS
        and r["non_2xx"] == 0
        and r["lost"] == 0
        and r["unfinished"] == 0
        and r["stored"] == r["accepted"] == r["final"]
    )
    return "PASS" if ok else "FAIL"


ROW_HEADERS = [
    "variant",
    "requests",
    "req/s",
    "non-2xx",
    "ack p50 ms",
    "p95",
    "p99",
    "max",
    "stored",
    "processed (state)",
    "unfinished",
    "lost",
    "drain after load",
    "store→final p50 / p99",
    "load avg",
    "target",
]


def row(name: str, r: dict) -> list:
    states = ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))
    return [
        name,
        r["requests"],
        f"{r['achieved_rps']:.1f}",
        r["non_2xx"],
        f"{r['p50']:.1f}",
        f"{r['p95']:.1f}",
        f"{r['p99']:.1f}",
        f"{r['max']:.0f}",
        r["stored"],
        f"{r['final']} ({states})",
        r["unfinished"],
        r["lost"],
        f"{r['drain_s']:.1f} s",
        f"{r['lag_p50']:.2f} / {r['lag_p99']:.2f} s",
        "{:.1f}→{:.1f}".format(*r.get("load", (0, 0))),
        verdict(r),
    ]


def cpu_text(r: dict) -> str:
    """CPU seconds per kind of process during the load window, and per request."""
    cpu, n = r.get("cpu", {}), max(r["requests"], 1)
    parts = [
        f"{name} {sec:.1f} s ({sec / n * 1000:.1f} ms/req)"
        for name, sec in sorted(cpu.items(), key=lambda kv: -kv[1])
        if sec >= 0.05
    ]
    capacity = (os.cpu_count() or 1) * r.get("wall", 0)
    return f"{sum(cpu.values()):.0f} of {capacity:.0f} CPU-s: " + ", ".join(parts)


def findings(args: argparse.Namespace, results: dict[str, dict]) -> str:
    """Per variant: the product's CPU cost per event and the inbox processing rate."""
    lines = []
    for name, r in results.items():
        cpu, n = r.get("cpu", {}), max(r["requests"], 1)
        own = {k: cpu.get(k, 0.0) / n * 1000 for k in ("web", "worker", "postgres", "redis")}
        total = sum(own.values())
        rate = r["final"] / (r.get("wall", 0) + r["drain_s"]) if r["final"] else 0.0
        lines.append(
            f"- {name}: {r['final']} of {r['stored']} stored events final; the middleware's "
            f"processes used {total:.1f} ms of CPU per event (web "
            f"{own['web']:.1f}, worker {own['worker']:.1f}, PostgreSQL {own['postgres']:.1f}, "
            f"redis {own['redis']:.1f}) = {total * args.rate / 1000:.2f} cores at "
            f"{args.rate:g} req/s on a {os.cpu_count()}-core machine; the inbox finished "
            f"{rate:.0f} events/s over the run."
        )
    return "\n".join([*summary(results), *lines])


def summary(results: dict[str, dict]) -> list[str]:
    """The verdict in words: refusals, losses, the best p99."""
    best = min(results, key=lambda n: results[n]["p99"])
    met = "met" if results[best]["p99"] < TARGET_P99_MS else "not met by any variant"
    return [
        f"- {sum(r['non_2xx'] for r in results.values())} of "
        f"{sum(r['requests'] for r in results.values())} requests refused; "
        f"{sum(r['lost'] for r in results.values())} accepted events without a stored "
        f"row. Best p99 {results[best]['p99']:.0f} ms ({best}): target {met}."
    ]


# Dated history, not recomputed: what moved the postgres+redis p99 under the target.
HISTORY_STEPS = [
    ("one broker message per event, a new database connection per request", "—", "1.7 s"),
    (
        "batched drain, persistent connections, narrower account read",
        "14.0 ms (5.6 / 5.1 / 3.2)",
        "67–204 ms",
    ),
    (
        "receiver: account cached per process, one INSERT without BEGIN/COMMIT; drain: claims "
        "20 events per transaction, one UPDATE per outcome, accounts and shops read per batch",
        "9.7 ms (5.5 / 2.0 / 2.0)",
        "158 ms",
    ),
    ("web workers warmed up at boot (`config/warmup.py`)", "9.3 ms (5.3 / 2.0 / 1.9)", "23–27 ms"),
]
HISTORY_NOTE = """\
After the third step every request over 50 ms fell in the first 0.4 s of the run: the first
delivery to a fresh gunicorn worker took 274 ms (importing the Redis client, deriving the
encryption keys, finalizing Celery, connecting), and the deliveries behind it queued. The
warm-up moves that to boot. In one process (`make bench-webhooks-cpu`, section "Webhooks:
CPU per event"; commit cd48d01 and this one run alternately, three or more runs each, so the spread
is the machine's) the receiver went from 4.5–5.8 to 2.6–3.4 ms of CPU per delivery and the
drain from 4.5–5.8 to 0.65–0.83 ms per event on PostgreSQL; on SQLite, with its connection
now kept too, from 6.2–8.1 to 1.5–1.7 ms and from 1.9–3.3 to 0.5–0.6 ms."""


def history() -> str:
    table = procs.markdown_table(
        ["step", "CPU per event (web / worker / PostgreSQL)", "ack p99"],
        [list(step) for step in HISTORY_STEPS],
    )
    return (
        "What it took (postgres+redis, same machine and command, 2026-11-26):\n\n"
        f"{table}\n\n{HISTORY_NOTE}"
    )


def docs_body(args: argparse.Namespace, results: dict[str, dict], notes: dict[str, str]) -> str:
    table = procs.markdown_table(ROW_HEADERS, [row(n, r) for n, r in results.items()])
    cpu_lines = "\n".join(f"- {name}: {cpu_text(r)}" for name, r in results.items())
    variants = "\n".join(f"- *{name}*: {notes.get(name, '')}" for name in results)
    return f"""Target: acknowledgement p99 < {TARGET_P99_MS:.0f} ms at 100 requests/s sustained for
60 s, every accepted event processed, none lost.

Run {dt.date.today().isoformat()} on {procs.machine()}, everything on the same machine (load
generator, gunicorn, Celery, database): `make bench-webhooks`
(`.venv/bin/python -m benchmarks.webhooks --rate {args.rate:g} --duration {args.duration:g}`).

{table}

Variants:

{variants}

CPU used on the machine during each load window (all processes, by kind; "other" and
"sandbox" are other work running on the shared machine at the time — this benchmark starts
no sandbox):

{cpu_lines}

{findings(args, results)}

{history()}

Conditions: `gunicorn -c config/gunicorn.conf.py config.wsgi:application --workers
{args.web_workers}` (the Dockerfile's web process: sync workers, each warmed up before its first
request; `DJANGO_DEBUG=False`, `SECURE_SSL_REDIRECT=False`, otherwise the defaults: persistent
PostgreSQL connections, the file broker polled every 0.1 s) and one
`celery worker --concurrency {args.concurrency}` (the Procfile's), fresh database per variant.
*postgres+redis* = PostgreSQL 15 on loopback (throwaway database) + Redis db 14 as broker and
cache; *sqlite+files* = the embedded default (SQLite file + kombu file-system broker).
The load generator sends {args.rate:g} requests/s open loop from {args.senders} threads
(request *i* is due at *i*/rate s; the acknowledgement time counts from that due time, so
server-side queueing is not hidden). Each request is a distinct `products.free_stock_changed`
delivery shaped like `tests/fixtures/picqer_webhooks/`, signed with the account's secret
(`X-Picqer-Signature`). The account's shop has stock updates off, so every event is processed
to `ignored` ("no enabled shop with stock updates on") without calling Picqer: this measures
the acknowledgement path (guards, HMAC, inbox insert, waking a drain after commit) and the inbox
worker (claim a batch, dispatch, record), not Picqer's latency, which the stock benchmark covers.
"Processed" = rows in a final state (done/ignored/failed) after the load; "lost" = accepted
(2xx) minus processed; "store→final" = `processed_at − received_at` per event."""
