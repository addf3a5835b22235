"""The catalogue match report: the full sync's reader, written down instead of written to
the shop. One row per reference, stored in batches (memory stays that of the reader),
streamed out as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from prestapicqer.models import Shop
from sync.activity import activity_log
from sync.jobs import CATALOGUE_REPORT, job_publish
from sync.mappers.stock import quantity_sellable
from sync.models.catalogue import CatalogueReport, CatalogueReportRow
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient

from .matching import Match, MatchStatus, catalogue_matches
from .pacing import catalogue_read_paced
from .pending import pending_units_by_reference

BATCH = 1000
CSV_COLUMNS = (
    "reference",
    "status",
    "ps_id_product",
    "ps_id_product_attribute",
    "ps_name",
    "picqer_idproduct",
    "picqer_name",
    "picqer_free_stock",
    "pending_units",
    "quantity_to_write",
    "current_quantity",
    "detail",
)
State = CatalogueReport.State


def catalogue_report_request(*, shop: Shop) -> CatalogueReport:
    """Queue a report of `shop` for the worker."""
    report = CatalogueReport.objects.create(shop=shop)
    transaction.on_commit(lambda: _publish(report.pk))
    return report


def _publish(report_id: int) -> None:
    job_publish(CATALOGUE_REPORT, report_id)


def _row(report: CatalogueReport, match: Match, pending: dict[str, int]) -> CatalogueReportRow:
    placement, picqer = match.placement, match.picqer
    row = CatalogueReportRow(
        report=report,
        reference=match.reference[:128],
        status=match.status.value,
        detail=match.detail[:500],
    )
    if placement is not None:
        row.ps_id_product = placement.id_product
        row.ps_id_product_attribute = placement.id_product_attribute
        row.ps_name = placement.name[:255]
    if picqer is not None:
        row.picqer_idproduct = picqer.idproduct or None
        row.picqer_name = picqer.name[:255]
        row.picqer_free_stock = picqer.quantity
        row.pending_units = pending.get(picqer.code, 0)
    if match.status is MatchStatus.MATCHED:
        row.quantity_to_write = quantity_sellable(free=picqer.quantity, pending=row.pending_units)
        row.current_quantity = placement.rows[0][1]
    return row


def catalogue_report_build(*, report: CatalogueReport) -> CatalogueReport:
    """Read both sides (as a full sync does: ceil(Picqer products / 100) + 1 Picqer calls)
    and store one row per reference with the counts per status. A failure is recorded on
    the report and raised."""
    shop = report.shop
    report.state = State.RUNNING
    report.save(update_fields=["state"])
    report.rows.all().delete()
    counts: Counter[str] = Counter()
    batch: list[CatalogueReportRow] = []
    try:
        pending = pending_units_by_reference(shop=shop)
        with catalogue_read_paced():
            for match in catalogue_matches(
                PicqerClient.for_account(shop.account), PrestaShopClient.for_shop(shop), shop=shop
            ):
                row = _row(report, match, pending)
                counts[row.status] += 1
                batch.append(row)
                if len(batch) >= BATCH:
                    CatalogueReportRow.objects.bulk_create(batch)
                    batch = []
        CatalogueReportRow.objects.bulk_create(batch)
    except Exception as exc:
        report.state, report.message = State.FAILED, f"{type(exc).__name__}: {exc}"
        report.finished_at = timezone.now()
        report.save(update_fields=["state", "message", "finished_at"])
        activity_log(
            action="catalogue_report_failed",
            level="error",
            shop=shop,
            message=f"Catalogue report {report.pk} failed: {report.message}",
        )
        raise
    report.counts = {status.value: counts.get(status.value, 0) for status in MatchStatus}
    report.state, report.finished_at = State.DONE, timezone.now()
    report.message = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in report.counts.items())
    report.save(update_fields=["counts", "state", "finished_at", "message"])
    return report


def catalogue_report_csv(*, report: CatalogueReport, status: str = "") -> Iterator[str]:
    """The report as CSV lines (a header, then one line per row), read in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    rows = report.rows.all()
    if status:
        rows = rows.filter(status=status)
    for values in rows.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield line(["" if v is None else v for v in values])
