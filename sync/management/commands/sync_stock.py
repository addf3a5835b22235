"""manage.py sync_stock [--shop ID] [--sync]: full stock sync of one or every stock shop."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.services.stock import (
    stock_sync_fail,
    stock_sync_full,
    stock_sync_request,
    stock_sync_start,
)
from sync.services.stock.reconcile import stock_sync_summary


class Command(BaseCommand):
    help = "Full catalogue stock sync (Picqer → PrestaShop). Queued for the worker, or --sync."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, help="Shop id (default: every stock shop).")
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Run here and now with a progress bar instead of queueing.",
        )

    def handle(self, *args, shop=None, sync=False, **options):
        shops = Shop.objects.select_related("account").filter(enabled=True, stock_enabled=True)
        if shop is not None:
            shops = shops.filter(pk=shop)
        if not shops:
            raise CommandError(_("No enabled shop with stock updates on matches."))
        for item in shops:
            if sync:
                self._run(item)
            else:
                self._queue(item)

    def _queue(self, shop):
        run = stock_sync_request(shop=shop, trigger="command")
        self.stdout.write(
            _("%(shop)s: run %(id)s %(state)s")
            % {"shop": shop, "id": run.pk, "state": run.get_state_display().lower()}
        )

    def _run(self, shop):
        run = stock_sync_start(shop=shop, trigger="command")
        if run is None:
            self.stderr.write(_("%(shop)s: a sync is already running; skipped") % {"shop": shop})
            return
        with tqdm(desc=str(shop), unit=" rows", disable=None) as bar:
            try:
                stock_sync_full(shop=shop, run=run, progress=bar.update)
            except ApiError as exc:
                stock_sync_fail(run=run, message=str(exc))
                raise CommandError(f"{shop}: {exc}") from None
            except BaseException as exc:  # Ctrl-C or a bug: close the run, it would block
                stock_sync_fail(run=run, message=f"stopped: {type(exc).__name__}")
                raise
        self.stdout.write(
            _("%(shop)s: run %(id)s: %(message)s (%(summary)s)")
            % {
                "shop": shop,
                "id": run.pk,
                "message": run.message,
                "summary": stock_sync_summary(run),
            }
        )
