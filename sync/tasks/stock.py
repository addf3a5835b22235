"""Stock tasks (Picqer to PrestaShop): thin adapters over sync.services.stock.

Retries (sync/tasks/base.py): 429 → after `retry_after`; transport errors and 5xx → Celery's
capped exponential backoff with jitter; other 4xx → recorded, not retried. Order status
changes have no task here: the webhook inbox calls sync.services.order_status directly.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.models.stock import SyncRun
from sync.services.stock import (
    stock_pending_changed,
    stock_pending_changed_fail,
    stock_product_fail,
    stock_product_release,
    stock_product_retry_record,
    stock_sync_claim,
    stock_sync_fail,
    stock_sync_full,
    stock_sync_product,
    stock_sync_retry_wait,
    stock_sync_sweep,
)

from .base import RetryingTask

# A full sync of a big catalogue writes one row per request; it needs more than the default
# 300 s. Hard limit + backoff cap stays below the broker visibility timeout (3600 s).
FULL_SOFT_LIMIT = 2400
FULL_HARD_LIMIT = 2700


def _shop(shop_id: int) -> Shop | None:
    return Shop.objects.select_related("account").filter(pk=shop_id).first()


def _product_retry_wait(exc: Exception, *, shop_id: int, idproduct: int, **retry) -> None:
    stock_product_retry_record(shop=_shop(shop_id), idproduct=idproduct, exc=exc, **retry)


def _product_give_up(exc: Exception, *, shop_id: int, idproduct: int, attempts: int) -> str:
    return stock_product_fail(shop=_shop(shop_id), idproduct=idproduct, exc=exc, attempts=attempts)


@shared_task(
    base=RetryingTask,
    ignore_result=True,
    retry_wait=_product_retry_wait,
    give_up=_product_give_up,
)
def stock_sync_product_task(shop_id: int, idproduct: int) -> str:
    """Coalesced update of one product in one shop."""
    stock_product_release(shop_id=shop_id, idproduct=idproduct)
    shop = _shop(shop_id)
    if shop is None or not (shop.enabled and shop.stock_enabled):
        return "ignored: shop gone or stock updates off"
    return stock_sync_product(shop=shop, idproduct=idproduct)


def _pending_give_up(exc: Exception, *, account_id: int, references: list[str], **_) -> str:
    return stock_pending_changed_fail(account_id=account_id, references=references, exc=exc)


@shared_task(base=RetryingTask, ignore_result=True, give_up=_pending_give_up)
def stock_pending_changed_task(account_id: int, references: list[str]) -> str:
    """The units held back for orders not in Picqer yet changed: write those references."""
    return stock_pending_changed(account_id=account_id, references=references)


def _run(run_id: int) -> SyncRun:
    return SyncRun.objects.select_related("shop__account").get(pk=run_id)


def _full_retry_wait(exc: Exception, *, run_id: int, **retry) -> None:
    stock_sync_retry_wait(run=_run(run_id), exc=exc, **retry)


def _full_give_up(exc: Exception, *, run_id: int, **_) -> None:
    stock_sync_fail(run=_run(run_id), message=str(exc))


@shared_task(
    base=RetryingTask,
    bind=True,
    ignore_result=True,
    soft_time_limit=FULL_SOFT_LIMIT,
    time_limit=FULL_HARD_LIMIT,
    retry_wait=_full_retry_wait,
    give_up=_full_give_up,
)
def stock_sync_full_task(self, run_id: int) -> None:
    """Run one queued full stock sync (a no-op when it is not queued any more)."""
    run = stock_sync_claim(run_id=run_id, resume=self.request.retries > 0)
    if run is None:
        return
    try:
        stock_sync_full(shop=run.shop, run=run)
    except ApiError:
        raise  # retried, or recorded as the final reason, by RetryingTask
    except SoftTimeLimitExceeded:
        stock_sync_fail(
            run=run,
            message="stopped at the time limit; run it again to "
            "continue (only differences are written)",
        )
    except Exception as exc:
        # A bug or a database error: close the run, or it blocks the shop's next one.
        stock_sync_fail(run=run, message=f"crashed: {type(exc).__name__}: {exc}")
        raise


@shared_task(ignore_result=True)
def stock_sync_sweep_task() -> dict[str, int]:
    """Fail full syncs whose worker died, publish lost queued ones (beat, every minute)."""
    return stock_sync_sweep()
