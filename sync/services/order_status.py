"""Picqer → PrestaShop order status: the guide's "Order status mapping".

Posting an order history is the most dangerous call of the system: it is not idempotent
(each POST adds a row, re-sends the customer e-mail, re-runs stock side effects). So the
Picqer order is re-read (never the webhook's copy), the applied status is recorded on the
order's link and claimed with its status lease (`OrderLink.STATUS_LEASE`) before the POST,
and PrestaShop's current state is re-read right before posting. Duplicate, concurrent and
out-of-order deliveries post at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from prestapicqer.models import PicqerAccount, Shop
from sync.activity import activity_log
from sync.http.errors import ApiError, ApiNotFoundError, RetryableError
from sync.mappers.status import (
    PicqerReference,
    picqer_reference_parse,
    status_mapping_target,
    status_skip_reason,
)
from sync.models import ActivityEntry, OrderLink, OwnHistory
from sync.picqer.client import PicqerClient
from sync.picqer.records import Order
from sync.prestashop.client import PrestaShopClient

from .stock.pending import pending_order_in_picqer
from .tracking import order_tracking_sync

# A refused Picqer order is reported in the activity log at most this often per reason.
REPORT_AGAIN_AFTER = timedelta(days=1)


class OrderStatusBusyError(ApiError, RetryableError):
    """Another worker is applying a different Picqer status to the same order right now.
    Retryable: the retry re-reads Picqer and PrestaShop and decides again."""

    def __init__(self, message: str, *, retry_after: float = 30.0) -> None:
        super().__init__(message, service="PrestaPicqer")
        self.retry_after = retry_after


class OrderNotLinkedYetError(ApiError, RetryableError):
    """The Picqer order carries the reference of a PrestaShop order whose create is still in
    progress (its outcome unknown, no Picqer id recorded yet). Retryable, with the inbox's
    growing backoff: the push looks the order up by reference and records its id, and the
    retry then checks the link again."""

    def __init__(self, message: str) -> None:
        super().__init__(message, service="PrestaPicqer")


@dataclass(frozen=True)
class _Target:
    """The linked order a Picqer order's changes go to, or why there is none."""

    link: OrderLink | None = None
    shop: Shop | None = None
    ps_order_id: int | None = None
    reason: str = ""
    # The reference looks like ours, so a refusal goes to the activity log as well.
    report: bool = False


def _target_for(account: PicqerAccount, order: Order) -> _Target:
    """The OrderLink that ties this Picqer order to a PrestaShop order, found by the reference
    prefix and id and confirmed by the stored Picqer idorder and the full reference.

    Prefix and id alone are not proof: an order typed into Picqer by hand, or one of a shop
    re-created with the same prefix, carries them too."""
    reference = order.reference
    parsed = picqer_reference_parse(reference)
    if parsed is None:
        return _Target(reason=f"reference {reference!r} is not a PrestaPicqer one")
    about = f"Picqer order {order.number} (reference {reference.strip()})"
    # .all(), searched here: the inbox drain has the account's shops loaded already.
    shop = next((shop for shop in account.shops.all() if shop.prefix == parsed.prefix), None)
    if shop is None:
        return _Target(
            report=True,
            reason=f"{about} has prefix {parsed.prefix}, which no shop "
            f"of account {account.name} uses — nothing changed",
        )
    if not shop.enabled:
        return _Target(reason=f"shop {shop.name} is disabled")
    if not shop.orders_enabled:
        return _Target(reason=f"order status updates are off for shop {shop.name}")
    link = OrderLink.objects.filter(shop=shop, ps_order_id=parsed.ps_order_id).first()
    problem = _link_problem(link, order=order, parsed=parsed)
    if problem:
        return _Target(
            shop=shop,
            ps_order_id=parsed.ps_order_id,
            report=True,
            reason=f"{about} is not linked to a PrestaShop order of shop "
            f"{shop.name}: {problem} — nothing changed",
        )
    return _Target(link=link, shop=shop)


def _link_problem(link: OrderLink | None, *, order: Order, parsed: PicqerReference) -> str:
    """Why `link` does not tie PrestaShop order `parsed.ps_order_id` to this Picqer order."""
    ps_order = f"PrestaShop order {parsed.ps_order_id}"
    if link is None:
        return f"{ps_order} was never sent to Picqer by PrestaPicqer"
    if not link.picqer_idorder:
        # A link gets its Picqer idorder in the same save that makes it "created" (push.py,
        # _adopt), so only a create that never completed lacks it. After an attempt, the
        # Picqer order may be that create's, not yet found by reference: wait, do not guess.
        if link.attempts and link.state in (OrderLink.State.PENDING, OrderLink.State.PUSHING):
            raise OrderNotLinkedYetError(
                f"{ps_order} is still being sent to Picqer; its Picqer order is not recorded "
                f"yet (order {order.number} is checked again)"
            )
        if link.attempts and link.state == OrderLink.State.FAILED:
            return (
                f'{ps_order} failed to reach Picqer; if its create did arrive, "Push '
                'again" on its order link finds it by reference'
            )
        return f"{ps_order} was not sent to Picqer (order link: {link.get_state_display()})"
    if link.picqer_idorder != order.idorder:
        return (
            f"{ps_order} is linked to Picqer order "
            f"{link.picqer_orderid or link.picqer_idorder}, not this one"
        )
    if picqer_reference_parse(link.picqer_reference) != parsed:
        return f"{ps_order} was sent with reference {link.picqer_reference}"
    return ""


