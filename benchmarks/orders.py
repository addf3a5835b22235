"""Benchmark: orders pushed per minute, Picqer and PrestaShop calls per order.

Target (issue): orders pushed per minute and Picqer calls per order against the sandbox with
50 ms latency and the Picqer rate limit on (no threshold: measure and report).

Real processes: the sandbox emulators (`manage.py sandbox`, 50 ms on every API call,
Picqer limit 500/min) and a Celery worker on a throwaway PostgreSQL database with Redis as
broker and cache (the shared rate-limit budget, PICQER_RATE_LIMIT_PER_MINUTE=480). K orders
are placed in the emulated shop (status 2 "Payment accepted", which the shop creates and
processes in Picqer), then one poll is enqueued; the clock stops when every OrderLink has
applied its rules. Calls are counted from the worker's log: the HTTP client writes one line
per call (`Picqer GET /path -> 200 in 51 ms`), so nothing is wrapped or patched.

    .venv/bin/python -m benchmarks.orders [--orders 200] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import random
import re
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sandbox.client import SandboxServer

from . import procs

LATENCY_MS = 50
SANDBOX_RATE_LIMIT = 500
CLIENT_RATE_LIMIT = 480
PS_VERSION = "1.7.8.11"  # the sandbox default
CALL_LINE = re.compile(
    r" (Picqer|PrestaShop) (GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) -> "
    r"(\S+(?: response)?) in (\d+) ms"
)
COUNTERS = ("per_service", "limited", "endpoints")

SETUP = """
import json
from prestapicqer.models import PicqerAccount, Shop
from sync.services.orders import orders_poll
from sync.models.orders import PollCursor
account = PicqerAccount.objects.create(name="Bench", subdomain="bench",
    api_key={api_key!r}, api_base_url={picqer_url!r})
shop = Shop.objects.create(account=account, name="Bench shop", prefix="BEN",
    prestashop_url={prestashop_url!r}, webservice_key={ws_key!r},
    create_state_ids=[2], processing_state_ids=[2], cancel_state_ids=[6],
    stock_enabled=False)
orders_poll(shop_id=shop.pk)  # the first poll only places the cursor after existing rows
cursor = PollCursor.objects.get(shop=shop)
if {index!r} != "off":  # the products.changed webhook makes the product index trusted
    from sync.services.hooks import hook_ensure
    hook_ensure(account=account, kind="products_changed")
if {index!r} == "warm":  # as a full stock sync leaves it (its product pages fill it)
    from sync.picqer.client import PicqerClient
    from sync.services.product_index import product_index_record
    product_index_record(account_id=account.pk,
                         products=list(PicqerClient.for_account(account).products_iter()))
