"""Loop guard: status changes the middleware makes in PrestaShop never trigger its own rules.

Contract for code that posts an order_history (the Picqer → PrestaShop status mapping):

    from sync.services.orders.loop_guard import own_history_record

    own_history_record(shop_id=shop.pk, ps_order_id=73, state_id=4)            # 1. before POST
    row = client.order_history_create(73, 4)
    own_history_record(shop_id=shop.pk, ps_order_id=73, state_id=4,
                       history_id=row.id)                                      # 2. after POST

    own_history_record(*, shop_id: int, ps_order_id: int, state_id: int,
                       history_id: int | None = None) -> None

Call 1 announces the change, so a poller that reads the new row before call 2 has run still
recognises it (the first unbound announcement for the same order and state, younger than
ANNOUNCE_TTL, is bound to that row). Call 2 binds the announcement to PrestaShop's id; it is
also correct on its own, only with that small race left open. Both calls are cheap and
idempotent; if the POST fails the announcement simply expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sync.models.orders import OwnHistory
from sync.prestashop.records import OrderHistory

ANNOUNCE_TTL = timedelta(minutes=30)
KEEP_FOR = timedelta(days=30)


def own_history_record(
    *, shop_id: int, ps_order_id: int, state_id: int, history_id: int | None = None
) -> None:
    """Record that the middleware is setting (history_id None) or has set (history_id given)
    PrestaShop order `ps_order_id` to `state_id`. See the module docstring."""
    if history_id is None:
        OwnHistory.objects.create(shop_id=shop_id, ps_order_id=ps_order_id, state_id=state_id)
        return
    with transaction.atomic():
        if OwnHistory.objects.filter(shop_id=shop_id, history_id=history_id).exists():
            return  # the poller already bound the announcement to this row
        pending = (
            _announcements(shop_id)
            .filter(ps_order_id=ps_order_id, state_id=state_id)
            .select_for_update()
            .first()
        )
        if pending is not None:
            pending.history_id = history_id
            pending.save(update_fields=["history_id"])
        else:
            OwnHistory.objects.create(
                shop_id=shop_id, ps_order_id=ps_order_id, state_id=state_id, history_id=history_id
            )


def own_history_ids(*, shop_id: int, rows: Iterable[OrderHistory]) -> set[int]:
    """Ids of the order_histories `rows` that the middleware made itself. Binds matching
    announcements to their rows, so later reads give the same answer."""
    rows = list(rows)
    ids = [r.id for r in rows]
    own = set(
        OwnHistory.objects.filter(shop_id=shop_id, history_id__in=ids).values_list(
            "history_id", flat=True
        )
    )
    wanted = {(r.id_order, r.id_order_state) for r in rows if r.id not in own}
    announced = {(a.ps_order_id, a.state_id) for a in _announcements(shop_id)}
    for row in rows:
        key = (row.id_order, row.id_order_state)
        if row.id in own or key not in wanted & announced:
            continue
        with transaction.atomic():
            pending = (
                _announcements(shop_id)
                .filter(ps_order_id=key[0], state_id=key[1])
                .select_for_update()
                .first()
            )
            if pending is not None:
                pending.history_id = row.id
                pending.save(update_fields=["history_id"])
                own.add(row.id)
    return own


def own_history_prune() -> int:
    """Forget records older than KEEP_FOR (their rows are far behind every cursor)."""
    deleted, _ = OwnHistory.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted


def _announcements(shop_id: int):
    """Unbound, still fresh announcements of a shop, oldest first."""
    return OwnHistory.objects.filter(
        shop_id=shop_id,
        history_id__isnull=True,
        created_at__gte=timezone.now() - ANNOUNCE_TTL,
    ).order_by("id")
