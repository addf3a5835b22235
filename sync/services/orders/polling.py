"""Change detection: PrestaShop has no webhooks, so its order_histories are polled.

Per shop, an id cursor over order_histories (gap-free, immune to clocks and time zones,
docs/sources.md#prestashop-order-polling). The cursor moves only once a page's rows are on their
OrderLinks (in the same transaction), so a shop that is down is picked up where it stopped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from prestapicqer.models import Shop
from prestapicqer.services.shops import shop_token_is_valid
from sync.activity import activity_log
from sync.http.errors import ApiError
from sync.jobs import ORDERS_POLL, job_publish
from sync.leases import CacheFlag
from sync.models.orders import OwnHistory, PollCursor
from sync.prestashop.client import PrestaShopClient
from sync.prestashop.records import OrderHistory, UnreadableRow
from sync.services.stock.pending import (
    pending_cursor_start,
    pending_orders_apply,
    pending_orders_read,
)

from .rules import order_link_mark_seen, row_actions

logger = logging.getLogger("sync.orders.polling")

PAGE_SIZE = 100
MAX_PAGES = 20  # per run; the next run continues (keeps one task well under its time limit)
LOCK_SECONDS = 240  # the soft time limit: a crashed poller's lock expires by itself
# How often beat runs orders_poll_due (config/celery_settings.py). A shop is polled on the
# tick before its interval would be overshot, so a status change waits at most the interval.
DUE_TICK_SECONDS = 5


def shops_active():
    """Shops whose order sync is switched on."""
    return Shop.objects.filter(enabled=True, orders_enabled=True).select_related("account")


def orders_poll_due(*, now=None) -> list[int]:
    """Enqueue a poll of every shop whose poll interval has passed since its last poll
    (beat runs this every few seconds). Returns the ids of the shops enqueued."""
    now = now or timezone.now()
    last_polled = dict(PollCursor.objects.values_list("shop_id", "last_polled_at"))
    enqueued = []
    for shop in shops_active():
        last = last_polled.get(shop.pk)
        interval = shop.poll_interval_seconds
        if (
            last is None or (now - last).total_seconds() >= interval - DUE_TICK_SECONDS
        ) and orders_poll_enqueue(shop_id=shop.pk, interval=interval):
            enqueued.append(shop.pk)
    return enqueued


def orders_poll_enqueue(*, shop_id: int, interval: int) -> bool:
    """Enqueue one poll of the shop unless one is already queued (a slow worker must not
    collect a backlog of identical polls). True when enqueued."""
    if not _poll_queued(shop_id, interval=interval).raise_():
        return False
    transaction.on_commit(lambda: job_publish(ORDERS_POLL, shop_id), robust=True)
    return True


def _poll_queued(shop_id: int, *, interval: int = 0) -> CacheFlag:
    return CacheFlag(f"orders:poll:queued:{shop_id}", max(interval, 5))


def orders_poll_now(*, shop_id: int, token: str) -> str:
    """The poll-now URL: "queued", or "not_found" / "forbidden" / "disabled"."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return "not_found"
    if not shop_token_is_valid(shop=shop, token=token):
        return "forbidden"
    if not (shop.enabled and shop.orders_enabled):
        return "disabled"
    orders_poll_enqueue(shop_id=shop.pk, interval=1)
    return "queued"


def orders_poll(*, shop_id: int) -> int:
    """Read the shop's new order_histories rows and enqueue the orders they concern.
    Overlapping polls of one shop are prevented by an atomic cache lock. Returns the number
    of rows read (-1 when another poll was running or the shop is off)."""
    _poll_queued(shop_id).lower()
    shop = shops_active().filter(pk=shop_id).first()
    lock, token = CacheFlag(f"orders:poll:lock:{shop_id}", LOCK_SECONDS), uuid.uuid4().hex
    again = CacheFlag(f"orders:poll:again:{shop_id}", LOCK_SECONDS)
    if shop is None:
        return -1
    if not lock.raise_(token):
        # The running poll may have read its last page already: it polls once more.
        again.keep()
        return -1
    try:
        cursor, _ = PollCursor.objects.get_or_create(shop=shop)
        ps = PrestaShopClient.for_shop(shop)
        read = 0
        try:
            read += _poll_pages(shop, cursor, ps)
            while again.lower():  # asked for (poll now) while this poll ran
                read += _poll_pages(shop, cursor, ps)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the activity log
            _poll_failed(shop, cursor, exc)
            return 0
        _poll_succeeded(shop, cursor)
        return read
    finally:
        lock.lower(token)


def _poll_pages(shop: Shop, cursor: PollCursor, ps: PrestaShopClient) -> int:
    if cursor.start_history_id is None:
        _cursor_start(shop, cursor, ps)
        return 0
    read = 0
    for _ in range(MAX_PAGES):
        # A row without a readable id fails the read: the page cannot be placed in the id
        # order the cursor relies on, so the poll fails (visibly) rather than guess.
        page = ps.order_histories_after(cursor.last_history_id, limit=PAGE_SIZE)
        if not page.size:
            break
        for row in page.unreadable:
            _row_skipped(shop, row)
        triggered = _orders_triggered(shop=shop, ps=ps, rows=page.rows)
        pending = pending_orders_read(shop=shop, ps=ps, cursor=cursor, rows=page.rows)
        with transaction.atomic():  # the marks, the pending units and the cursor move together
            pending_orders_apply(shop=shop, read=pending)
            _orders_mark(shop, triggered)
            cursor.last_history_id = page.newest_id
            cursor.save(update_fields=["last_history_id"])
        read += page.size
        if page.size < PAGE_SIZE:
            break
    return read


