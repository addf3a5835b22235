"""Picqer → PrestaShop order status: the guide's "Order status mapping".

Posting an order history is the most dangerous call of the system: it is not idempotent
(each POST adds a row, re-sends the customer e-mail, re-runs stock side effects). So the
Picqer order is re-read (never the webhook's copy), the applied status is recorded per order
(`OrderStatusState`) and claimed before the POST, and PrestaShop's current state is re-read
right before posting. Duplicate, concurrent and out-of-order deliveries post at most once.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from prestapicqer.models import PicqerAccount, Shop
from sync.activity import activity_log
from sync.clients.errors import ApiError, ApiNotFoundError
from sync.clients.picqer import PicqerClient
from sync.clients.prestashop import PrestaShopClient
from sync.mappers.status import (
    picqer_reference_parse,
    status_mapping_target,
    status_skip_reason,
)
from sync.models import OrderLink
from sync.models.stock import OrderStatusState

from .orders.loop_guard import own_history_record
from .tracking import order_tracking_sync

# Longer than one apply takes (a few HTTP calls with timeouts); a crashed worker's claim
# expires after this and the next delivery re-reads PrestaShop before posting anything.
CLAIM_SECONDS = 300


class OrderStatusBusyError(ApiError):
    """Another worker is applying a different Picqer status to the same order right now.
    Retryable: the retry re-reads Picqer and PrestaShop and decides again."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float = 30.0) -> None:
        super().__init__(message, service="PrestaPicqer")
        self.retry_after = retry_after


def _shop_for(account: PicqerAccount, order: dict) -> tuple[Shop | None, int | None, str]:
    """(shop, ps_order_id, reason-if-ignored) from the order's `PREFIX #id / REF` reference."""
    parsed = picqer_reference_parse(order.get("reference"))
    if parsed is None:
        return None, None, f"reference {order.get('reference')!r} is not a PrestaPicqer one"
    prefix, ps_order_id = parsed
    # .all(), searched here: the inbox drain has the account's shops loaded already.
    shop = next((shop for shop in account.shops.all() if shop.prefix == prefix), None)
    if shop is None:
        return None, None, f"unknown shop prefix {prefix}"
    if not shop.enabled:
        return None, None, f"shop {shop.name} is disabled"
    if not shop.orders_enabled:
        return None, None, f"order status updates are off for shop {shop.name}"
    link = OrderLink.objects.filter(shop=shop, ps_order_id=ps_order_id).first()
    if link and link.picqer_idorder and link.picqer_idorder != order["idorder"]:
        return None, None, (f"PrestaShop order {ps_order_id} is linked to Picqer order "
                            f"{link.picqer_idorder}, not {order['idorder']}")
    return shop, ps_order_id, ""


def _claim(*, shop: Shop, ps_order_id: int, idorder: int, status: str):
    """Claim the order for applying `status`; returns (row, None) or (None, ignore reason)."""
    now = timezone.now()
    with transaction.atomic():
        row, _ = OrderStatusState.objects.select_for_update().get_or_create(
            shop=shop, ps_order_id=ps_order_id, defaults={"picqer_idorder": idorder}
        )
        reason = status_skip_reason(applied=row.applied_status, incoming=status)
        if reason:
            return None, reason
        if row.claimed_until and row.claimed_until > now:
            if row.claimed_status == status:
                return None, f"Picqer status {status} is being applied by another worker"
            raise OrderStatusBusyError(
                f"order {ps_order_id} is busy applying Picqer status {row.claimed_status}"
            )
        row.claimed_status = status
        row.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        row.picqer_idorder = idorder
        row.save(update_fields=["claimed_status", "claimed_until", "picqer_idorder",
                                "updated_at"])
    return row, None


def _finish(row: OrderStatusState, *, applied: tuple[str, int] | None) -> None:
    """Release the claim; with `applied` also record (picqer status, PrestaShop state)."""
    fields = {"claimed_status": "", "claimed_until": None}
    if applied:
        fields |= {"applied_status": applied[0], "applied_state_id": applied[1],
                   "applied_at": timezone.now()}
    OrderStatusState.objects.filter(pk=row.pk, claimed_status=row.claimed_status).update(
        **fields
    )


def _current_state(prestashop, ps_order_id: int) -> int:
    return int(prestashop.order_get(ps_order_id)["current_state"])


