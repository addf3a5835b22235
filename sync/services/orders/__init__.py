"""PrestaShop → Picqer orders: polling, status rules, exactly-once push, back-reference.

Entry points (all callable with plain ids, as the Celery tasks and end-to-end tests do):
`orders_poll`, `orders_poll_due`, `orders_poll_enqueue`, `orders_poll_now`, `order_sync`,
`order_give_up`, `order_retry_record`, `orders_reconcile`, `orders_reconcile_shops`,
`order_leases_expired_sweep`, `order_links_retry`, `order_links_give_up`. Code that posts
PrestaShop order statuses records them with the loop guard, `sync.models.OwnHistory.record`.
"""

from .polling import orders_poll, orders_poll_due, orders_poll_enqueue, orders_poll_now
from .reconcile import order_leases_expired_sweep, orders_reconcile, orders_reconcile_shops
from .rules import (
    OrderBusyError,
    order_give_up,
    order_links_give_up,
    order_links_retry,
    order_retry_record,
    order_sync,
)

__all__ = [
    "OrderBusyError",
    "order_give_up",
    "order_leases_expired_sweep",
    "order_links_give_up",
    "order_links_retry",
    "order_retry_record",
    "order_sync",
    "orders_poll",
    "orders_poll_due",
    "orders_poll_enqueue",
    "orders_poll_now",
    "orders_reconcile",
    "orders_reconcile_shops",
]
