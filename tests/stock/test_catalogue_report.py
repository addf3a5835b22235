"""The catalogue match report: one row per reference, the full sync's reader and cost."""

import csv
import io
import math

import pytest
from django.core.management import call_command

from sync.models import CatalogueReport, CatalogueReportRow
from sync.services.stock.report import catalogue_report_build, catalogue_report_csv

from .conftest import PICQER
from .test_stock_layouts import ps16  # noqa: F401 - the 1.6.1 demo catalogue fixture


@pytest.fixture
def demo(shop, ps16, picqer):  # noqa: F811
    for idproduct, code, free in [
        (1, "demo_1", 5),
        (2, "demo_4", 9),
        (3, "tshirt-m", 4),
        (4, "demo_7", 1),
        (5, "ONLY-PICQER", 2),
        (6, "demo_5", 3),
    ]:
        picqer.add_product(code, idproduct, free, name=f"Picqer {code}")
    return ps16


def statuses(report):
    return {r.reference: r.status for r in report.rows.all()}


def test_every_reference_gets_one_row_with_its_status(shop, demo):
    report = catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))
    found = statuses(report)
    assert found["demo_1"] == "ambiguous_combinations"
    assert found["demo_4"] == "matched"
    assert found["TSHIRT-M"] == "near_miss"
    assert found["demo_7"] == "duplicate_reference"
    assert found["ONLY-PICQER"] == "only_in_picqer"
    assert found["demo_3"] == "only_in_prestashop"
    assert found["demo_5"] == "not_writable"
    assert found[""] == "empty_reference"
    assert "TSHIRT" not in found  # a parent label no Picqer product uses
    assert report.counts["matched"] == 1 and report.counts["only_in_prestashop"] == 7
    assert sum(report.counts.values()) == report.rows.count()
    matched = report.rows.get(reference="demo_4")
    assert (
        matched.quantity_to_write,
        matched.current_quantity,
        matched.ps_id_product,
        matched.picqer_name,
        matched.ps_name,
    ) == (9, 12, 4, "Picqer demo_4", "Printed Summer Dress")
    assert demo.writes == []  # a report writes nothing to the shop


def test_the_csv_streams_every_row_and_filters_by_status(shop, demo):
    report = catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))
    lines = list(catalogue_report_csv(report=report))
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert len(rows) == report.rows.count() and rows[0].keys() >= {"reference", "status"}
    near = list(
        csv.DictReader(
            io.StringIO("".join(catalogue_report_csv(report=report, status="near_miss")))
        )
    )
    assert [r["reference"] for r in near] == ["TSHIRT-M"]
    assert "case and spaces" in near[0]["detail"]


def test_the_command_writes_the_csv(shop, demo, tmp_path, capsys):
    out = tmp_path / "report.csv"
    call_command("catalogue_report", "--shop", str(shop.pk), "--csv", str(out))
    assert "1 matched" in capsys.readouterr().out
    assert "demo_1,ambiguous_combinations" in out.read_text()


def test_picqer_calls_are_those_of_a_full_sync(shop, ps, picqer, rsps):
    for i in range(250):
        picqer.add_product(f"SKU-{i}", 1000 + i, i % 4)
    catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))
    picqer_calls = [c for c in rsps.calls if c.request.url.startswith(PICQER)]
    assert len(picqer_calls) <= math.ceil(250 / 100) + 1


def test_the_admin_shows_counts_filters_and_downloads(admin_client, shop, demo):
    report = catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))
    page = admin_client.get(f"/admin/sync/cataloguereport/{report.pk}/rows/?status=near_miss")
    html = page.content.decode()
    assert page.status_code == 200 and "TSHIRT-M" in html and "demo_4" not in html
    assert "Near miss (case or spaces differ)" in html
    download = admin_client.get(f"/admin/sync/cataloguereport/{report.pk}/csv/")
    body = b"".join(download.streaming_content).decode()
    assert body.count("\n") == CatalogueReportRow.objects.filter(report=report).count() + 1


def test_the_admin_button_queues_a_report(admin_client, shop, django_capture_on_commit_callbacks):
    from unittest import mock

    with (
        mock.patch("sync.tasks.catalogue.catalogue_report_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        admin_client.post(f"/admin/sync/cataloguereport/generate/{shop.pk}/")
    report = CatalogueReport.objects.get(shop=shop)
    delay.assert_called_once_with((report.pk,), {})
