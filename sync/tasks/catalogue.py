"""The catalogue match report task (thin: the report records its own failure)."""

import contextlib

from celery import shared_task

from sync.clients.errors import ApiError

from .stock import FULL_HARD_LIMIT, FULL_SOFT_LIMIT


@shared_task(ignore_result=True, soft_time_limit=FULL_SOFT_LIMIT, time_limit=FULL_HARD_LIMIT)
def catalogue_report_task(report_id: int) -> None:
    """Build one queued report (it costs what a full sync costs, so it runs on the worker)."""
    from sync.models.catalogue import CatalogueReport
    from sync.services.stock.report import catalogue_report_build

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
