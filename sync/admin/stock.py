"""Stock sync runs in the admin, with a "Run full sync now" button per shop."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from prestapicqer.models import Shop
from sync.clients.errors import BrokerUnavailableError
from sync.models.stock import SyncRun
from sync.services.stock import stock_sync_refusal, stock_sync_request

from .base import ReadOnlyAdmin
from .stock_items import run_count_links

RUN_FULL_SYNC = "prestapicqer.run_full_sync"


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "shop", "state", "trigger", "checked", "changed",
                    "missing_in_prestashop", "missing_in_picqer", "ambiguous", "duplicates",
                    "errors", "created_at", "finished_at")
    list_filter = ("state", "shop", "trigger")
    readonly_fields = [*(f.name for f in SyncRun._meta.fields), "listed_references"]

    @admin.display(description="Listed references")
    def listed_references(self, run):
        return run_count_links(run)
    change_list_template = "sync/admin/syncrun_change_list.html"

    def get_urls(self):
        run_now = self.admin_site.admin_view(require_POST(self.run_now_view))
        return [path("run-now/<int:shop_id>/", run_now, name="sync_syncrun_run_now"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        shops = (Shop.objects.filter(enabled=True, stock_enabled=True)
                 if request.user.has_perm(RUN_FULL_SYNC) else Shop.objects.none())
        extra_context = {**(extra_context or {}), "stock_shops": shops}
        return super().changelist_view(request, extra_context=extra_context)

    def run_now_view(self, request, shop_id: int):
        """Queue a full stock sync of one shop (needs the run_full_sync permission), unless
        the shop's switches are off."""
        if not request.user.has_perm(RUN_FULL_SYNC):
            raise PermissionDenied
        shop = get_object_or_404(Shop, pk=shop_id)
        if refusal := stock_sync_refusal(shop=shop):
            messages.error(request, refusal)
            return redirect(reverse("admin:sync_syncrun_changelist"))
        try:
            run = stock_sync_request(shop=shop, trigger="admin")
        except BrokerUnavailableError as exc:
            messages.error(request, f"{exc}. The run stays queued; try again shortly.")
        else:
            messages.success(request, f"Full stock sync {run.pk} of {shop.name} is {run.state}.")
        return redirect(reverse("admin:sync_syncrun_changelist"))
