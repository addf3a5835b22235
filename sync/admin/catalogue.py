"""Catalogue match reports in the admin: generate one per shop, read its rows by status,
download them as CSV; from a report, send products to Picqer (a dry run first, then the
import of what the dry run showed; docs/catalogue.md)."""

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
from sync.mappers.catalogue_import import UPDATABLE_FIELDS
from sync.models.catalogue import CatalogueReport, CatalogueReportRow, ProductImportRun
from sync.services.catalogue_import import ImportRefused, product_import_request
from sync.services.stock.report import catalogue_report_csv, catalogue_report_request

from .base import ReadOnlyAdmin
from .stock import RUN_FULL_SYNC

ROWS_PER_PAGE = 200
IMPORT_PRODUCTS = "prestapicqer.import_products"


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
            path(
                "<int:report_id>/import/",
                wrap(require_POST(self.import_request_view)),
                name="sync_cataloguereport_import",
            ),
            path(
                "import/<int:run_id>/",
                wrap(self.import_run_view),
                name="sync_cataloguereport_import_run",
            ),
            path(
                "import/<int:run_id>/confirm/",
                wrap(require_POST(self.import_confirm_view)),
                name="sync_cataloguereport_import_confirm",
            ),
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
                "can_import": request.user.has_perm(IMPORT_PRODUCTS),
                "updatable_fields": UPDATABLE_FIELDS,
                "imports": report.product_imports.all()[:10],
            },
        )

    def import_request_view(self, request, report_id: int):
        """A dry run (always first): what would be created, or changed in matched products."""
        if not request.user.has_perm(IMPORT_PRODUCTS):
            raise PermissionDenied
        report = get_object_or_404(CatalogueReport, pk=report_id)
        kind = request.POST.get("kind", ProductImportRun.Kind.CREATE)
        return self._import_start(
            request, report, kind=kind, dry_run=True, fields=request.POST.getlist("fields")
        )

    def import_confirm_view(self, request, run_id: int):
        """The real run of what a finished dry run showed (same report, kind and fields)."""
        if not request.user.has_perm(IMPORT_PRODUCTS):
            raise PermissionDenied
        dry = get_object_or_404(
            ProductImportRun.objects.select_related("report"),
            pk=run_id,
            dry_run=True,
            state=ProductImportRun.State.DONE,
        )
        return self._import_start(
            request, dry.report, kind=dry.kind, dry_run=False, fields=dry.fields
        )

    def _import_start(self, request, report, *, kind, dry_run, fields):
        try:
            run = product_import_request(
                report=report,
                kind=kind,
                dry_run=dry_run,
                fields=fields,
                requested_by=request.user.get_username(),
            )
        except ImportRefused as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:sync_cataloguereport_rows", args=[report.pk]))
        messages.success(request, f"{run} is queued; this page shows its progress.")
        return redirect(reverse("admin:sync_cataloguereport_import_run", args=[run.pk]))

    def import_run_view(self, request, run_id: int):
        """A run's counts and progress, and each product with the fields sent (or to send)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            ProductImportRun.objects.select_related("report", "shop"), pk=run_id
        )
        items = run.items.all()
        if request.GET.get("state"):
            items = items.filter(state=request.GET["state"])
        page = Paginator(items, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        to_send = run.items.filter(state="pending").count() if run.dry_run else 0
        return TemplateResponse(
            request,
            "sync/admin/productimport_run.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": str(run),
                "run": run,
                "page": page,
                "state": request.GET.get("state", ""),
                "states": run.items.model.State.choices,
                "to_send": to_send,
                "can_import": request.user.has_perm(IMPORT_PRODUCTS),
                "unfinished": run.state
                in (ProductImportRun.State.QUEUED, ProductImportRun.State.RUNNING),
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