print(json.dumps({{"shop_id": shop.pk, "cursor": cursor.start_history_id}}))
"""

ENQUEUE = """
import json, time
from sync.tasks.orders import orders_poll_task
started = time.time()
orders_poll_task.delay({shop_id})
print(json.dumps({{"t0": started}}))
"""


def sandbox_start(workdir: Path, stack: procs.Stack, ps_version: str = PS_VERSION) -> SandboxServer:
    port = procs.free_port()
    env = {
        **os.environ,
        "SANDBOX_ENABLED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    proc = stack.add(
        procs.Proc(
            "sandbox",
            [
                procs.PYTHON,
                str(procs.ROOT / "manage.py"),
                "sandbox",
                "--port",
                str(port),
                "--state",
                str(workdir / "sandbox.sqlite3"),
                "--reset",
                "--quiet",
                "--latency-ms",
                str(LATENCY_MS),
                "--rate-limit",
                str(SANDBOX_RATE_LIMIT),
                "--ps-version",
                ps_version,
            ],
            env,
            workdir / "sandbox.log",
        )
    )
    server = SandboxServer(f"http://127.0.0.1:{port}")

    def healthy() -> bool:
        try:
            return bool(server.control("GET", "health"))
        except (OSError, RuntimeError):
            return False

    proc.wait_ready(healthy, timeout=60)
    return server


def orders_place(sandbox: SandboxServer, references: list[str], count: int, seed: int) -> list[int]:
    """`count` checkouts of 1-3 lines over the catalogue, in status 2 (Payment accepted)."""
    rng = random.Random(seed)
    placed = []
    for _ in range(count):
        lines = [
            {"reference": rng.choice(references), "quantity": rng.randint(1, 3)}
            for _ in range(rng.randint(1, 3))
        ]
        placed.append(int(sandbox.place_order(lines, current_state=2)["id"]))
    return placed


def links_progress(database_url: str) -> tuple[int, int]:
    """(links, links finished: final state, every seen status applied, lease released)."""
    rows = procs.sql_rows(
        database_url,
        (
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state IN ('created','skipped','failed') "
            "AND last_history_id >= seen_history_id AND claimed_until IS NULL THEN 1 ELSE 0 END),"
            " 0) FROM sync_orderlink"
        ),
    )
    return int(rows[0][0]), int(rows[0][1])


def links_wait(database_url: str, *, expected: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    last = (-1, -1)
    while time.monotonic() < deadline:
        progress = links_progress(database_url)
        if progress != last:
            print(f"  links {progress[0]}/{expected}, finished {progress[1]}", flush=True)
            last = progress
        if progress[1] >= expected:
            return True
        time.sleep(1.0)
    return False


def calls_count(log_text: str) -> dict:
    """Calls per service, 429s, and a per-endpoint breakdown (ids replaced by {id})."""
    per_service: collections.Counter = collections.Counter()
    limited: collections.Counter = collections.Counter()
    endpoints: collections.Counter = collections.Counter()
    for match in CALL_LINE.finditer(log_text):
        service, method, path, status = (
            match.group(1),
            match.group(2),
            match.group(3),
            match.group(4),
        )
        per_service[service] += 1
        if status == "429":
            limited[service] += 1
        bare = re.sub(r"/\d+", "/{id}", path.split("?")[0])
        bare = bare.replace("/picqer/api/v1", "").replace("/prestashop/api", "")
        endpoints[f"{service} {method} {bare}"] += 1
    return {"per_service": per_service, "limited": limited, "endpoints": endpoints}


def outcome(database_url: str, sandbox: SandboxServer, t0: float) -> dict:
    rows = procs.sql_rows(
        database_url,
        "SELECT state, picqer_status, COUNT(*), MAX(updated_at) "
        "FROM sync_orderlink GROUP BY state, picqer_status",
    )
    states = {f"{state}/{status or '-'}": count for state, status, count, _ in rows}
    last = max((r[3] for r in rows), default=None)
    last_ts = last.timestamp() if isinstance(last, dt.datetime) else time.time()
    picqer_orders = sandbox.state("picqer.orders")
    references = collections.Counter(o.get("reference") for o in picqer_orders)
    return {
        "states": states,
        "elapsed": last_ts - t0,
        "picqer_orders": len(picqer_orders),
        "picqer_duplicates": sum(n - 1 for n in references.values() if n > 1),
        "picqer_statuses": collections.Counter(o.get("status") for o in picqer_orders),
    }


def stack_start(
    stack: ExitStack,
    workdir: Path,
    *,
    name: str,
    products: int,
    seed: int,
    max_stock: int,
    ps_version: str = PS_VERSION,
) -> tuple[procs.Stack, SandboxServer, list[str], str, dict]:
    """The seeded sandbox, a throwaway PostgreSQL database and Redis, migrated: (processes,
    sandbox, product references, database URL, environment of the project's processes)."""
    processes = procs.Stack()
    stack.callback(processes.stop_all)
    sandbox = sandbox_start(workdir, processes, ps_version)
    references = sandbox.seed(products=products, seed=seed, max_stock=max_stock)["references"]
    database_url = stack.enter_context(procs.postgres_database(f"{name}_{os.getpid()}"))
    procs.redis_flush()
    stack.callback(procs.redis_flush)
    env = procs.project_env(
        database_url=database_url,
        redis_url=procs.REDIS_BENCH_URL,
        broker_dir=None,
        PICQER_RATE_LIMIT_PER_MINUTE=str(CLIENT_RATE_LIMIT),
    )
    procs.manage(env, "migrate", "--noinput")
    return processes, sandbox, references, database_url, env


def run(args: argparse.Namespace, workdir: Path) -> dict:
    with ExitStack() as stack:
        processes, sandbox, references, database_url, env = stack_start(
            stack,
            workdir,
            name="bench_orders",
            products=args.products,
            seed=args.seed,
            max_stock=1000,
            ps_version=args.ps_version,
        )
        setup = procs.django_snippet(
            env,
            SETUP.format(
                api_key=sandbox.api_key,
                picqer_url=sandbox.picqer_url,
                index=args.index,
                prestashop_url=sandbox.prestashop_url,
                ws_key=sandbox.ws_key,
            ),
        )
        orders_place(sandbox, references, args.orders, args.seed)
        worker = processes.add(
            procs.celery_worker(
                env,
                concurrency=args.concurrency,
                log_path=workdir / "worker.log",
                name=f"bench-orders-{os.getpid()}",
            )
        )
        worker.wait_ready(lambda: procs.log_contains(worker, b" ready."))
        load_before = os.getloadavg()[0]
        t0 = procs.django_snippet(env, ENQUEUE.format(shop_id=setup["shop_id"]))["t0"]
        print(
            f"{args.orders} orders placed; poll enqueued, worker concurrency {args.concurrency}",
            flush=True,
        )
        finished = links_wait(
            database_url, expected=args.orders, timeout=max(300.0, args.orders * 3.0)
        )
        result = outcome(database_url, sandbox, t0)
        result.update(
            calls_count(worker.log_path.read_text(errors="replace")),
            finished=finished,
            orders=args.orders,
            concurrency=args.concurrency,
            load=(load_before, os.getloadavg()[0]),
            index=args.index,
        )
        return result


def figures(r: dict) -> dict:
    minutes = r["elapsed"] / 60
    per = r["per_service"]
    return {
        "orders": r["orders"],
        "elapsed_s": r["elapsed"],
        "per_minute": r["orders"] / minutes if minutes > 0 else 0.0,
        "picqer_per_order": per["Picqer"] / r["orders"],
        "ps_per_order": per["PrestaShop"] / r["orders"],
        "picqer_calls": per["Picqer"],
        "ps_calls": per["PrestaShop"],
        "picqer_429": r["limited"]["Picqer"],
        "picqer_per_minute": per["Picqer"] / minutes if minutes > 0 else 0.0,
    }


HEADERS = [
    "orders",
    "product index",
    "worker concurrency",
    "time",
    "orders/min",
    "Picqer calls/order",
    "PrestaShop calls/order",
    "Picqer calls/min",
    "Picqer 429s",
    "links",
    "Picqer orders",
]


def row(r: dict) -> list:
    f = figures(r)
    states = ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))
    dup = f", {r['picqer_duplicates']} duplicate" if r["picqer_duplicates"] else ""
    return [
        f["orders"],
        r.get("index", "off"),
        r["concurrency"],
        f"{f['elapsed_s']:.1f} s",
        f"{f['per_minute']:.1f}",
        f"{f['picqer_per_order']:.2f}",
        f"{f['ps_per_order']:.2f}",
        f"{f['picqer_per_minute']:.0f}",
        f["picqer_429"],
        states,
        f"{r['picqer_orders']}{dup}",
    ]


