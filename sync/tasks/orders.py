"""Order tasks: polling, per-order rules, reconciliation. Thin: ids in, one service call.

Beat entries (config/celery_settings.py):
    "orders-poll-due":  sync.tasks.orders.orders_poll_due_task, every 5 s
    "orders-reconcile": sync.tasks.orders.orders_reconcile_task, every 600 s
    "order-leases-sweep": sync.tasks.orders.order_leases_expired_sweep_task, every 60 s
"""

import random

from celery import shared_task

from sync.http.errors import ApiRateLimitedError, ApiServerError, ApiTransportError
from sync.services import orders as service

MAX_RETRIES = 8
BUSY_COUNTDOWN = 30


def backoff(retries: int) -> float:
    """Exponential backoff with full jitter, capped at 10 minutes (reliability.md §3.4); at
    least 10 s, so a create that timed out has landed in Picqer before it is looked up."""
    return 10 + random.uniform(0, min(600, 10 * 2**retries))


@shared_task(ignore_result=True)
def orders_poll_due_task() -> None:
    service.orders_poll_due()


@shared_task(ignore_result=True)
def orders_poll_task(shop_id: int) -> None:
    service.orders_poll(shop_id=shop_id)


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def order_sync_task(self, shop_id: int, ps_order_id: int) -> None:
    try:
        service.order_sync(shop_id=shop_id, ps_order_id=ps_order_id)
    except service.OrderBusyError as exc:
        raise self.retry(exc=exc, countdown=BUSY_COUNTDOWN) from None
    except ApiRateLimitedError as exc:
        _retry_or_give_up(self, exc, shop_id, ps_order_id, max(exc.retry_after, 1))
    except (ApiServerError, ApiTransportError) as exc:
        _retry_or_give_up(self, exc, shop_id, ps_order_id, backoff(self.request.retries))


def _retry_or_give_up(task, exc, shop_id: int, ps_order_id: int, countdown: float) -> None:
    attempt = task.request.retries + 1  # this try, counted from 1
    if task.request.retries >= task.max_retries:
        service.order_give_up(
            shop_id=shop_id, ps_order_id=ps_order_id, reason=str(exc), attempts=attempt
        )
        return
    service.order_retry_record(
        shop_id=shop_id,
        ps_order_id=ps_order_id,
        exc=exc,
        countdown=countdown,
        attempt=attempt,
        max_attempts=task.max_retries + 1,
    )
    raise task.retry(exc=exc, countdown=countdown) from None


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