def _report_ignored(account: PicqerAccount, order: Order, target: _Target) -> None:
    """Put a refusal in the activity log once a day per Picqer order and reason: one change
    in Picqer arrives as several events (status changed, completed, closed, shipment)."""
    orderid = order.number[:32]
    recent = ActivityEntry.objects.filter(
        action="order_status_ignored",
        account=account,
        picqer_orderid=orderid,
        message=target.reason,
        created_at__gte=timezone.now() - REPORT_AGAIN_AFTER,
    )
    if not recent.exists():
        activity_log(
            action="order_status_ignored",
            level="warning",
            account=account,
            shop=target.shop,
            ps_order_id=target.ps_order_id,
            picqer_orderid=orderid,
            message=target.reason,
            details={
                "idorder": order.idorder,
                "reference": (order.reference or "")[:100],
            },
        )


def _claim(link: OrderLink, *, status: str) -> tuple[str | None, str]:
    """Take the order's status lease for applying `status`: (token, "") or (None, ignore
    reason). Raises OrderStatusBusyError while another worker applies another status."""
    token = link.status_claim(status)
    # Only a holder of the lease records a status, so what the link says applied is settled.
    reason = status_skip_reason(applied=link.applied_status, incoming=status)
    if token is None:
        if reason:
            return None, reason
        if link.claimed_status == status:
            return None, f"Picqer status {status} is being applied by another worker"
        raise OrderStatusBusyError(
            f"order {link.ps_order_id} is busy applying Picqer status {link.claimed_status}"
        )
    if reason:
        link.status_released(token)
        return None, reason
    return token, ""


def _current_state(prestashop, ps_order_id: int) -> int:
    return prestashop.order_get(ps_order_id).current_state


def _post_history(
    *, shop: Shop, prestashop, ps_order_id: int, picqer_status: str, mappings: list
) -> tuple[str, int | None]:
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
    # and the PrestaShop → Picqer rules do not fire on it (OwnHistory docstring).
    OwnHistory.record(shop_id=shop.pk, ps_order_id=ps_order_id, state_id=target)
    history = prestashop.order_history_create(ps_order_id, target, send_email=True)
    OwnHistory.record(
        shop_id=shop.pk, ps_order_id=ps_order_id, state_id=target, history_id=history.id
    )
    return f"status {current} → {target}", target


def order_status_apply(*, shop: Shop, link: OrderLink, picqer, prestashop, order: Order) -> str:
    """Apply the Picqer `order`'s status to the PrestaShop order of `link` by the shop's
    mapping table (first matching row wins)."""
    ps_order_id = link.ps_order_id
    status = order.status
    mappings = list(shop.status_mappings.all())
    if not any(m.picqer_status == status for m in mappings):
        return f"ignored: no mapping for Picqer status {status}"
    token, reason = _claim(link, status=status)
    if token is None:
        return f"ignored: {reason}"
    reached = None
    try:
        result, reached = _post_history(
            shop=shop,
            prestashop=prestashop,
            ps_order_id=ps_order_id,
            picqer_status=status,
            mappings=mappings,
        )
    finally:
        # On an error the claim is released without recording: the retry re-reads
        # PrestaShop's current state, so a POST that did land is not repeated.
        link.status_released(token, applied=(status, reached) if reached is not None else None)
    if not result.startswith("ignored"):
        activity_log(
            action="order_status_set",
            shop=shop,
            ps_order_id=ps_order_id,
            picqer_orderid=order.orderid,
            message=f"Picqer status {status}: PrestaShop {result}.",
        )
    return result


def order_status_sync(*, account: PicqerAccount, idorder: int) -> str:
    """Entry point of the order webhooks: re-read Picqer order `idorder`, find the PrestaShop
    order this service linked it to, write tracking, apply the status mapping. Returns a
    short result; "ignored: <reason>" when there is nothing to do (not an error)."""

    picqer = PicqerClient.for_account(account)
    order = picqer.order_get(idorder)
    target = _target_for(account, order)
    if target.link is None:
        if target.report:
            _report_ignored(account, order, target)
        return f"ignored: {target.reason}"
    shop, ps_order_id = target.shop, target.link.ps_order_id

    # What the admin shows as the Picqer status of the link (display; the rules of
    # order_status_apply use their own record, the link's applied_status).
    OrderLink.objects.filter(pk=target.link.pk).update(picqer_status=order.status[:20])
    if order.status not in ("", "concept"):  # Picqer counts its stock now
        pending_order_in_picqer(shop=shop, ps_order_id=ps_order_id)
    prestashop = PrestaShopClient.for_shop(shop)
    try:
        # Tracking first and on every delivery: the status e-mail needs {shipping_number},
        # and a later partial shipment must reach PrestaShop even when the status is
        # already applied. It writes only when the value differs.
        order_tracking_sync(
            shop=shop, picqer=picqer, prestashop=prestashop, order=order, ps_order_id=ps_order_id
        )
        return order_status_apply(
            shop=shop, link=target.link, picqer=picqer, prestashop=prestashop, order=order
        )
    except ApiNotFoundError as exc:
        activity_log(
            action="order_status_failed",
            level="warning",
            shop=shop,
            ps_order_id=ps_order_id,
            picqer_orderid=order.orderid,
            message=f"PrestaShop order {ps_order_id} or its carrier was not found: {exc}",
        )
        return f"ignored: PrestaShop order {ps_order_id} not found"
