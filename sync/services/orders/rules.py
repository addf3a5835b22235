"""One PrestaShop order's sync: the entry point `order_sync`, the order rules it applies and
the bookkeeping around them (the unit of work's context and lease, "work seen" marks and
enqueueing, retries and giving up, the activity log about an order).

The rules of the user guide, applied once per PrestaShop order_history row: create status →
create the Picqer order (concept; allocate when configured); processing status → process it
(creating it first if needed); cancel status → force-cancel it. Rows are applied in id order
and `OrderLink.last_history_id` records how far, so each row acts once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from prestapicqer.models import Shop
from sync.http.errors import ApiError, RetryableError
from sync.jobs import ORDER_SYNC, job_publish
from sync.models.orders import OrderLink, OwnHistory, PollCursor
from sync.prestashop.records import OrderHistory
from sync.services.retries import retry_due, retry_reason, retry_record

from . import push
from .context import OrderContext, order_log

CREATE, PROCESS, CANCEL = "create", "process", "cancel"


class OrderBusyError(RetryableError):
    """Another worker holds the order's lease; try again later (the lease is short work)."""

    retry_after = 30


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
    own = OwnHistory.ids(shop_id=ctx.shop.pk, rows=rows)
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


ACTIONS = {CREATE: push.order_create, PROCESS: push.order_process, CANCEL: push.order_cancel}


# The order's lease.


def lease_acquire(link: OrderLink) -> str | None:
    """Take the order's lease (OrderLink.LEASE); None when another worker holds it."""
    token = OrderLink.LEASE.take(OrderLink.objects.filter(pk=link.pk))
    if token is None:
        return None
    link.refresh_from_db()
    return token


def lease_release(link: OrderLink, token: str) -> None:
    """Give the lease back (only our own: an expired lease may have been taken over)."""
    OrderLink.LEASE.release(OrderLink.objects.filter(pk=link.pk), token)


def order_retry_clear(link: OrderLink) -> None:
    """The order's work went through: a retry reason it showed is history now."""
    link.retry_cleared()


# Work the poller saw, enqueued after commit (also by the reconciler and "Retry now").


def order_link_mark_seen(
    *,
    shop: Shop,
    ps_order_id: int,
    ps_reference: str,
    history_id: int,
    create: bool,
    rows: Iterable[tuple[int, int]] = (),
) -> bool:
    """Note that history row `history_id` of an order needs its rules applied and enqueue the
    work after commit; `rows` ((id, id_order_state) of the rule rows read) are kept on the
    link so the rules need not read them again. Without `create`, only an existing link is
    marked (a cancel for an order that never reached Picqer needs no link). True when
    marked."""
    if create:
        link, _ = OrderLink.objects.get_or_create(
            shop=shop, ps_order_id=ps_order_id, defaults={"ps_reference": ps_reference[:32]}
        )
    else:
        link = OrderLink.objects.filter(shop=shop, ps_order_id=ps_order_id).first()
        if link is None:
            return False
    known = {int(i): int(state) for i, state in link.history_rows or []}
    if any(int(i) not in known for i, _ in rows):
        known.update((int(i), int(state)) for i, state in rows)
        # Only the poller (one per shop at a time, under its lock) writes this field.
        OrderLink.objects.filter(pk=link.pk).update(
            history_rows=[[i, known[i]] for i in sorted(known)]
        )
    OrderLink.objects.filter(pk=link.pk, seen_history_id__lt=history_id).update(
        seen_history_id=history_id
    )
    order_sync_enqueue(shop_id=shop.pk, ps_order_id=ps_order_id)
    return True


def order_sync_enqueue(*, shop_id: int, ps_order_id: int) -> None:
    """Enqueue `order_sync` after the current transaction commits. A lost publish (broker
    down) is harmless: the reconciler re-enqueues links whose seen > applied."""
    transaction.on_commit(lambda: job_publish(ORDER_SYNC, shop_id, ps_order_id), robust=True)


# Retries, giving up and the operator's buttons.


