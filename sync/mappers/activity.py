"""The activity log in plain words: a label per action code, and a stored message with
PrestaShop status ids as the shop's status names and Picqer status codes as their labels.
Pure text (no database): the admin and the entries' own `__str__` read the log through it."""

import re

from django.utils.translation import gettext_lazy as _

from prestapicqer.services.names import picqer_status_label

# What each action code means, as the admin shows it. The codes stay as stored.
ACTION_LABELS = {
    # PrestaShop → Picqer orders
    "order_created": _("Order created in Picqer"),
    "order_adopted": _("Order found in Picqer (created by an earlier attempt)"),
    "order_duplicates": _("Several Picqer orders carry the same reference"),
    "order_processed": _("Picqer order set to Processing"),
    "order_cancelled": _("Picqer order cancelled"),
    "order_failed": _("Order could not be sent to Picqer"),
    "order_skipped": _("Order not sent: no product matches"),
    "order_not_sent": _("Order not sent to Picqer"),
    "order_retry": _("Push again requested"),
    "product_created": _("Missing product created in Picqer"),
    "product_create_failed": _("Missing product could not be created in Picqer"),
    "product_image_failed": _("Product image could not be copied to Picqer"),
    "vat_group_missing": _("No matching Picqer VAT group"),
    "backref_note": _("Picqer order number written to the PrestaShop order"),
    "backref_message": _("Picqer order number written as a PrestaShop message"),
    "orders_poll_start": _("Order polling started"),
    "orders_poll_failed": _("Polling PrestaShop for orders failed"),
    "orders_poll_recovered": _("Polling PrestaShop for orders works again"),
    # Picqer → PrestaShop order statuses and tracking
    "order_status_set": _("PrestaShop order status changed"),
    "order_status_ignored": _("Picqer order status not applied"),
    "order_status_failed": _("PrestaShop order status could not be changed"),
    "tracking_written": _("Tracking code written to the PrestaShop order"),
    "tracking_truncated": _("Tracking codes did not all fit"),
    "tracking_no_carrier": _("No PrestaShop carrier with the shipping provider's name"),
    # Stock
    "stock_updated": _("Product stock updated in PrestaShop"),
    "stock_update_failed": _("Product stock could not be updated"),
    "stock_sync_done": _("Full stock sync finished"),
    "stock_sync_failed": _("Full stock sync failed"),
    "stock_write_failed": _("Stock could not be written to PrestaShop"),
    # Product import from a match report
    "product_import_created": _("Product created in Picqer by an import"),
    "product_import_adopted": _("Product already in Picqer, taken over by an import"),
    "product_import_updated": _("Matched product updated in Picqer"),
    "product_import_skipped": _("Product not imported into Picqer"),
    "product_import_create_failed": _("Product could not be created in Picqer"),
    "product_import_update_failed": _("Product could not be updated in Picqer"),
    "product_import_image_failed": _("Product image could not be copied to Picqer"),
    "product_import_resumed": _("Product import resumed after its worker stopped"),
    "product_import_done": _("Product import finished"),
    "product_import_failed": _("Product import failed"),
    # Webhooks
    "hook_created": _("Picqer webhook created"),
    "hook_reactivated": _("Picqer webhook reactivated"),
    "hook_deactivated": _("Picqer had deactivated a webhook"),
    "hook_failed": _("Picqer webhook could not be set up"),
    "webhook_failed": _("Picqer webhook could not be processed"),
}

# "status 2", "status 2 → 4", "→ 4": PrestaShop status ids in the messages services write.
_PS_STATUS = re.compile(r"\b(status )?(\d+)( → )(\d+)\b|\bstatus (\d+)\b")
_PICQER_STATUS = re.compile(
    r"\bPicqer ((?:order )?(?:status )?)(concept|expected|processing|paused|completed|cancelled)\b"
)


def action_label(action: str) -> str:
    """The words for an action code; an unknown code reads as a sentence, never as itself."""
    label = ACTION_LABELS.get(action)
    return str(label) if label else action.replace("_", " ").strip().capitalize()


def activity_message_render(*, message: str, shop_id: int | None, names) -> str:
    """`message` with PrestaShop status ids as the shop's status names and Picqer status codes
    as their labels: "Picqer status completed: PrestaShop status 2 → 4." reads
    'Picqer status Completed: PrestaShop status "Payment accepted" → "Shipped".'. `names` is a
    prestapicqer.services.names.NameBook (cached lists only)."""

    def state(state_id: str) -> str:
        name = names.order_state_name(shop_id=shop_id, state_id=state_id)
        return f'"{name}"' if name else state_id

    def ps_status(match: re.Match) -> str:
        if match.group(5):
            return f"status {state(match.group(5))}"
        if not match.group(1):  # a bare "12 → 13" is only a status change after "status"
            return match.group(0)
        return f"status {state(match.group(2))}{match.group(3)}{state(match.group(4))}"

    def picqer_status(match: re.Match) -> str:
        return f"Picqer {match.group(1)}{picqer_status_label(match.group(2))}"

    return _PICQER_STATUS.sub(picqer_status, _PS_STATUS.sub(ps_status, message))
