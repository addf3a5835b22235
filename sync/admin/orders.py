"""Order links and poll cursors in the admin: find an order on both sides, push it again."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prestapicqer.display import labelled_filter, time_column
from prestapicqer.services.names import picqer_status_label
from sync.mappers.orders import picqer_order_url
from sync.models.orders import OrderLink, OwnHistory, PollCursor
from sync.models.reservations import PendingOrder
from sync.services.orders import order_links_give_up, order_links_retry, orders_poll_enqueue
from sync.services.retries import retry_due_text
from sync.services.stock.pending import pending_order_lines

from .base import InternalAdmin, ReadOnlyAdmin

# The follow-up steps after a create (push.STEPS), as the order link page names them.
DONE_STEP_LABELS = {
    "tags": _("Picqer tags"),
    "allocate": _("allocation in Picqer"),
    "comment": _("warnings as a Picqer comment"),
    "message": _("warnings as a PrestaShop message"),
    "backref": _("Picqer order number in PrestaShop"),
}


@admin.register(OrderLink)
class OrderLinkAdmin(ReadOnlyAdmin):
    list_display = (
        "ps_order_id",
        "ps_reference",
        "shop",
        "state",
        "picqer_order",
        "picqer_status_words",
        "attempts",
        "updated_at_local",
        "reason",
        "activity",
    )
    list_filter = (
        "state",
        labelled_filter("picqer_status", _("Picqer status"), picqer_status_label),
        "shop",
    )
    search_fields = ("=ps_order_id", "ps_reference", "picqer_orderid")
    list_select_related = ("shop__account",)
    readonly_fields = (
        "shop",
        "ps_order_id",
        "ps_reference",
        "activity",
        "reference_in_picqer",
        "state",
        "picqer_order",
        "picqer_idorder",
        "picqer_status_words",
        "stock_held_back",
        "warning",
        "last_error",
        "next_attempt_at",
        "retries",
        "done_steps_words",
        "last_history_id",
        "seen_history_id",
        "attempts",
        "claimed_until",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    actions = ["push_again", "give_up"]

    updated_at_local = time_column("updated_at", _("updated"))

    @admin.display(description=_("Picqer order"), ordering="picqer_orderid")
    def picqer_order(self, obj):
        if not obj.picqer_idorder:
            return "—"
        account = obj.shop.account
        if account.subdomain:
            url = picqer_order_url(subdomain=account.subdomain, idorder=obj.picqer_idorder)
        else:  # only an API base URL override: the orders live next to that API
            url = f"{account.api_url.removesuffix('api/v1/')}orders/{obj.picqer_idorder}"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            url,
            obj.picqer_orderid or obj.picqer_idorder,
        )

    @admin.display(description=_("Picqer status"), ordering="picqer_status")
    def picqer_status_words(self, obj):
        return picqer_status_label(obj.picqer_status) if obj.picqer_status else "—"

    @admin.display(description=_("done steps"))
    def done_steps_words(self, obj):
        """The follow-up steps in words; a private message marked as sent reads as such
        (the mark is written before the message is posted, see push.order_message_add_once)."""
        words = [
            str(_("a private PrestaShop message (sent, or on its way if the push stopped)"))
            if step.startswith("message:")
            else str(DONE_STEP_LABELS.get(step, step))
            for step in obj.done_steps or []
        ]
        return ", ".join(dict.fromkeys(words)) or "—"

    @admin.display(description=_("Stock held back"))
    def stock_held_back(self, obj):
        state, lines = pending_order_lines(shop_id=obj.shop_id, ps_order_id=obj.ps_order_id)
        if not state:
            return "—"
        units = ", ".join(f"{ref} × {n}" for ref, n in sorted(lines.items()))
        if state == PendingOrder.State.RESERVED:
            count = sum(lines.values())
            return ngettext(
                "%(count)d unit held back (%(lines)s)",
                "%(count)d units held back (%(lines)s)",
                count,
            ) % {"count": count, "lines": units}
        return _("none now (%(state)s); were %(lines)s") % {
            "state": PendingOrder.State(state).label,
            "lines": units or _("no units"),
        }

    @admin.display(description=_("Activity"))
    def activity(self, obj):
        # The PrestaShop back-office URL needs the shop's secret admin folder and a token,
        # so the PrestaShop side is shown by id/reference and its full history here.
        url = reverse("admin:sync_activityentry_changelist")
        return format_html(
            '<a href="{}?shop__id__exact={}&ps_order_id={}">{}</a>',
            url,
            obj.shop_id,
            obj.ps_order_id,
            _("log"),
        )

    @admin.display(description=_("Reference in Picqer"))
    def reference_in_picqer(self, obj):
        return obj.picqer_reference

    @admin.display(description=_("Reason"))
    def reason(self, obj):
        if obj.last_error:
            return retry_due_text(obj.last_error[:80], obj.next_attempt_at)
        return obj.warning[:80]

    def has_operate_permission(self, request) -> bool:
        # The rows are read-only in the admin, but acting on them is a change: view-only
        # staff get no action (docs/security.md).
        return request.user.has_perm("sync.change_orderlink")

    @admin.action(description=_("Push again (failed or not sent orders)"), permissions=["operate"])
    def push_again(self, request, queryset):
        self._run_on_selection(
            request,
            queryset,
            order_links_retry,
            _("queued again"),
            _("only failed or not sent orders are pushed again"),
        )

    @admin.action(description=_("Give up (orders waiting or in progress)"), permissions=["operate"])
    def give_up(self, request, queryset):
        self._run_on_selection(
            request,
            queryset,
            order_links_give_up,
            _("marked failed"),
            _("only orders waiting or in progress that no worker holds right now"),
        )

    def _run_on_selection(self, request, queryset, service, done: str, rule: str) -> None:
        # Count the selection before the service runs: a list filtered by state no longer
        # holds the changed rows afterwards.
        link_ids = list(queryset.values_list("pk", flat=True))
        count = service(link_ids=link_ids)
        skipped = len(link_ids) - count
        text = ngettext("%(count)d order %(done)s.", "%(count)d orders %(done)s.", count) % {
            "count": count,
            "done": done,
        }
        if skipped:
            text += " " + _("%(count)d skipped: %(rule)s.") % {"count": skipped, "rule": rule}
        self.message_user(request, text, messages.SUCCESS if count else messages.WARNING)


@admin.register(PollCursor)
class PollCursorAdmin(InternalAdmin):
    list_display = (
        "shop",
        "start_history_id",
        "last_history_id",
        "last_polled_at_local",
        "last_reconciled_at_local",
        "last_error",
    )
    actions = ["poll_now"]

    last_polled_at_local = time_column("last_polled_at", _("last polled"))
    last_reconciled_at_local = time_column("last_reconciled_at", _("last reconciled"))

    @admin.action(description=_("Poll PrestaShop for orders now"))
    def poll_now(self, request, queryset):
        for cursor in queryset:
            orders_poll_enqueue(shop_id=cursor.shop_id, interval=1)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d poll queued.", "%(count)d polls queued.", count) % {"count": count},
        )


@admin.register(OwnHistory)
class OwnHistoryAdmin(InternalAdmin):
    list_display = ("shop", "ps_order_id", "state_name", "history_id", "created_at_local")
    list_filter = ("shop",)
    search_fields = ("=ps_order_id",)

    created_at_local = time_column("created_at", _("created"))

    @admin.display(description=_("PrestaShop status"), ordering="state_id")
    def state_name(self, obj: OwnHistory) -> str:
        return self.names_of(obj).order_state(shop_id=obj.shop_id, state_id=obj.state_id)
