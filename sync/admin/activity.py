"""Activity log and process health in the admin."""

from django.contrib import admin

from sync.models import ActivityEntry, Heartbeat

from .base import ReadOnlyAdmin


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "level", "action", "shop", "ps_order_id", "ps_reference",
                    "picqer_orderid", "product_reference", "message")
    list_filter = ("level", "action", "shop")
    search_fields = ("ps_reference", "=ps_order_id", "picqer_orderid", "product_reference",
                     "message")
    date_hierarchy = "created_at"

    def lookup_allowed(self, lookup, value, request=None):
        # Order links link to "this order's log": ?shop__id__exact=…&ps_order_id=…
        return lookup == "ps_order_id" or super().lookup_allowed(lookup, value, request)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "seen_at", "detail")
