"""How the admin shows stored values to people: local times with seconds, ids as names."""

from collections.abc import Callable
from datetime import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html

from .services.names import NameBook

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def local_time(value: datetime | None) -> str:
    """`value` in TIME_ZONE with seconds, e.g. "2026-03-02 14:05:09"; "—" when unset."""
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else "—"


def time_column(field: str, description: str | Promise) -> Callable:
    """A sortable list column showing the datetime `field` as `local_time`."""

    @admin.display(description=description, ordering=field)
    def column(self, obj) -> str:
        return format_html(
            '<span style="white-space: nowrap">{}</span>', local_time(getattr(obj, field))
        )

    column.__name__ = f"{field}_local"
    return column


class PlainNamesAdmin(admin.ModelAdmin):
    """An admin whose columns turn stored ids into names (`names_of(obj)`): one NameBook per
    page, so a list of a hundred rows reads each cached list once, never a remote."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        book = NameBook()
        changelist.result_list = list(changelist.result_list)
        for obj in changelist.result_list:
            obj._name_book = book
        return changelist

    @staticmethod
    def names_of(obj) -> NameBook:
        if not hasattr(obj, "_name_book"):
            obj._name_book = NameBook()
        return obj._name_book


def labelled_filter(
    field: str, title: str | Promise, label: Callable[[str], str]
) -> type[admin.SimpleListFilter]:
    """A list filter over the stored values of `field`, each shown as `label(value)`; the
    stored value stays in the URL (?field=value)."""

    class LabelledFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            values = (
                model_admin.model.objects.order_by()
                .exclude(**{field: ""})
                .values_list(field, flat=True)
                .distinct()
            )
            return sorted(((v, label(v)) for v in values), key=lambda item: str(item[1]))

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    LabelledFilter.title = title
    LabelledFilter.__name__ = f"{field.title().replace('_', '')}Filter"
    return LabelledFilter