def endpoints_table(r: dict) -> str:
    rows = [
        [name, count, f"{count / r['orders']:.2f}"]
        for name, count in sorted(r["endpoints"].items(), key=lambda kv: -kv[1])
    ]
    return procs.markdown_table(["call", "count", "per order"], rows)


def findings(results: list[dict]) -> str:
    """What the figures mean, computed from them (so a re-run keeps the text true)."""
    lines = []
    for r in results:
        f = figures(r)
        lines.append(
            f"- Product index {r.get('index', 'off')}, concurrency {r['concurrency']}: "
            f"{f['per_minute']:.0f} orders/min, {f['picqer_per_minute']:.0f} Picqer calls/min "
            f"averaged over the run ({f['picqer_per_minute'] / CLIENT_RATE_LIMIT:.0%} of the "
            f"budget); the budget's ceiling at {f['picqer_per_order']:.2f} Picqer calls per "
            f"order is {CLIENT_RATE_LIMIT} ÷ {f['picqer_per_order']:.2f} ≈ "
            f"{CLIENT_RATE_LIMIT / f['picqer_per_order']:.0f} orders/min."
        )
    lines.append(
        "- The budget is counted per calendar minute, so a run a little over two "
        "minutes touches three minutes and can average more than the ceiling."
    )
    limited = [r for r in results if r["limited"]["Picqer"]]
    if limited:
        lines.append(
            f"- {sum(r['limited']['Picqer'] for r in limited)} Picqer 429s although the "
            f"client budget ({CLIENT_RATE_LIMIT}) is below the emulator's limit "
            f"({SANDBOX_RATE_LIMIT}): the client counts per calendar minute "
            "(`sync/http/ratelimit.py`, window `int(now // 60)`), the emulator per 60 s "
            "from the first call of its window, so the end of one client minute and the start "
            "of the next can land in one emulator window. After a 429 every worker pauses "
            "20 s (no `Retry-After`), then all resume at once and can hit the same window "
            "again. The orders still went through (retried), exactly once."
        )
    first = results[0]
    countries = first["endpoints"].get("PrestaShop GET /countries/{id}", 0) / first["orders"]
    orders_get = first["endpoints"].get("PrestaShop GET /orders/{id}", 0) / first["orders"]
    histories = first["endpoints"].get("PrestaShop GET /order_histories", 0) / first["orders"]
    lines.append(
        f"- PrestaShop (first run): {orders_get:.2f} `GET orders/{{id}}` per order (the "
        "content's read, and the read `update` makes just before its full PUT on 1.7; the "
        "note is read back only until the shop has shown once that it keeps it), "
        f"`GET order_histories` {histories:.2f} per order (the poll's pages: the rules use "
        f"the rows the poll read), `GET countries/{{id}}` {countries:.2f} per order."
    )
    return "\n".join(lines)


