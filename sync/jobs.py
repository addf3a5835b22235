"""The sync engine's tasks by name, for the services that hand work to the worker.

The tasks import the services they run, so a service cannot import a task back: it names
the task here and publishes it with `job_publish`. Publishing goes through the Celery app's
signature of that name: where the task is registered (the worker, and any process that
imported sync.tasks) the task's own `apply_async` runs, so routing, eager mode and test
doubles see it as before; elsewhere (the web process) Celery sends it by name.
"""

from typing import Any

from celery import current_app

ORDER_SYNC = "sync.tasks.orders.order_sync_task"
ORDERS_POLL = "sync.tasks.orders.orders_poll_task"
STOCK_SYNC_PRODUCT = "sync.tasks.stock.stock_sync_product_task"
STOCK_PENDING_CHANGED = "sync.tasks.stock.stock_pending_changed_task"
STOCK_SYNC_FULL = "sync.tasks.stock.stock_sync_full_task"
CATALOGUE_REPORT = "sync.tasks.catalogue.catalogue_report_task"
PRODUCT_IMPORT = "sync.tasks.catalogue.product_import_task"


def job_publish(task: str, *args: Any, countdown: float | None = None) -> None:
    """Hand `task` (one of the names above) with `args` to the broker, to run in `countdown`
    seconds (now when None). Raises what publishing raises (the broker is down); callers
    that may lose a publish say why that is harmless."""
    current_app.signature(task, args=args).apply_async(countdown=countdown)
