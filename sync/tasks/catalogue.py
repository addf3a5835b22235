"""The catalogue tasks: the match report and the product import (thin: each records its
own failure on its run and in the activity log)."""

import contextlib

from celery import shared_task

from sync.http.errors import ApiError
from sync.models.catalogue import CatalogueReport
from sync.services.catalogue_import import (
    product_import_claim,
    product_import_execute,
    product_import_publish,
    product_import_sweep,
)
from sync.services.stock.report import catalogue_report_build

from .stock import FULL_HARD_LIMIT, FULL_SOFT_LIMIT

# An import works this long per task, far inside the time limits, then queues the rest.
PRODUCT_IMPORT_SLICE_SECONDS = 600


@shared_task(ignore_result=True, soft_time_limit=FULL_SOFT_LIMIT, time_limit=FULL_HARD_LIMIT)
def catalogue_report_task(report_id: int) -> None:
    """Build one queued report (it costs what a full sync costs, so it runs on the worker)."""
    report = (
        CatalogueReport.objects.select_related("shop__account")
        .filter(pk=report_id, state=CatalogueReport.State.QUEUED)
        .first()
    )
    if report is None:
        return
    # An API error is recorded on the report and in the activity log; run it again from the
    # admin. Anything else is a bug and is raised.
    with contextlib.suppress(ApiError):
        catalogue_report_build(report=report)


@shared_task(ignore_result=True, soft_time_limit=FULL_SOFT_LIMIT, time_limit=FULL_HARD_LIMIT)
def product_import_task(run_id: int) -> None:
    """Work on one queued product import for a slice of time; what is left (the slice ran
    out, Picqer asked to wait) is queued again. A duplicate message finds it claimed."""
    run = product_import_claim(run_id)
    if run is None:
        return
    with contextlib.suppress(ApiError):  # recorded on the run; start it again from the admin
        wait = product_import_execute(run, seconds=PRODUCT_IMPORT_SLICE_SECONDS)
        if wait is not None:
            product_import_publish(run_id, countdown=wait)


@shared_task(ignore_result=True)
def product_import_sweep_task() -> dict[str, int]:
    """Every minute: resume imports whose worker died, publish lost ones again."""
    return product_import_sweep()