def _cursor_start(shop: Shop, cursor: PollCursor, ps: PrestaShopClient) -> None:
    """First poll: start after the newest existing row. Orders from before the middleware
    was switched on are not sent (they may long be shipped), and their units are not held
    back (the newest order is read first: any later one has a later history row)."""
    pending_cursor_start(cursor=cursor, ps=ps)
    cursor.start_history_id = cursor.last_history_id = ps.order_history_newest_id()
    cursor.save(update_fields=["start_history_id", "last_history_id"])
    activity_log(
        action="orders_poll_start",
        shop=shop,
        account=shop.account,
        message=f"Order polling starts after status change #{cursor.start_history_id}; "
        "earlier orders are not sent to Picqer.",
    )


def orders_mark_rows(*, shop: Shop, ps: PrestaShopClient, rows: Iterable[OrderHistory]) -> int:
    """Record on their OrderLinks the rows that trigger a rule (not our own changes, only
    orders of this shop) and enqueue those orders. Returns how many orders were marked."""
    return _orders_mark(shop, _orders_triggered(shop=shop, ps=ps, rows=rows))


@dataclass(frozen=True)
class _Triggered:
    order_id: int
    history_id: int  # the newest row of the order that triggers a rule
    create: bool  # one of its rows may create the Picqer order
    reference: str
    rows: tuple[tuple[int, int], ...] = ()  # (id, id_order_state) of its rule rows


def _orders_triggered(
    *, shop: Shop, ps: PrestaShopClient, rows: Iterable[OrderHistory]
) -> list[_Triggered]:
    """The orders of this shop that `rows` trigger a rule for. Reads PrestaShop, so it runs
    outside any transaction (SQLite's write lock must not wait on a remote shop)."""
    rows = list(rows)
    own = OwnHistory.ids(shop_id=shop.pk, rows=rows)
    latest: dict[int, tuple[int, bool]] = {}  # order id -> (newest row id, may create)
    rule_rows: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        actions = row_actions(shop, row.id_order_state)
        if actions and row.id not in own:
            order_id = row.id_order
            newest, create = latest.get(order_id, (0, False))
            latest[order_id] = (max(newest, row.id), create or "create" in actions)
            rule_rows.setdefault(order_id, []).append((row.id, row.id_order_state))
    if not latest:
        return []
    # Multistore: order_histories are not shop-restricted, orders are (id_shop on the call).
    orders = {o.id: o for o in ps.orders_brief(latest)}
    triggered = []
    for order_id, (history_id, create) in latest.items():
        order = orders.get(order_id)
        if order is None or not order.in_shop(shop.prestashop_shop_id):
            continue
        triggered.append(
            _Triggered(order_id, history_id, create, order.reference, tuple(rule_rows[order_id]))
        )
    return triggered


def _row_skipped(shop: Shop, row: UnreadableRow) -> None:
    """A row without a readable order or state is skipped with a warning, and the cursor
    still moves past it: one broken row must not stop the shop's order sync for good, and
    the reconciliation re-reads the histories of recent orders."""
    activity_log(
        action="orders_poll_row_skipped",
        level="warning",
        shop=shop,
        account=shop.account,
        message=f"Skipped status change #{row.id} from {shop.name}: "
        f"PrestaShop sent it without a readable order or status ({row.raw}). "
        "Check that order in PrestaShop; it is not sent to Picqer by this change.",
    )


def _orders_mark(shop: Shop, triggered: list[_Triggered]) -> int:
    return sum(
        order_link_mark_seen(
            shop=shop,
            ps_order_id=t.order_id,
            history_id=t.history_id,
            ps_reference=t.reference,
            create=t.create,
            rows=t.rows,
        )
        for t in triggered
    )


def _failure_reason(exc: Exception) -> str:
    """The failure in plain words (client errors already are; the rest gets named)."""
    if isinstance(exc, ApiError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "PrestaShop answered with XML nested too deeply to read"
    return f"an unexpected error while reading PrestaShop's answer ({type(exc).__name__}: {exc})"


def _poll_failed(shop: Shop, cursor: PollCursor, exc: Exception) -> None:
    """Remember the error; log it when polling starts failing or fails for a new reason, not
    on every poll with the same one (the cockpit shows the cursor's last error meanwhile)."""
    reason = _failure_reason(exc)[:1000]
    if not isinstance(exc, ApiError):
        logger.exception("orders.poll.crashed shop=%s", shop.pk)
    changed = reason != cursor.last_error
    cursor.last_error, cursor.last_polled_at = reason, timezone.now()
    cursor.save(update_fields=["last_error", "last_polled_at"])
    if changed:
        activity_log(
            action="orders_poll_failed",
            level="error",
            shop=shop,
            account=shop.account,
            message=f"Polling {shop.name} for orders failed: {reason}; next poll in "
            f"{shop.poll_interval_seconds} s, from the same place.",
        )


def _poll_succeeded(shop: Shop, cursor: PollCursor) -> None:
    if cursor.last_error:
        activity_log(
            action="orders_poll_recovered",
            shop=shop,
            account=shop.account,
            message="Polling PrestaShop for orders works again.",
        )
    cursor.last_error, cursor.last_polled_at = "", timezone.now()
    cursor.save(update_fields=["last_error", "last_polled_at"])
