"""`manage.py sandbox_demo --sandbox-url URL`: a shop taking orders and a warehouse shipping.

Seeds a small catalogue in both emulators, then loops: place an order in the emulated shop,
wait, ship the oldest open (processing) Picqer order. The middleware in between does the rest.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand

from sandbox.client import SandboxServer


class Command(BaseCommand):
    help = "Drive the sandbox like a live shop and warehouse (for `make demo`)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8001")
        parser.add_argument("--products", type=int, default=12)
        parser.add_argument("--interval", type=float, default=8.0, help="seconds per round")
        parser.add_argument("--iterations", type=int, default=0, help="0 = until Ctrl-C")
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, **opts) -> None:
        sandbox = SandboxServer(opts["sandbox_url"])
        rng = random.Random()
        if opts["no_seed"]:
            refs = _sellable_references(sandbox)
        else:
            summary = sandbox.seed(products=opts["products"], with_combinations=3, layouts=True)
            refs = summary["references"]
            self.stdout.write(f"seeded {len(refs)} references in both systems")
        n = 0
        while not opts["iterations"] or n < opts["iterations"]:
            n += 1
            lines = [{"reference": rng.choice(refs), "quantity": rng.randint(1, 2)}]
            order = sandbox.place_order(lines, message=rng.choice(["", "Leave at the door"]))
            self.stdout.write(f"shop: order {order['id']} {order['reference']} placed")
            time.sleep(opts["interval"])
            self._ship_oldest(sandbox, rng)

    def _ship_oldest(self, sandbox: SandboxServer, rng: random.Random) -> None:
        open_orders = [o for o in sandbox.state("picqer.orders") if o["status"] == "processing"]
        if not open_orders:
            self.stdout.write("warehouse: nothing to ship yet")
            return
        oldest = open_orders[0]
        code = f"3S{rng.randint(10**9, 10**10 - 1)}"
        sandbox.ship_order(oldest["idorder"], trackingcode=code)
        self.stdout.write(
            f"warehouse: shipped {oldest['orderid']} ({oldest['reference']}) tracking {code}"
        )


def _sellable_references(sandbox: SandboxServer) -> list[str]:
    """References both systems carry exactly, so the shop can sell them (the seeded layouts
    include a Picqer code that only nearly matches, which no shop order can use)."""
    shop = {r["reference"] for r in sandbox.state("ps.products")}
    shop |= {r["reference"] for r in sandbox.state("ps.combinations")}
    return sorted({p["productcode"] for p in sandbox.state("picqer.products")} & shop)