def order_retry_record(
    *,
    shop_id: int,
    ps_order_id: int,
    exc: BaseException,
    countdown: float,
    attempt: int,
    max_attempts: int,
) -> None:
    """Try `attempt` of the order's work failed for a reason that may pass and is retried
    in `countdown` s: the link shows why and when (admin Reason column), and the activity log
    gets one warning."""
    link = (
        OrderLink.objects.select_related("shop__account")
        .filter(shop_id=shop_id, ps_order_id=ps_order_id)
        .first()
    )
    if link is None:
        return
    retry_record(
        f"Order {link.picqer_reference}",
        reason=retry_reason(exc),
        next_attempt_at=retry_due(countdown),
        attempt=attempt,
        max_attempts=max_attempts,
        action="order_retry",
        rows=OrderLink.objects.filter(pk=link.pk),
        attempts_field="retries",
        update={"updated_at": timezone.now()},
        account=link.shop.account,
        shop=link.shop,
        ps_order_id=link.ps_order_id,
        ps_reference=link.ps_reference,
        picqer_orderid=link.picqer_orderid,
    )


def order_give_up(*, shop_id: int, ps_order_id: int, reason: str, attempts: int) -> None:
    """The task ran out of retries (PrestaShop or Picqer kept failing): mark the link failed
    so the operator sees it and can push it again. A create whose outcome was unknown
    is looked up by reference on that retry (attempts > 0)."""
    link = OrderLink.objects.filter(shop_id=shop_id, ps_order_id=ps_order_id).first()
    if link is None or link.state == OrderLink.State.FAILED:
        return
    link.gave_up(f"Gave up after {attempts} attempts: {reason}", attempts=attempts)
    order_log(link, "order_failed", link.last_error, level="error")


def order_links_retry(*, link_ids: list[int]) -> int:
    """Admin "Push again", the cockpit's "Retry now": failed (or skipped) links go back to
    work and are enqueued. A link whose Picqer order exists keeps it (state created); the
    rules resume at the first history row not yet applied. A link waiting for a scheduled
    retry that no worker holds is tried at once (after a create was sent, the push looks the
    order up in Picqer before creating; the scheduled retry then finds nothing left to do).
    Returns how many were enqueued."""
    waiting = OrderLink.objects.select_related("shop__account").filter(
        OrderLink.LEASE.free(),
        pk__in=link_ids,
        state__in=[OrderLink.State.PENDING, OrderLink.State.PUSHING],
        next_attempt_at__isnull=False,
    )
    count = 0
    for link in waiting:
        order_log(link, "order_retry", "Retry now requested by the operator.")
        order_sync_enqueue(shop_id=link.shop_id, ps_order_id=link.ps_order_id)
        count += 1
    for link in OrderLink.objects.filter(
        pk__in=link_ids, state__in=[OrderLink.State.FAILED, OrderLink.State.SKIPPED]
    ):
        link.pushed_again()
        order_log(link, "order_retry", "Push again requested by the operator.")
        order_sync_enqueue(shop_id=link.shop_id, ps_order_id=link.ps_order_id)
        count += 1
    return count


def order_links_give_up(*, link_ids: list[int]) -> int:
    """Cockpit/admin "Give up": orders waiting or in progress that no worker holds right now
    are marked failed (the operator can push them again later). Returns how many."""
    reason = "The operator gave up on this order."
    unheld = OrderLink.LEASE.free()
    open_states = [OrderLink.State.PENDING, OrderLink.State.PUSHING]
    count = 0
    for link in OrderLink.objects.select_related("shop__account").filter(
        unheld, pk__in=link_ids, state__in=open_states
    ):
        # Conditional, so a worker that took the lease since the read keeps the order.
        if OrderLink.objects.filter(unheld, pk=link.pk, state__in=open_states).update(
            state=OrderLink.State.FAILED, last_error=reason, updated_at=timezone.now()
        ):
            link.last_error = reason
            order_log(link, "order_failed", reason, level="error")
            count += 1
    return count
