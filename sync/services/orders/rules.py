"""The order rules of the user guide, applied once per PrestaShop order_history row.

create status → create the Picqer order (concept; allocate when configured); processing
status → process it (creating it first if needed); cancel status → force-cancel it. Rows are
applied in id order and `OrderLink.last_history_id` records how far, so each row acts once.
"""

from __future__ import annotations

from collections.abc import Iterable

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.models.orders import OrderLink, PollCursor
from sync.prestashop.records import OrderHistory

from . import push
from .links import OrderBusyError, OrderContext, lease_acquire, lease_release, order_retry_clear
from .loop_guard import own_history_ids

CREATE, PROCESS, CANCEL = "create", "process", "cancel"


def row_actions(shop: Shop, state_id: int) -> list[str]:
    """Actions of one status, in order: a status in both the create and the processing list
    creates and then processes (user guide, Orders)."""
    actions = []
    if state_id in {int(s) for s in shop.create_state_ids}:
        actions.append(CREATE)
    if state_id in {int(s) for s in shop.processing_state_ids}:
        actions += [CREATE, PROCESS] if CREATE not in actions else [PROCESS]
    if state_id in {int(s) for s in shop.cancel_state_ids}:
        actions.append(CANCEL)
    return actions


def plan_actions(
    *, shop: Shop, rows: Iterable[OrderHistory], in_picqer: bool
) -> list[tuple[int, list[str]]]:
    """(history id, actions) per row. When the order is not in Picqer yet and a cancel comes
    after every create/process of the batch (typical after downtime), those are dropped:
    an order cancelled before it was sent must not reach the warehouse."""
    plan = [(r.id, row_actions(shop, r.id_order_state)) for r in rows]
    if in_picqer:
        return plan
    last_cancel = max((i for i, (_, acts) in enumerate(plan) if CANCEL in acts), default=-1)
    later_work = any(CREATE in acts for _, acts in plan[last_cancel + 1 :])
    if last_cancel >= 0 and not later_work:
        plan = [
            (hid, [a for a in acts if a == CANCEL] if i <= last_cancel else acts)
            for i, (hid, acts) in enumerate(plan)
        ]
    return plan


def order_sync(*, shop_id: int, ps_order_id: int) -> str:
    """Apply every status rule of one PrestaShop order not applied yet. Holds the order's
    lease meanwhile; raises OrderBusyError when another worker has it and lets retryable
    ApiErrors through (the task retries); other errors mark the link failed.
    Returns the link state ("disabled" when the shop's orders are switched off)."""
    shop = Shop.objects.select_related("account").get(pk=shop_id)
    if not (shop.enabled and shop.orders_enabled):
        return "disabled"
    link, _ = OrderLink.objects.get_or_create(shop=shop, ps_order_id=ps_order_id)
    if link.state == OrderLink.State.FAILED:
        return link.state  # waits for the operator's "Push again"
    token = lease_acquire(link)
    if token is None:
        raise OrderBusyError(f"order {ps_order_id} is being worked on")
    try:
        ctx = OrderContext.for_link(link)
        try:
            _apply_rows(ctx)
        except ApiError as exc:
            if exc.retryable:
                raise
            push.order_fail(ctx, str(exc))
        order_retry_clear(link)
        return link.state
    finally:
        lease_release(link, token)


def _apply_rows(ctx: OrderContext) -> None:
    link = ctx.link
    cursor = PollCursor.objects.filter(shop=ctx.shop).first()
    after = max(link.last_history_id, (cursor.start_history_id or 0) if cursor else 0)
    rows = _rows_known(link, after)
    if rows is None:
        rows = ctx.ps.order_histories_for_order(link.ps_order_id, after=after)
    own = own_history_ids(shop_id=ctx.shop.pk, rows=rows)
    foreign = [r for r in rows if r.id not in own]
    plan = dict(plan_actions(shop=ctx.shop, rows=foreign, in_picqer=bool(link.picqer_idorder)))
    for row in rows:
        history_id = row.id
        for action in plan.get(history_id, []):
            ACTIONS[action](ctx)
            if link.state == OrderLink.State.FAILED:
                return
        link.last_history_id = history_id
        ctx.save("last_history_id")


def _rows_known(link: OrderLink, after: int) -> list[OrderHistory] | None:
    """The rule rows after `after` as the poller read them, when they reach as far as it saw
    (the poller's cursor is gap-free, so it recorded every rule row of the order); None when
    they do not (a link from before rows were kept): then PrestaShop is read."""
    known = [(int(i), int(state)) for i, state in link.history_rows or []]
    if not known or max(i for i, _ in known) < link.seen_history_id:
        return None
    return [
        OrderHistory(id=i, id_order=link.ps_order_id, id_order_state=state)
        for i, state in known
        if i > after
    ]


ACTIONS = {CREATE: push.order_create, PROCESS: push.order_process, CANCEL: push.order_cancel}
