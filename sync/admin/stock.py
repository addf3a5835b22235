"""Stock sync runs in the admin, with a "Run full sync now" button per shop."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prestapicqer.display import time_column
from prestapicqer.models import Shop
from sync.http.errors import BrokerUnavailableError
from sync.models.stock import SyncRun
from sync.services.retries import retry_due_text
from sync.services.stock import stock_sync_refusal, stock_sync_request

from .base import ReadOnlyAdmin
from .stock_items import run_count_links

RUN_FULL_SYNC = "prestapicqer.run_full_sync"


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "shop",
        "state",
        "trigger",
        "checked",
        "changed",
        "missing_in_prestashop",
        "missing_in_picqer",
        "ambiguous",
        "duplicates",
        "errors",
        "created_at_local",
        "finished_at_local",
        "reason",
    )
    list_filter = ("state", "shop", "trigger")
    readonly_fields = [*(f.name for f in SyncRun._meta.fields), "listed_references"]

    @admin.display(description=gettext_lazy("Listed references"))
    def listed_references(self, run):
        return run_count_links(run)

    change_list_template = "sync/admin/syncrun_change_list.html"

    created_at_local = time_column("created_at", gettext_lazy("created"))
    finished_at_local = time_column("finished_at", gettext_lazy("finished"))

    @admin.display(description=gettext_lazy("Reason"))
    def reason(self, obj: SyncRun) -> str:
        return retry_due_text(obj.last_error[:80], obj.next_attempt_at)

    def get_urls(self):
        run_now = self.admin_site.admin_view(require_POST(self.run_now_view))
        return [
            path("run-now/<int:shop_id>/", run_now, name="sync_syncrun_run_now"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        shops = (
            Shop.objects.filter(enabled=True, stock_enabled=True)
            if request.user.has_perm(RUN_FULL_SYNC)
            else Shop.objects.none()
        )
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
            messages.error(
                request, _("%(error)s. The run stays queued; try again shortly.") % {"error": exc}
            )
        else:
            messages.success(
                request,
                _("Full stock sync %(run)s of %(shop)s is %(state)s.")
                % {"run": run.pk, "shop": shop.name, "state": run.get_state_display().lower()},
            )
        return redirect(reverse("admin:sync_syncrun_changelist"))
