"""Order tasks: polling, per-order rules, reconciliation. Thin: ids in, one service call.

Beat entries (config/celery_settings.py):
    "orders-poll-due":  sync.tasks.orders.orders_poll_due_task, every 5 s
    "orders-reconcile": sync.tasks.orders.orders_reconcile_task, every 600 s
    "order-leases-sweep": sync.tasks.orders.order_leases_expired_sweep_task, every 60 s
"""

from celery import shared_task

from sync.services import orders as service

from .base import RetryingTask


@shared_task(ignore_result=True)
def orders_poll_due_task() -> None:
    service.orders_poll_due()


@shared_task(ignore_result=True)
def orders_poll_task(shop_id: int) -> None:
    service.orders_poll(shop_id=shop_id)


# A busy order is not failing: the worker that holds its lease reports on it, and the
# reconciler enqueues it again should every retry find it busy.


def _order_retry_wait(exc: Exception, *, shop_id: int, ps_order_id: int, **retry) -> None:
    if not isinstance(exc, service.OrderBusyError):
        service.order_retry_record(shop_id=shop_id, ps_order_id=ps_order_id, exc=exc, **retry)


def _order_give_up(exc: Exception, *, shop_id: int, ps_order_id: int, attempts: int) -> None:
    if not isinstance(exc, service.OrderBusyError):
        service.order_give_up(
            shop_id=shop_id, ps_order_id=ps_order_id, reason=str(exc), attempts=attempts
        )


@shared_task(
    base=RetryingTask,
    ignore_result=True,
    retry_wait=_order_retry_wait,
    give_up=_order_give_up,
)
def order_sync_task(shop_id: int, ps_order_id: int) -> None:
    service.order_sync(shop_id=shop_id, ps_order_id=ps_order_id)


@shared_task(ignore_result=True)
def orders_reconcile_task() -> None:
    for shop_id in service.orders_reconcile_shops():
        orders_reconcile_shop_task.delay(shop_id)


@shared_task(ignore_result=True)
def orders_reconcile_shop_task(shop_id: int) -> None:
    service.orders_reconcile(shop_id=shop_id)


@shared_task(ignore_result=True)
def order_leases_expired_sweep_task() -> int:
    return service.order_leases_expired_sweep()
