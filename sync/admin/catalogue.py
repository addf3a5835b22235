"""Catalogue match reports in the admin: generate one per shop, read its rows by status,
download them as CSV."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prestapicqer.models import Shop
from sync.models.catalogue import CatalogueReport, CatalogueReportRow
from sync.services.stock.report import catalogue_report_csv, catalogue_report_request

from .base import ReadOnlyAdmin
from .stock import RUN_FULL_SYNC

ROWS_PER_PAGE = 200


@admin.register(CatalogueReport)
class CatalogueReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "shop", "state", "message", "created_at", "finished_at")
    list_filter = ("state", "shop")
    change_list_template = "sync/admin/cataloguereport_change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "generate/<int:shop_id>/",
                wrap(require_POST(self.generate_view)),
                name="sync_cataloguereport_generate",
            ),
            path("<int:report_id>/rows/", wrap(self.rows_view), name="sync_cataloguereport_rows"),
            path("<int:report_id>/csv/", wrap(self.csv_view), name="sync_cataloguereport_csv"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        shops = (
            Shop.objects.filter(enabled=True)
            if request.user.has_perm(RUN_FULL_SYNC)
            else Shop.objects.none()
        )
        extra_context = {**(extra_context or {}), "report_shops": shops}
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:sync_cataloguereport_rows", args=[object_id]))

    def generate_view(self, request, shop_id: int):
        """Queue a report (it reads as much as a full sync: needs run_full_sync)."""
        if not request.user.has_perm(RUN_FULL_SYNC):
            raise PermissionDenied
        report = catalogue_report_request(shop=get_object_or_404(Shop, pk=shop_id))
        messages.success(
            request,
            _("Catalogue report %(id)s of %(shop)s is queued; this page shows it when it is done.")
            % {"id": report.pk, "shop": report.shop.name},
        )
        return redirect(reverse("admin:sync_cataloguereport_changelist"))

    def rows_view(self, request, report_id: int):
        """Summary counts at the top, then the rows of one status (all by default)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = get_object_or_404(CatalogueReport.objects.select_related("shop"), pk=report_id)
        status = request.GET.get("status", "")
        rows = report.rows.all()
        if status:
            rows = rows.filter(status=status)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        labels = dict(CatalogueReportRow.Status.choices)
        summary = [(key, labels.get(key, key), count) for key, count in report.counts.items()]
        return TemplateResponse(
            request,
            "sync/admin/cataloguereport_rows.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": str(report),
                "report": report,
                "summary": summary,
                "status": status,
                "page": page,
            },
        )

    def csv_view(self, request, report_id: int):
        """The rows as CSV, streamed (a 20,000-row report is never held in memory)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = get_object_or_404(CatalogueReport, pk=report_id)
        status = request.GET.get("status", "")
        response = StreamingHttpResponse(
            catalogue_report_csv(report=report, status=status),
            content_type="text/csv; charset=utf-8",
        )
        name = f"catalogue-report-{report.pk}{f'-{status}' if status else ''}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