def docs_body(args: argparse.Namespace, results: list[dict]) -> str:
    table = procs.markdown_table(HEADERS, [row(r) for r in results])
    loads = ", ".join(f"{a:.1f}→{b:.1f}" for a, b in (r["load"] for r in results))
    command = f".venv/bin/python -m benchmarks.orders --orders {args.orders}{version_arg(args)}"
    return f"""Target: orders pushed per minute and Picqer calls per order against the sandbox with
{LATENCY_MS} ms latency and the Picqer rate limit on (no threshold; measured and reported, with
PrestaShop calls per order).

Run {dt.date.today().isoformat()} on {procs.machine()} (load average before→after: {loads}):
`make bench-orders` (`{command}`).

{table}

{findings(results)}

Conditions: `manage.py sandbox --latency-ms {LATENCY_MS} --rate-limit {SANDBOX_RATE_LIMIT}` (every
Picqer and PrestaShop API call sleeps {LATENCY_MS} ms; Picqer answers 429 above
{SANDBOX_RATE_LIMIT} calls per 60 s window; the emulated PrestaShop announces {ps_version(args)}
so an update is GET + full PUT), one real `celery worker` (prefork, concurrency as
shown) on a throwaway PostgreSQL 15 database, Redis db 14 as broker and as the cache that holds
the shared Picqer budget (`PICQER_RATE_LIMIT_PER_MINUTE={CLIENT_RATE_LIMIT}`). Catalogue:
{args.products} products known to both systems. The shop creates *and* processes status 2
("Payment accepted"). {args.orders} checkouts of 1–3 lines each are placed in the emulated shop
(status 2), then one `orders_poll_task` is enqueued (t = 0): the poll reads the new
`order_histories` and enqueues one `order_sync_task` per order, which reads the order, its
address, customer, country and checkout messages, resolves each line by productcode, creates
the Picqer order, processes it and writes the Picqer order number back into the PrestaShop
order note. The clock stops at the last OrderLink update once every link is final with all
status rows applied. Calls are counted from the worker log (one line per HTTP call, written by
`sync/http/base.py`), so they include the poll and any retry. "Picqer orders" is what the
emulator holds afterwards (a duplicate would mean a double push).

Calls by endpoint (first run):

{endpoints_table(results[0])}"""


