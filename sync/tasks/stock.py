"""Stock tasks (Picqer to PrestaShop): thin adapters that map client errors to retries.

Retry policy (reliability.md §3.4): 429 → retry after `retry_after`; transport errors and
5xx → capped exponential backoff with jitter; other 4xx → recorded, not retried. Order status
changes have no task here: the webhook inbox calls sync.services.order_status directly.
"""

from collections.abc import Callable
from functools import partial
from typing import NoReturn

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from sync.backoff import retry_countdown
from sync.http.errors import ApiError
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

MAX_RETRIES = 8
# A full sync of a big catalogue writes one row per request; it needs more than the default
# 300 s. Hard limit + backoff cap stays below the broker visibility timeout (3600 s).
FULL_SOFT_LIMIT = 2400
FULL_HARD_LIMIT = 2700


def _countdown(exc: ApiError, retries: int) -> float:
    return retry_countdown(attempts=retries + 1, retry_after=getattr(exc, "retry_after", None))


def _retry(task, exc: ApiError, record: Callable[..., None]) -> NoReturn:
    """Make this try's failure visible (`record` gets the error, the countdown and the attempt
    numbers), then hand the retry to Celery."""
    countdown = _countdown(exc, task.request.retries)
    record(
        exc=exc,
        countdown=countdown,
        attempt=task.request.retries + 1,
        max_attempts=MAX_RETRIES + 1,
    )
    raise task.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def stock_sync_product_task(self, shop_id: int, idproduct: int) -> str:
    """Coalesced update of one product in one shop."""
    from prestapicqer.models import Shop

    stock_product_release(shop_id=shop_id, idproduct=idproduct)
    shop = Shop.objects.select_related("account").filter(pk=shop_id).first()
    if shop is None or not (shop.enabled and shop.stock_enabled):
        return "ignored: shop gone or stock updates off"
    try:
        return stock_sync_product(shop=shop, idproduct=idproduct)
    except ApiError as exc:
        if exc.retryable and self.request.retries < MAX_RETRIES:
            _retry(self, exc, partial(stock_product_retry_record, shop=shop, idproduct=idproduct))
        return stock_product_fail(
            shop=shop, idproduct=idproduct, exc=exc, attempts=self.request.retries + 1
        )


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def stock_pending_changed_task(self, account_id: int, references: list[str]) -> str:
    """The units held back for orders not in Picqer yet changed: write those references."""
    try:
        return stock_pending_changed(account_id=account_id, references=references)
    except ApiError as exc:
        if exc.retryable and self.request.retries < MAX_RETRIES:
            raise self.retry(exc=exc, countdown=_countdown(exc, self.request.retries)) from exc
        return stock_pending_changed_fail(account_id=account_id, references=references, exc=exc)


@shared_task(
    bind=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
    soft_time_limit=FULL_SOFT_LIMIT,
    time_limit=FULL_HARD_LIMIT,
)
def stock_sync_full_task(self, run_id: int) -> None:
    """Run one queued full stock sync (a no-op when it is not queued any more)."""
    run = stock_sync_claim(run_id=run_id, resume=self.request.retries > 0)
    if run is None:
        return
    try:
        stock_sync_full(shop=run.shop, run=run)
    except ApiError as exc:
        if exc.retryable and self.request.retries < MAX_RETRIES:
            _retry(self, exc, partial(stock_sync_retry_wait, run=run))
        stock_sync_fail(run=run, message=str(exc))
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
