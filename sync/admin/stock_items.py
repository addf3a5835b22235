"""The references a full stock sync listed (what each count of a run links to)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from sync.models.stock import SyncRun, SyncRunItem
from sync.services.stock.reconcile import COUNT_OF_KIND

from .base import ReadOnlyAdmin


@admin.register(SyncRunItem)
class SyncRunItemAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "detail", "run")
    list_filter = ("kind",)
    search_fields = ("reference",)
    list_select_related = ("run__shop",)
    raw_id_fields = ("run",)


def run_count_links(run: SyncRun) -> str:
    """Each count of `run` as a link to its listed references."""
    changelist = reverse("admin:sync_syncrunitem_changelist")
    return format_html_join(
        " · ",
        '<a href="{}?run__id__exact={}&kind__exact={}">{}: {}</a>',
        (
            (changelist, run.pk, kind, label, getattr(run, COUNT_OF_KIND[kind]))
            for kind, label in SyncRunItem.Kind.choices
        ),
    ) or format_html("")
