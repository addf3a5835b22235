"""Catalogue layouts with real processes: the sandbox seeds one product of each layout, a
real worker runs the full stock sync and the match report, and each case lands in its
count and its report status."""

import pytest

from sync.models import CatalogueReport, SyncRun, SyncRunItem
from sync.services.stock import stock_sync_request
from sync.services.stock.report import catalogue_report_request

from .workers import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def layout_shop(sandbox_server, sandbox_shop):
    sandbox_shop.layouts = sandbox_server.seed(products=0, layouts=True)["layouts"]
    return sandbox_shop


def _done(model, pk):
    return lambda: model.objects.get(pk=pk).state in ("done", "failed")


def test_layouts_land_in_the_full_sync_counts_and_the_report(layout_shop, worker):
    run = stock_sync_request(shop=layout_shop, trigger="test")
    report = catalogue_report_request(shop=layout_shop)
    wait_for(_done(SyncRun, run.pk), timeout=90, what="the full sync")
    wait_for(_done(CatalogueReport, report.pk), timeout=90, what="the report")

    run.refresh_from_db()
    assert run.state == "done", run.message
    assert (run.ambiguous, run.duplicates, run.near_misses) == (3, 1, 1)
    assert run.ambiguous_kinds == {
        "combinations_without_reference": 1,
        "pack_from_products": 1,
        "advanced_stock_management": 1,
    }
    listed = {(i.kind, i.reference) for i in SyncRunItem.objects.filter(run=run)}
    assert {
        ("ambiguous", "SB-AMBIGUOUS"),
        ("duplicate", "SB-DUPLICATE"),
        ("near_miss", "SB-NEAR-MISS"),
    } <= listed

    report.refresh_from_db()
    assert report.state == "done", report.message
    status = {r.reference: r.status for r in report.rows.all()}
    assert status["SB-AMBIGUOUS"] == "ambiguous_combinations"
    assert status["SB-DUPLICATE"] == "duplicate_reference"
    assert status["SB-NEAR-MISS"] == "near_miss"
    assert status["SB-PACK"] == status["SB-ASM"] == "not_writable"
    assert status[""] == "empty_reference"
    assert report.counts["matched"] == len(layout_shop.catalogue["references"])
