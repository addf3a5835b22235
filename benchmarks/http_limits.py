"""Benchmark: the HTTP client's total deadline and response size cap (issue 9, findings 3-4).

1. Largest legitimate page: sizes of generous pages built from the real-shaped fixtures
   (a Picqer products page of 100 products with stock in 10 warehouses; PrestaShop's
   biggest list pages), against the default HTTP_MAX_RESPONSE_BYTES.
2. Peak RSS of a child process (a fresh Python with Django set up, like a worker child)
   whose client is fed a gzip bomb (512 MiB of zeros in ~0.5 MB) or 300 MB of plain XML by
   a local server; the child parses the body as XML when the client returns it.
3. How long a server dripping one byte every 10 s holds one call, with the default
   HTTP_TOTAL_DEADLINE and inside an admin page's `http_deadline`.

    .venv/bin/python -m benchmarks.http_limits [--before DIR] [--drip-interval 10]

`--before DIR` also runs the child calls against another checkout of the code (e.g.
`git archive <commit> | tar -x -C DIR`), for the figures before the fix.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox.misbehaving import MB, misbehaving_server

from .common import ROOT, machine_summary, markdown_table

FIXTURES = ROOT / "tests" / "fixtures"

# Runs in the child, in the code root given as its working directory: call the client
# once, parse XML bodies as the PrestaShop client would, print one JSON line.
CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from sync.prestashop import xml as psxml
from sync.http.base import HttpClient
url, path, budget = sys.argv[1], sys.argv[2], float(sys.argv[3])
started = time.monotonic()
try:
    if budget:
        from sync.http.base import http_deadline
        with http_deadline(budget):
            response = HttpClient(url).request("GET", path)
    else:
        response = HttpClient(url).request("GET", path)
    if path == "huge":
        psxml.parse(response.content)
    outcome = f"read {len(response.content):,} bytes"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {exc}"[:160]
print(json.dumps({"seconds": time.monotonic() - started, "outcome": outcome,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child_call(code_root: Path, url: str, path: str, budget: float = 0.0) -> dict:
    """Run CHILD in a new process against `code_root`; its JSON result."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        [sys.executable, "-c", CHILD, url, path, str(budget)],
        cwd=code_root,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    if done.returncode:
        return {"seconds": 0, "outcome": done.stderr.strip()[-160:], "rss_mb": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- 1. legitimate page sizes -------------------------------------------------------------


def picqer_products_page(products: int = 100, warehouses: int = 10) -> bytes:
    """/products page: the fixture product with every documented field filled generously."""
    base = json.loads((FIXTURES / "picqer" / "product.json").read_text())
    base.update(
        {
            "description": "<p>" + "Cooling vest, evaporative, machine washable. " * 40 + "</p>",
            "productcode_supplier": "SUP-6531-RB-7-9",
            "deliverytime": 3,
            "hs_code": "62114390",
            "country_of_origin": "US",
            "length": 40,
            "width": 30,
            "height": 5,
            "minimum_purchase_quantity": 1,
            "purchase_in_quantities_of": 1,
            "analysis_abc_classification": "A",
            "analysis_pick_amount_per_day": 1.25,
            "comment_count": 2,
            "idfulfilment_customer": None,
            "tags": {
                f"Tag{n}": {
                    "idtag": 1000 + n,
                    "title": f"Tag{n}",
                    "color": "#5993be",
                    "inherit": True,
                    "textColor": "#000000",
                }
                for n in range(5)
            },
            "productfields": [
                {"idproductfield": n, "title": f"Field {n}", "value": "x" * 40} for n in range(10)
            ],
            "images": [
                f"/files/2/cb594f30-0cf6-4ad8-9b1e-4e3c0a3d4f{n:02d}/original.jpg"
                for n in range(10)
            ],
            "pricelists": [{"idpricelist": n, "price": 49.95} for n in range(5)],
            "stock": [{**base["stock"][0], "idwarehouse": n} for n in range(warehouses)],
        }
    )
    page = [{**base, "idproduct": n, "productcode": f"6531-{n:05d}"} for n in range(products)]
    return json.dumps(page).encode()


def _element(xml: str, tag: str) -> str:
    return re.search(rf"<{tag}>.*?</{tag}>", xml, re.S).group(0)


def prestashop_orders_page(orders: int = 100, rows: int = 20) -> bytes:
    """/orders?display=full page (the list default): the fixture order with `rows` rows."""
    xml = (FIXTURES / "orders" / "ps_order_73.xml").read_text()
    order = _element(xml, "order")
    row = _element(order, "order_row")
    order = re.sub(
        r"<order_rows[^>]*>.*</order_rows>",
        '<order_rows nodeType="order_row" '
        'virtualEntity="true">' + "\n".join([row] * rows) + "</order_rows>",
        order,
        flags=re.S,
    )
    return _document("orders", [order] * orders)


def prestashop_stock_page(rows: int = 1000) -> bytes:
    """/stock_availables page of the full stock sync (1000 rows, STOCK_FIELDS)."""
    xml = (FIXTURES / "prestashop" / "stock_available_1.xml").read_text()
    row = re.sub(r"\s*<location>.*?</location>", "", _element(xml, "stock_available"))
    return _document("stock_availables", [row] * rows)


def _document(name: str, items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.'
        f'org/1999/xlink">\n<{name}>\n' + "\n".join(items) + f"\n</{name}>\n</prestashop>\n"
    ).encode()


def page_sizes() -> list[tuple[str, int]]:
    return [
        ("Picqer GET /products, 100 products, stock in 10 warehouses", len(picqer_products_page())),
        (
            "PrestaShop GET /orders display=full, 100 orders x 20 rows",
            len(prestashop_orders_page()),
        ),
        (
            "PrestaShop GET /stock_availables, 1000 rows (full stock sync)",
            len(prestashop_stock_page()),
        ),
    ]


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    parser.add_argument("--drip-interval", type=float, default=10.0)
    parser.add_argument("--drip-bytes", type=int, default=9, help="bytes the drip sends")
    parser.add_argument("--admin-deadline", type=float, default=5.0)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    print(f"# HTTP limits ({machine_summary()})\n")
    cap = settings.HTTP_MAX_RESPONSE_BYTES
    print(
        f"HTTP_MAX_RESPONSE_BYTES={cap:,}, HTTP_TOTAL_DEADLINE="
        f"{settings.HTTP_TOTAL_DEADLINE:g} s, HTTP_READ_TIMEOUT={settings.HTTP_READ_TIMEOUT:g} s"
        "\n"
    )
    print(
        markdown_table(
            ["Largest legitimate page", "bytes", "share of the cap"],
            [(name, f"{size:,}", f"{size / cap:.0%}") for name, size in page_sizes()],
        )
    )

    roots = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    with misbehaving_server(
        bomb_bytes=512 * MB,
        huge_bytes=300 * MB,
        drip_bytes=args.drip_bytes,
        drip_interval=args.drip_interval,
    ) as server:
        print(f"\ngzip bomb: {len(server.bomb):,} bytes compressed, {512 * MB:,} unpacked\n")
        rows = []
        for label, root in roots:
            for path, what in (
                ("ok", "2-byte answer (baseline)"),
                ("bomb", "gzip bomb"),
                ("huge", "300 MB plain XML"),
            ):
                result = child_call(root, server.url, path)
                rows.append((label, what, f"{result['rss_mb']:.0f}", result["outcome"]))
        print(markdown_table(["code", "fed", "child peak RSS MB", "outcome"], rows))

        drip = f"drip {args.drip_bytes} bytes, one per {args.drip_interval:g} s"
        # `http_deadline` is new: the code before the fix runs with its defaults only.
        jobs = [("after", ROOT, 0.0), ("after", ROOT, args.admin_deadline)]
        jobs += [(label, root, 0.0) for label, root in roots[1:]]
        started = time.monotonic()
        with ThreadPoolExecutor(len(jobs)) as pool:
            results = list(
                pool.map(lambda job: child_call(job[1], server.url, "drip-body", job[2]), jobs)
            )
        rows = [
            (
                label,
                f"http_deadline({budget:g})" if budget else "default",
                f"{result['seconds']:.1f}",
                result["outcome"],
            )
            for (label, _, budget), result in zip(jobs, results, strict=True)
        ]
        print(f"\n{drip} (all runs in parallel, {time.monotonic() - started:.0f} s):\n")
        print(markdown_table(["code", "deadline", "call held s", "outcome"], rows))


if __name__ == "__main__":
    main()
