"""`manage.py sandbox --port 8001 [--state PATH]`: run the emulators as their own process."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sandbox.server import sandbox_serve


class Command(BaseCommand):
    help = "Serve the Picqer and PrestaShop emulators (test/demo only)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--state", default="var/sandbox.sqlite3", help="SQLite state file")
        parser.add_argument("--reset", action="store_true", help="start from base data")
        parser.add_argument("--ps-version", dest="ps_version")
        parser.add_argument("--rate-limit", dest="picqer_rate_limit", type=int)
        parser.add_argument("--latency-ms", dest="latency_ms", type=int)
        parser.add_argument("--picqer-key", dest="picqer_api_key")
        parser.add_argument("--ws-key", dest="ws_key")
        parser.add_argument("--quiet", action="store_true", help="no request log")

    def handle(self, *args, **opts) -> None:
        overrides = {
            k: opts[k]
            for k in ("ps_version", "picqer_rate_limit", "picqer_api_key", "ws_key")
            if opts[k] is not None
        }
        if opts["latency_ms"] is not None:
            overrides["picqer_latency_ms"] = overrides["prestashop_latency_ms"] = opts["latency_ms"]
        self.stdout.write(
            f"sandbox on http://{opts['host']}:{opts['port']}/ (state {opts['state']})"
        )
        sandbox_serve(
            host=opts["host"],
            port=opts["port"],
            state=opts["state"],
            overrides=overrides,
            reset=opts["reset"],
            quiet=opts["quiet"],
        )
