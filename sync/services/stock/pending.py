"""Stock that does not oversell: the units of orders PrestaShop has taken and Picqer does not
count yet, kept incrementally from the order poll.

PrestaShop takes an order's quantities from the shop at validation (unless it validates the
order straight into "Canceled" or "Payment error") and gives them back when the order enters
one of those two states (docs/sources.md#prestashop-order-histories); Picqer reserves it once it
is allocated or processing. Between the two — a bank-wire order can wait days — every stock
write would hand the units back to the shop. So an order counts (RESERVED) from the poll's
first sight of it until it is in Picqer (created and allocated, or past concept) or cancelled
(PS_OS_CANCELED, PS_OS_ERROR, or one of the shop's cancel statuses). Every stock write
subtracts what counts through `quantity_sellable`; when it changes, the references are
written again (the task sync.jobs.STOCK_PENDING_CHANGED names).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.jobs import STOCK_PENDING_CHANGED, job_publish
from sync.models.orders import PollCursor
from sync.models.reservations import PendingOrder, PendingOrderLine
from sync.prestashop.records import Order, OrderHistory

logger = logging.getLogger(__name__)

State = PendingOrder.State
# PrestaShop's own "gives the stock back" states (OrderHistory::changeIdOrderState).
CANCEL_KEYS = ("PS_OS_CANCELED", "PS_OS_ERROR")
CANCEL_STATES_SECONDS = 3600
ORDERS_PER_CALL = 100


def order_units(order: Order) -> dict[str, int]:
    """Units per reference of a PrestaShop order's rows (rows of one reference summed;
    rows without a reference or a quantity cannot take Picqer stock)."""
    units: dict[str, int] = {}
    for row in order.order_rows:
        reference = row.product_reference[:128]
        if reference and row.product_quantity > 0:
            units[reference] = units.get(reference, 0) + row.product_quantity
    return units


@dataclass
class PendingRead:
    """What one page of order_histories means for the pending units (read outside any
    transaction, applied with the page's marks)."""

    placed: list[tuple[int, bool, dict[str, int]]] = field(default_factory=list)
    # (order id, cancelled?) of recorded orders whose status changed in this page
    changes: dict[int, bool] = field(default_factory=dict)


def pending_cursor_start(*, cursor: PollCursor, ps) -> None:
    """Orders above the newest one now are new; the ones before are not counted (they may
    long be in Picqer, and no poll saw them placed)."""
    cursor.start_order_id = ps.order_newest_id()
    cursor.save(update_fields=["start_order_id"])


def cancel_states(*, shop: Shop, ps) -> set[int]:
    """The statuses in which an order holds no stock: PrestaShop's cancelled and payment
    error states (read once an hour), and the shop's own cancel statuses. A key that may not
    read configurations gets the shop's cancel statuses only (logged)."""
    key = f"stock:cancel-states:{shop.pk}"
    known = cache.get(key)
    if known is None:
        try:
            config = ps.configurations(CANCEL_KEYS)
            known = [state for key in CANCEL_KEYS if (state := config.number(key)) is not None]
        except ApiError as exc:
            if exc.retryable:
                raise
            logger.warning("stock.pending.cancel_states_unreadable shop=%s: %s", shop.pk, exc)
            known = []
        cache.set(key, known, timeout=CANCEL_STATES_SECONDS)
    return set(known) | {int(s) for s in shop.cancel_state_ids}


def pending_orders_read(
    *, shop: Shop, ps, cursor: PollCursor, rows: Iterable[OrderHistory]
) -> PendingRead:
    """The orders of `rows` placed since the poll began watching (read with their rows and
    current status, one call per 100 orders), and the status changes of orders recorded
    before. Reads PrestaShop, so it runs outside any transaction."""
    if cursor.start_order_id is None:
        pending_cursor_start(cursor=cursor, ps=ps)
    last_state: dict[int, tuple[int, int]] = {}  # order id -> (newest row id, its state)
    for row in rows:
        if row.id > last_state.get(row.id_order, (0, 0))[0]:
            last_state[row.id_order] = (row.id, row.id_order_state)
    recorded = dict(
        PendingOrder.objects.filter(shop=shop, ps_order_id__in=last_state).values_list(
            "ps_order_id", "state"
        )
    )
    new = sorted(i for i in last_state if i > cursor.start_order_id and i not in recorded)
    live = [i for i, state in recorded.items() if state != State.IN_PICQER]
    read = PendingRead()
    if not new and not live:
        return read
    cancel = cancel_states(shop=shop, ps=ps)
    read.changes = {i: last_state[i][1] in cancel for i in live}
    for start in range(0, len(new), ORDERS_PER_CALL):
        for order in ps.orders_with_rows(new[start : start + ORDERS_PER_CALL]):
            if not order.in_shop(shop.prestashop_shop_id):
                continue  # multistore: another shop's order
            read.placed.append((order.id, order.current_state in cancel, order_units(order)))
    return read


def pending_orders_apply(*, shop: Shop, read: PendingRead) -> None:
    """Record the page's new orders and follow the status changes (inside the poll's
    transaction); the references whose pending units changed are written again."""
    changed: set[str] = set()
    for order_id, cancelled, units in read.placed:
        order, created = PendingOrder.objects.get_or_create(
            shop=shop,
            ps_order_id=order_id,
            defaults={"state": State.CANCELLED if cancelled else State.RESERVED},
        )
        if created:
            PendingOrderLine.objects.bulk_create(
                PendingOrderLine(order=order, reference=ref, units=n) for ref, n in units.items()
            )
            if not cancelled:
                changed |= set(units)
    for order_id, cancelled in read.changes.items():
        before, after = (
            (State.RESERVED, State.CANCELLED) if cancelled else (State.CANCELLED, State.RESERVED)
        )
        changed |= _move(shop.pk, order_id, before=[before], after=after)
    pending_changed(account_id=shop.account_id, references=changed)


def _move(shop_id: int, ps_order_id: int, *, before: list[str], after: str) -> set[str]:
    """Move the order's record from one of `before` to `after` (one conditional UPDATE);
    the references whose units changed."""
    rows = PendingOrder.objects.filter(shop_id=shop_id, ps_order_id=ps_order_id)
    was = rows.filter(state__in=before).values_list("state", flat=True).first()
    if was is None or not rows.filter(state=was).update(state=after):
        return set()
    if State.RESERVED not in (was, after):
        return set()
    return set(
        PendingOrderLine.objects.filter(
            order__shop_id=shop_id, order__ps_order_id=ps_order_id
        ).values_list("reference", flat=True)
    )


def pending_order_in_picqer(*, shop: Shop, ps_order_id: int) -> None:
    """Picqer counts the order now (allocated, or past concept): its units stop counting."""
    changed = _move(
        shop.pk, ps_order_id, before=[State.RESERVED, State.CANCELLED], after=State.IN_PICQER
    )
    pending_changed(account_id=shop.account_id, references=changed)


def pending_order_cancelled(*, shop: Shop, ps_order_id: int) -> None:
    """Cancelled before it reached Picqer: its units stop counting."""
    changed = _move(shop.pk, ps_order_id, before=[State.RESERVED], after=State.CANCELLED)
    pending_changed(account_id=shop.account_id, references=changed)


def pending_changed(*, account_id: int, references: Iterable[str]) -> None:
    """Write the stock of `references` again in the account's shops, after commit."""
    wanted = sorted(set(references))
    if wanted:
        transaction.on_commit(
            lambda: job_publish(STOCK_PENDING_CHANGED, account_id, wanted), robust=True
        )


def pending_units_by_reference(
    *, shop: Shop, references: Iterable[str] | None = None
) -> dict[str, int]:
    """{reference: units} that the stock written to `shop` holds back: the RESERVED orders
    of every enabled shop of its Picqer account (they share the free stock). Empty when
    the shop's "hold back stock of orders not in Picqer yet" is off."""
    if not shop.stock_reserve_pending_orders:
        return {}
    lines = PendingOrderLine.objects.filter(
        order__state=State.RESERVED,
        order__shop__account_id=shop.account_id,
        order__shop__enabled=True,
    )
    if references is not None:
        lines = lines.filter(reference__in=list(references))
    units: dict[str, int] = {}
    for reference, total in lines.values_list("reference").annotate(total=Sum("units")):
        units[reference] = units.get(reference, 0) + int(total or 0)
    return units


def pending_order_lines(*, shop_id: int, ps_order_id: int) -> tuple[str, dict[str, int]]:
    """(state, {reference: units}) of one order; ("", {}) when the poll never recorded it
    (placed before it began watching, or before this feature)."""
    order = PendingOrder.objects.filter(shop_id=shop_id, ps_order_id=ps_order_id).first()
    if order is None:
        return "", {}
    return order.state, dict(order.lines.values_list("reference", "units"))
