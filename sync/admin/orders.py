"""Order links and poll cursors in the admin: find an order on both sides, push it again."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from sync.mappers.orders import picqer_order_url
from sync.models.orders import OrderLink, OwnHistory, PollCursor
from sync.services.orders import order_links_retry, orders_poll_enqueue
from sync.services.retries import retry_due_text

from .base import ReadOnlyAdmin


@admin.register(OrderLink)
class OrderLinkAdmin(ReadOnlyAdmin):
    list_display = ("ps_order_id", "ps_reference", "shop", "state", "picqer_order",
                    "picqer_status", "attempts", "updated_at", "reason", "activity")
    list_filter = ("state", "picqer_status", "shop")
    search_fields = ("=ps_order_id", "ps_reference", "picqer_orderid")
    list_select_related = ("shop__account",)
    readonly_fields = ("shop", "ps_order_id", "ps_reference", "activity", "reference_in_picqer",
                       "state",
                       "picqer_order", "picqer_idorder", "picqer_status", "warning",
                       "last_error", "next_attempt_at", "retries", "done_steps",
                       "last_history_id", "seen_history_id",
                       "attempts", "claimed_until", "created_at", "updated_at")
    fields = readonly_fields
    actions = ["push_again"]

    @admin.display(description="Picqer order", ordering="picqer_orderid")
    def picqer_order(self, obj):
        if not obj.picqer_idorder:
            return "—"
        url = picqer_order_url(subdomain=obj.shop.account.subdomain, idorder=obj.picqer_idorder)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url,
                           obj.picqer_orderid or obj.picqer_idorder)

    @admin.display(description="Activity")
    def activity(self, obj):
        # The PrestaShop back-office URL needs the shop's secret admin folder and a token,
        # so the PrestaShop side is shown by id/reference and its full history here.
        url = reverse("admin:sync_activityentry_changelist")
        return format_html('<a href="{}?shop__id__exact={}&ps_order_id={}">log</a>', url,
                           obj.shop_id, obj.ps_order_id)

    @admin.display(description="Reference in Picqer")
    def reference_in_picqer(self, obj):
        return obj.picqer_reference

    @admin.display(description="Reason")
    def reason(self, obj):
        if obj.last_error:
            return retry_due_text(obj.last_error[:80], obj.next_attempt_at)
        return obj.warning[:80]

    @admin.action(description="Push again (failed or not sent orders)")
    def push_again(self, request, queryset):
        count = order_links_retry(link_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} order(s) queued again."
                          + (f" {skipped} skipped: only failed or not sent orders are pushed "
                             "again." if skipped else ""),
                          messages.SUCCESS if count else messages.WARNING)


@admin.register(PollCursor)
class PollCursorAdmin(ReadOnlyAdmin):
    list_display = ("shop", "start_history_id", "last_history_id", "last_polled_at",
                    "last_reconciled_at", "last_error")
    actions = ["poll_now"]

    @admin.action(description="Poll PrestaShop for orders now")
    def poll_now(self, request, queryset):
        for cursor in queryset:
            orders_poll_enqueue(shop_id=cursor.shop_id, interval=1)
        self.message_user(request, f"{queryset.count()} poll(s) queued.")


@admin.register(OwnHistory)
class OwnHistoryAdmin(ReadOnlyAdmin):
    list_display = ("shop", "ps_order_id", "state_id", "history_id", "created_at")
    list_filter = ("shop",)
    search_fields = ("=ps_order_id",)
