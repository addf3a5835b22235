"""The interpreter's pace during a catalogue read (sync/services/stock/pacing.py)."""

import gc
import sys
import threading

import pytest

from sync.prestashop import xml as psxml
from sync.services.stock import pacing, stock_sync_full, stock_sync_start
from sync.services.stock.pacing import SWITCH_INTERVAL, YOUNG_THRESHOLD, catalogue_read_paced

from .test_stock_full import catalogue  # noqa: F401 - the small two-system catalogue


@pytest.fixture(autouse=True)
def python_defaults():
    saved = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(700, 10, 10)
    sys.setswitchinterval(0.005)
    yield
    gc.set_threshold(*saved[0])
    sys.setswitchinterval(saved[1])


def stock_page(records: int = 1000) -> bytes:
    """A list page shaped like PrestaShop's narrow stock_availables display."""
    href = 'xlink:href="http://shop.example/api/products/{0}"'
    rows = "".join(
        f"<stock_available><id><![CDATA[{i}]]></id>"
        f"<id_product {href.format(i)}><![CDATA[{i}]]></id_product>"
        f"<id_product_attribute><![CDATA[0]]></id_product_attribute>"
        f"<quantity><![CDATA[{i % 50}]]></quantity>"
        f"<depends_on_stock><![CDATA[0]]></depends_on_stock></stock_available>"
        for i in range(1, records + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">'
        f"<stock_availables>{rows}</stock_availables></prestashop>"
    ).encode()


def pages_enough() -> int:
    """Pages whose trees, promoted, add more than a quarter of what the process holds (a
    full collection's condition), and enough of them for ten middle-generation collections
    (its other one: 700 x 10 x 10 new objects at the default thresholds), counting only
    2,500 of a page's 6,000 elements as promoted (room to spare: 5,000 was enough)."""
    return 20 + len(gc.get_objects()) // 4 // 2_500


def collections_while_parsing(pages: int) -> dict[int, int]:
    """{generation: collections} while `pages` list pages are parsed and dropped in turn."""
    seen = {0: 0, 1: 0, 2: 0}

    def count(phase, info):
        if phase == "start":
            seen[info["generation"]] += 1

    body = stock_page()
    gc.collect()
    gc.callbacks.append(count)
    try:
        for _ in range(pages):
            psxml.list_to_dicts(psxml.parse(body))
    finally:
        gc.callbacks.remove(count)
    return seen


def test_at_the_default_pace_parsed_pages_bring_on_full_collections():
    """Why the module exists: each page's tree outlives young collections while it is
    parsed, is promoted, and the promoted trees trigger full ones."""
    pages = pages_enough()

    seen = collections_while_parsing(pages)

    assert seen[0] > pages and seen[2] >= 1


def test_paced_a_parsed_page_is_freed_before_any_collection_sees_it():
    pages = pages_enough()

    with catalogue_read_paced():
        seen = collections_while_parsing(pages)

    assert seen == {0: 0, 1: 0, 2: 0}


def test_the_settings_in_force_before_come_back_also_after_an_error():
    gc.set_threshold(900, 11, 12)
    sys.setswitchinterval(0.004)

    with pytest.raises(RuntimeError), catalogue_read_paced():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 11, 12)
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        raise RuntimeError("a failing read")

    assert gc.get_threshold() == (900, 11, 12)
    assert sys.getswitchinterval() == pytest.approx(0.004)


def test_settings_already_further_that_way_are_kept():
    gc.set_threshold(YOUNG_THRESHOLD * 2, 10, 10)
    sys.setswitchinterval(SWITCH_INTERVAL / 2)

    with catalogue_read_paced():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 2
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL / 2)


def test_overlapping_reads_restore_the_default_only_when_the_last_one_ends():
    first_in, second_out = threading.Event(), threading.Event()
    during_second = []

    def second_read():
        first_in.wait(5)
        with catalogue_read_paced():
            during_second.append(gc.get_threshold()[0])
        second_out.set()

    thread = threading.Thread(target=second_read)
    thread.start()
    with catalogue_read_paced():
        first_in.set()
        second_out.wait(5)
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the second ended first
    thread.join(5)

    assert during_second == [YOUNG_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)
    assert sys.getswitchinterval() == pytest.approx(0.005)


def paced_reads(module, monkeypatch) -> list:
    """(young threshold, switch interval) at each match `module` reads."""
    read_at = []
    matches = module.catalogue_matches

    def observed(*args, **kwargs):
        for match in matches(*args, **kwargs):
            read_at.append((gc.get_threshold()[0], sys.getswitchinterval()))
            yield match

    monkeypatch.setattr(module, "catalogue_matches", observed)
    return read_at


def assert_back_to_defaults():
    assert gc.get_threshold() == (700, 10, 10)
    assert sys.getswitchinterval() == pytest.approx(0.005)
    assert pacing._holders == 0


def test_the_full_sync_reads_the_catalogue_at_the_catalogue_pace(shop, catalogue, monkeypatch):  # noqa: F811
    from sync.services.stock import reconcile

    read_at = paced_reads(reconcile, monkeypatch)

    run = stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))

    assert run.checked > 0 and set(read_at) == {(YOUNG_THRESHOLD, SWITCH_INTERVAL)}
    assert_back_to_defaults()


def test_the_match_report_reads_the_catalogue_at_the_catalogue_pace(
    shop,
    catalogue,  # noqa: F811
    monkeypatch,
):
    from sync.models import CatalogueReport
    from sync.services.stock import report as report_service

    read_at = paced_reads(report_service, monkeypatch)

    report = report_service.catalogue_report_build(report=CatalogueReport.objects.create(shop=shop))

    assert report.rows.count() == len(read_at) > 0
    assert set(read_at) == {(YOUNG_THRESHOLD, SWITCH_INTERVAL)}
    assert_back_to_defaults()
