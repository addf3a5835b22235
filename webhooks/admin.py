"""The inbox in the admin: read-only, searchable, with "process again" for failed work."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prestapicqer.display import time_column
from sync.services.retries import retry_due_text

from .models import WebhookEvent
from .receiver import webhook_events_requeue


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "received_at_local",
        "account",
        "event",
        "object_ref",
        "state",
        "attempts",
        "processed_at_local",
        "outcome",
    )
    list_filter = ("state", "event", "account")
    search_fields = ("object_ref", "event", "dedupe_key", "result", "last_error")
    date_hierarchy = "received_at"
    list_select_related = ("account",)
    actions = ["process_again"]
    fields = (
        "account",
        "event",
        "object_ref",
        "state",
        "attempts",
        "received_at",
        "claimed_at",
        "processed_at",
        "result",
        "last_error",
        "next_attempt_at",
        "dedupe_key",
        "body_pretty",
    )
    readonly_fields = fields

    received_at_local = time_column("received_at", _("received"))
    processed_at_local = time_column("processed_at", _("processed"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the inbox is an audit trail; the sweeper purges old finished rows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Everything is read-only: no save buttons to suggest otherwise.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("result / error"))
    def outcome(self, obj: WebhookEvent) -> str:
        if obj.last_error:
            return retry_due_text(obj.last_error[:80], obj.next_attempt_at)
        return obj.result[:80]

    @admin.display(description=_("body"))
    def body_pretty(self, obj: WebhookEvent) -> str:
        # The body as received; indented when it is readable JSON.
        payload = obj.payload
        text = (
            json.dumps(payload, indent=2, sort_keys=True)
            if payload is not None
            else bytes(obj.body).decode("utf-8", errors="replace")
        )
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Process again"), permissions=["change"])
    def process_again(self, request, queryset) -> None:
        # Count the selection before requeueing: a list filtered by state ("ignored") no
        # longer holds the requeued rows afterwards, which made the count negative.
        event_ids = list(queryset.values_list("pk", flat=True))
        queued = webhook_events_requeue(event_ids=event_ids)
        skipped = len(event_ids) - queued
        self.message_user(
            request,
            ngettext(
                "%(count)d event queued for processing.",
                "%(count)d events queued for processing.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d event is being processed right now and was left alone.",
                    "%(count)d events are being processed right now and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