def ps_version(args: argparse.Namespace) -> str:
    version = getattr(args, "ps_version", PS_VERSION)
    if version == PS_VERSION:
        return f"{version}, the sandbox default,"
    return (
        f"{version} (`--ps-version`; before 1.7 the emulator has no `messages` resource, "
        "before 1.7.8 orders have no `note`),"
    )


def version_arg(args: argparse.Namespace) -> str:
    version = getattr(args, "ps_version", PS_VERSION)
    return "" if version == PS_VERSION else f" --ps-version {version}"


def _results_name(section: str) -> str:
    """The raw figures' file under var/, one per docs section."""
    return "orders" if section == "Orders" else "orders-" + re.sub(r"\W+", "-", section).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument(
        "--concurrency", default="2", help="worker concurrency; a comma list runs once per value"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ps-version",
        default=PS_VERSION,
        help="the PrestaShop version the emulator announces (e.g. 1.6.1.23)",
    )
    parser.add_argument(
        "--index",
        default="warm",
        help="product index: warm (filled and trusted), cold (trusted, "
        "empty), off (not trusted: every line read from Picqer); a comma "
        "list runs once per value",
    )
    parser.add_argument(
        "--section", default="Orders", help="the docs/benchmarks.md section to write"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs")
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="rewrite the docs section from the last saved figures",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs")
    args = parser.parse_args(argv)
    procs.interrupt_on_sigterm()
    if not (procs.postgres_available() and procs.redis_available()):
        print("needs PostgreSQL and Redis on 127.0.0.1 (production shape); not answering")
        return 2
    if args.docs_only:
        saved = json.loads(procs.results_path(_results_name(args.section)).read_text())
        results = [
            {**r, **{k: collections.Counter(r[k]) for k in COUNTERS}} for r in saved["results"]
        ]
        procs.docs_section_write(
            saved["args"].get("section", "Orders"),
            docs_body(argparse.Namespace(**saved["args"]), results),
        )
        print(findings(results))
        return 0
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    try:
        for index in str(args.index).split(","):
            for concurrency in [int(c) for c in str(args.concurrency).split(",")]:
                run_args = argparse.Namespace(
                    **{**vars(args), "concurrency": concurrency, "index": index}
                )
                run_dir = workdir / f"{index}-c{concurrency}"
                run_dir.mkdir()
                results.append(run(run_args, run_dir))
                print(procs.markdown_table(HEADERS, [row(results[-1])]), flush=True)
    except BaseException:
        print(f"benchmark failed; logs kept in {workdir}")
        raise
    print()
    print(procs.markdown_table(HEADERS, [row(r) for r in results]))
    print()
    print(endpoints_table(results[0]))
    print(findings(results))
    if not args.no_docs:  # the raw figures under var/ always match the docs
        print(
            "raw figures:",
            procs.results_save(
                _results_name(args.section), {"args": vars(args), "results": results}
            ),
        )
        procs.docs_section_write(args.section, docs_body(args, results))
        print(f"wrote the {args.section} section of {procs.DOCS_PATH.relative_to(procs.ROOT)}")
    if args.keep_logs:
        print(f"logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(r["finished"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
