"""The inbox in the admin: read-only, searchable, with "process again" for failed work."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from sync.services.retries import retry_due_text

from .models import WebhookEvent
from .services import webhook_events_requeue


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "id", "received_at", "account", "event", "object_ref", "state", "attempts",
        "processed_at", "outcome",
    )
    list_filter = ("state", "event", "account")
    search_fields = ("object_ref", "event", "dedupe_key", "result", "last_error")
    date_hierarchy = "received_at"
    list_select_related = ("account",)
    actions = ["process_again"]
    fields = (
        "account", "event", "object_ref", "state", "attempts", "received_at", "claimed_at",
        "processed_at", "result", "last_error", "next_attempt_at", "dedupe_key", "payload_pretty",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the inbox is an audit trail; the sweeper purges old finished rows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Everything is read-only: no save buttons to suggest otherwise.
        extra_context = {**(extra_context or {}), "show_save": False,
                         "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="result / error")
    def outcome(self, obj: WebhookEvent) -> str:
        if obj.last_error:
            return retry_due_text(obj.last_error[:80], obj.next_attempt_at)
        return obj.result[:80]

    @admin.display(description="payload")
    def payload_pretty(self, obj: WebhookEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    @admin.action(description="Process again", permissions=["change"])
    def process_again(self, request, queryset) -> None:
        queued = webhook_events_requeue(event_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - queued
        self.message_user(request, f"{queued} event(s) queued for processing.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} event(s) are being processed right now and were skipped.",
                messages.WARNING,
            )
