"""`manage.py demo`: configure the middleware against the sandbox, register the Picqer hooks,
then drive the sandbox like a live shop and warehouse (the `make demo` loop)."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from prestapicqer.models import Shop
from sandbox.client import SandboxServer
from sandbox.setup import SANDBOX_ACCOUNT_NAME, sandbox_configure
from sync.http.errors import ApiError
from sync.models import OrderLink
from sync.services.hooks import HOOK_KINDS, hook_ensure
from sync.services.orders import orders_poll


class Command(BaseCommand):
    help = "Configure a shop against the sandbox and keep orders flowing (for `make demo`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8001")
        parser.add_argument("--interval", type=float, default=8.0)
        parser.add_argument("--iterations", type=int, default=0, help="0 = until Ctrl-C")

    def handle(self, *args, **opts) -> None:
        self._wait_for(SandboxServer(opts["sandbox_url"]))
        # The sandbox starts empty on every `make demo` (--reset), so what the middleware
        # remembers of the previous one (poll cursor, order links) would hide the new orders.
        # The order links protect their shop from deletion, so they are removed first.
        OrderLink.objects.filter(shop__account__name=SANDBOX_ACCOUNT_NAME).delete()
        Shop.objects.filter(account__name=SANDBOX_ACCOUNT_NAME).delete()
        shop = sandbox_configure(
            sandbox_url=opts["sandbox_url"], public_base_url=settings.PUBLIC_BASE_URL
        )
        for kind in HOOK_KINDS:  # orders, stock and the product index's hooks
            try:
                hook_ensure(account=shop.account, kind=kind)
            except ApiError as exc:
                raise CommandError(f"could not register the {kind} hook: {exc}") from exc
        orders_poll(shop_id=shop.pk)  # sets the poll cursor: orders from now on are sent
        self.stdout.write(f"configured {shop} against {opts['sandbox_url']}; hooks registered")
        call_command(
            "sandbox_demo",
            sandbox_url=opts["sandbox_url"],
            interval=opts["interval"],
            iterations=opts["iterations"],
            stdout=self.stdout,
        )

    @staticmethod
    def _wait_for(sandbox: SandboxServer, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                sandbox.control("GET", "health")
                return
            except (OSError, RuntimeError):
                time.sleep(0.5)
        raise CommandError(f"the sandbox at {sandbox.base_url} did not answer")
