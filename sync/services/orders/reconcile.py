"""Reconciliation: nothing is missed after downtime, a lost task or an out-of-order commit.

Two passes per shop, e.g. every 10 minutes:
1. links whose seen history is ahead of the applied one (a lost or exhausted task), or
   stuck in `pushing` with an expired lease (a crashed worker), are enqueued again;
2. orders whose date_upd is in the last ORDERS_RECONCILE_HOURS are compared with their
   order_histories: a rule row newer than the link's applied row is marked and enqueued.
   This catches history rows the id cursor passed over (an auto-increment id can become
   visible after a higher one).

Between two reconciles, `order_leases_expired_sweep` (beat, every minute) enqueues the
orders whose lease expired unreleased (the worker holding it died), so an order left
"push in progress" is taken over within minutes, not after the next 10-minute pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.models.orders import OrderLink, OwnHistory, PollCursor
from sync.prestashop.client import PrestaShopClient
from sync.prestashop.records import OrderHistory

from .polling import orders_mark_rows, shops_active
from .rules import order_sync_enqueue

BATCH = 100
# Without the shop's time zone, widen the window by the largest UTC offset.
UNKNOWN_TZ_MARGIN = timedelta(hours=14)


def orders_reconcile_shops() -> list[int]:
    """Ids of the shops to reconcile (enabled, orders on, polled at least once)."""
    return list(
        shops_active()
        .filter(poll_cursor__start_history_id__isnull=False)
        .values_list("pk", flat=True)
    )


def orders_reconcile(*, shop_id: int, hours: int | None = None) -> int:
    """Reconcile one shop (both passes). Returns how many orders were enqueued."""
    shop = shops_active().filter(pk=shop_id).first()
    cursor = PollCursor.objects.filter(shop_id=shop_id).first()
    if shop is None or cursor is None or cursor.start_history_id is None:
        return 0
    enqueued = _sweep_links(shop)
    hours = hours or settings.ORDERS_RECONCILE_HOURS
    ps = PrestaShopClient.for_shop(shop)
    since = _shop_local(shop, ps, timezone.now() - timedelta(hours=hours))
    offset = 0
    while True:
        orders = ps.orders_updated_since(since, offset=offset, limit=BATCH)
        if orders:
            rows = ps.order_histories_for_orders(
                [o.id for o in orders], after=cursor.start_history_id
            )
            enqueued += orders_mark_rows(shop=shop, ps=ps, rows=_unapplied(shop, rows))
        if len(orders) < BATCH:
            break
        offset += BATCH
    cursor.last_reconciled_at = timezone.now()
    cursor.save(update_fields=["last_reconciled_at"])
    OwnHistory.prune()
    return enqueued


def _sweep_links(shop: Shop) -> int:
    now = timezone.now()
    stuck = (
        OrderLink.objects.filter(shop=shop)
        .exclude(state=OrderLink.State.FAILED)
        .filter(
            Q(seen_history_id__gt=F("last_history_id")) | Q(state=OrderLink.State.PUSHING),
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )
    count = 0
    for link in stuck:
        order_sync_enqueue(shop_id=shop.pk, ps_order_id=link.ps_order_id)
        count += 1
    return count


def order_leases_expired_sweep() -> int:
    """Enqueue every order of an active shop whose lease expired without being released:
    its worker died mid-work. Returns how many were enqueued."""
    expired = (
        OrderLink.objects.filter(shop__in=shops_active(), claimed_until__lt=timezone.now())
        .exclude(state=OrderLink.State.FAILED)
        .values_list("shop_id", "ps_order_id")
    )
    count = 0
    for shop_id, ps_order_id in expired:
        order_sync_enqueue(shop_id=shop_id, ps_order_id=ps_order_id)
        count += 1
    return count


def _unapplied(shop: Shop, rows: list[OrderHistory]) -> list[OrderHistory]:
    """Rows newer than what their order's link has applied (all rows without a link)."""
    applied = dict(
        OrderLink.objects.filter(
            shop=shop,
            ps_order_id__in={r.id_order for r in rows},
        ).values_list("ps_order_id", "last_history_id")
    )
    return [r for r in rows if r.id > applied.get(r.id_order, 0)]


def _shop_local(shop: Shop, ps: PrestaShopClient, moment: datetime) -> datetime:
    """`moment` as PrestaShop writes date_upd: shop-local wall time (PS_TIMEZONE)."""
    key = f"orders:ps_timezone:{shop.pk}"
    name = cache.get(key)
    if name is None:
        try:
            name = ps.configurations(["PS_TIMEZONE"]).text("PS_TIMEZONE")
        except ApiError:
            name = ""
        cache.set(key, name, timeout=6 * 3600)
    try:
        local = moment.astimezone(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment.astimezone(ZoneInfo("UTC")) - UNKNOWN_TZ_MARGIN
    return local.replace(tzinfo=None)