def _post_history(*, shop: Shop, prestashop, ps_order_id: int, picqer_status: str,
                  mappings: list) -> tuple[str, int | None]:
    """Re-read the current state, pick the mapping, post the history. Caller holds the claim.
    Returns (result, state the order is now in by our rule, or None when no rule applied)."""
    current = _current_state(prestashop, ps_order_id)
    target = status_mapping_target(mappings, current_state=current, picqer_status=picqer_status)
    if target is None:
        return f"ignored: no mapping for status {current} + Picqer {picqer_status}", None
    if target == current:
        return f"ignored: already in status {target}", target
    # sendemail=1: the customer e-mail of the new state goes out, with {shipping_number}
    # filled from the tracking number written just before.
    # Announce, post, bind: the poller then never mistakes our change for the merchant's
    # and the PrestaShop → Picqer rules do not fire on it (loop_guard docstring).
    own_history_record(shop_id=shop.pk, ps_order_id=ps_order_id, state_id=target)
    history = prestashop.order_history_create(ps_order_id, target, send_email=True)
    if history.get("id"):
        own_history_record(shop_id=shop.pk, ps_order_id=ps_order_id, state_id=target,
                           history_id=int(history["id"]))
    return f"status {current} → {target}", target


def order_status_apply(*, shop: Shop, picqer, prestashop, order: dict, ps_order_id: int) -> str:
    """Apply the Picqer `order`'s status to PrestaShop order `ps_order_id` by the shop's
    mapping table (first matching row wins)."""
    status = order.get("status") or ""
    mappings = list(shop.status_mappings.all())
    if not any(m.picqer_status == status for m in mappings):
        return f"ignored: no mapping for Picqer status {status}"
    row, reason = _claim(shop=shop, ps_order_id=ps_order_id, idorder=order["idorder"],
                         status=status)
    if row is None:
        return f"ignored: {reason}"
    reached = None
    try:
        result, reached = _post_history(shop=shop, prestashop=prestashop,
                                        ps_order_id=ps_order_id, picqer_status=status,
                                        mappings=mappings)
    finally:
        # On an error the claim is released without recording: the retry re-reads
        # PrestaShop's current state, so a POST that did land is not repeated.
        _finish(row, applied=(status, reached) if reached is not None else None)
    if not result.startswith("ignored"):
        activity_log(action="order_status_set", shop=shop, ps_order_id=ps_order_id,
                     picqer_orderid=str(order.get("orderid") or ""),
                     message=f"Picqer status {status}: PrestaShop {result}.")
    return result


def order_status_sync(*, account: PicqerAccount, idorder: int) -> str:
    """Entry point of the order webhooks: re-read Picqer order `idorder`, find its shop by
    reference prefix, write tracking, apply the status mapping. Returns a short result;
    "ignored: <reason>" when there is nothing to do (not an error)."""

    picqer = PicqerClient.for_account(account)
    order = picqer.order_get(idorder)
    shop, ps_order_id, reason = _shop_for(account, order)
    if shop is None:
        return f"ignored: {reason}"

    # What the admin shows as the Picqer status of the link (display; the rules of
    # order_status_apply use their own record, OrderStatusState).
    OrderLink.objects.filter(shop=shop, ps_order_id=ps_order_id,
                             picqer_idorder=order["idorder"]).update(
        picqer_status=str(order.get("status") or "")[:20])
    prestashop = PrestaShopClient.for_shop(shop)
    try:
        # Tracking first and on every delivery: the status e-mail needs {shipping_number},
        # and a later partial shipment must reach PrestaShop even when the status is
        # already applied. It writes only when the value differs.
        order_tracking_sync(shop=shop, picqer=picqer, prestashop=prestashop, order=order,
                            ps_order_id=ps_order_id)
        return order_status_apply(shop=shop, picqer=picqer, prestashop=prestashop, order=order,
                                  ps_order_id=ps_order_id)
    except ApiNotFoundError as exc:
        activity_log(action="order_status_failed", level="warning", shop=shop,
                     ps_order_id=ps_order_id, picqer_orderid=str(order.get("orderid") or ""),
                     message=f"PrestaShop order {ps_order_id} or its carrier was not found: {exc}")
        return f"ignored: PrestaShop order {ps_order_id} not found"
