"""Activity log and process health in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prestapicqer.display import labelled_filter, time_column
from sync.mappers.activity import action_label, activity_message_render
from sync.models import ActivityEntry, Heartbeat

from .base import InternalAdmin, ReadOnlyAdmin


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdmin):
    # The message before the ids: on a narrow screen the table scrolls, the words stay.
    list_display = (
        "created_at_local",
        "level",
        "action_words",
        "message_words",
        "shop",
        "order",
        "product_reference",
    )
    list_filter = ("level", labelled_filter("action", _("action"), action_label), "shop")
    search_fields = (
        "ps_reference",
        "=ps_order_id",
        "picqer_orderid",
        "product_reference",
        "message",
    )
    date_hierarchy = "created_at"
    list_select_related = ("shop",)
    fields = (
        "created_at_local",
        "level",
        "action_words",
        "message_words",
        "account",
        "shop",
        "ps_order_id",
        "ps_reference",
        "picqer_orderid",
        "product_reference",
        "details",
    )
    readonly_fields = fields

    created_at_local = time_column("created_at", _("time"))

    def lookup_allowed(self, lookup, value, request=None):
        # Order links link to "this order's log": ?shop__id__exact=…&ps_order_id=…
        return lookup == "ps_order_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, obj: ActivityEntry) -> str:
        return action_label(obj.action)

    @admin.display(description=_("order"), ordering="ps_order_id")
    def order(self, obj: ActivityEntry) -> str:
        """PrestaShop id / reference → Picqer number, as far as known."""
        prestashop = " / ".join(str(v) for v in (obj.ps_order_id, obj.ps_reference) if v)
        return " → ".join(v for v in (prestashop, obj.picqer_orderid) if v) or "—"

    @admin.display(description=_("message"))
    def message_words(self, obj: ActivityEntry) -> str:
        return activity_message_render(
            message=obj.message, shop_id=obj.shop_id, names=self.names_of(obj)
        )


@admin.register(Heartbeat)
class HeartbeatAdmin(InternalAdmin):
    list_display = ("name", "seen_at_local", "detail")

    seen_at_local = time_column("seen_at", _("last seen"))
