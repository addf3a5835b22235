"""The layout rules on both stock paths, against a PrestaShop 1.6.1 demo catalogue (demo_1,
demo_2, demo_3 whose combinations carry no reference: it is on the product)."""

from pathlib import Path

import pytest

from sync.models import ActivityEntry, SyncRunItem
from sync.prestashop import xml as psxml
from sync.services.stock import (
    stock_product_changed,
    stock_sync_full,
    stock_sync_product,
    stock_sync_start,
)
from tests.fakes.prestashop import FakePrestaShop

from .conftest import seed_simple, seed_stock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prestashop" / "catalogue_16"


@pytest.fixture
def ps16(rsps):
    """The fixture catalogue served by a 1.6.1.23 webservice."""
    shop = FakePrestaShop(rsps, version="1.6.1.23")
    for resource in ("products", "combinations", "stock_availables"):
        xml = (FIXTURES / f"{resource}.xml").read_bytes()
        for record in psxml.list_to_dicts(psxml.parse(xml)):
            shop.add(resource, record)
    shop.add("configurations", {"id": 1, "name": "PS_PACK_STOCK_TYPE", "value": "0"})
    return shop


def stock_writes(ps):
    return [w for w in ps.writes if w[1] == "stock_availables"]


def test_a_product_whose_combinations_have_no_reference_is_ignored_in_plain_words(
    shop, ps16, picqer
):
    picqer.add_product("demo_1", 201, 7)
    result = stock_sync_product(shop=shop, idproduct=201)
    assert result.startswith(
        "ignored: reference demo_1: ambiguous: product with 3 "
        "combinations without their own reference"
    )
    assert "no writable stock row" not in result
    assert stock_writes(ps16) == []
    warning = ActivityEntry.objects.get(action="stock_not_written")
    assert warning.level == "warning" and warning.product_reference == "demo_1"
    assert "give each combination its own reference" in warning.message


def test_the_warning_is_logged_once_a_day_and_the_next_event_shows_the_reason(shop, ps16, picqer):
    picqer.add_product("demo_1", 201, 7)
    stock_sync_product(shop=shop, idproduct=201)
    stock_sync_product(shop=shop, idproduct=201)
    assert ActivityEntry.objects.filter(action="stock_not_written").count() == 1
    result = stock_product_changed(account=shop.account, idproduct=201)
    assert "last update ignored: reference demo_1: ambiguous" in result


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("demo_7", "duplicate: reference on 2 stock targets"),
        ("demo_5", "pack whose sales decrement only the products in it"),
        ("demo_6", "stock computed by PrestaShop (advanced stock management)"),
        ("TSHIRT", "each with its own reference"),
    ],
)
def test_each_problem_is_ignored_with_its_reason(shop, ps16, picqer, code, words):
    picqer.add_product(code, 300, 7)
    assert words in stock_sync_product(shop=shop, idproduct=300)
    assert stock_writes(ps16) == []


@pytest.mark.parametrize(
    ("code", "row_id"),
    [
        ("demo_4", "10"),  # a product without combinations
        ("TSHIRT-L", "17"),  # a combination with its own reference
        ("MUG", "19"),  # a combination carrying its product's reference
        ("demo_11", "21"),  # a pack that decrements its own stock
    ],
)
def test_writable_layouts_write_their_one_row(shop, ps16, picqer, code, row_id):
    picqer.add_product(code, 300, 77)
    assert stock_sync_product(shop=shop, idproduct=300) == f"{code}: set to 77"
    assert [w[2]["id"] for w in stock_writes(ps16)] == [row_id]


def test_an_older_shop_without_pack_stock_type_is_read_without_it(shop, rsps, picqer):
    ps = FakePrestaShop(rsps, version="1.6.0.14")
    ps.absent_fields["products"] = {"pack_stock_type"}
    seed_simple(ps, 1, "A", 3)
    picqer.add_product("A", 1, 5)
    assert stock_sync_product(shop=shop, idproduct=1) == "A: set to 5"
    run = stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))
    assert (run.checked, run.changed) == (1, 0)


def test_full_sync_counts_the_demo_catalogue_truthfully(shop, ps16, picqer):
    """demo_1 and demo_2 in Picqer are ambiguous, not missing; demo_3 (only in PrestaShop)
    is missing in Picqer; a near miss and a duplicate are counted in their own kinds."""
    for idproduct, code, free in [
        (1, "demo_1", 5),
        (2, "demo_2", 6),
        (3, "demo_4", 12),
        (4, "tshirt-m", 4),
        (5, "demo_7", 1),
        (6, "TSHIRT-L", 9),
        (7, "NOT-IN-SHOP", 2),
    ]:
        picqer.add_product(code, idproduct, free)
    run = stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))
    run.refresh_from_db()
    counts = (
        run.checked,
        run.changed,
        run.unchanged,
        run.missing_in_prestashop,
        run.missing_in_picqer,
        run.ambiguous,
        run.duplicates,
        run.near_misses,
        run.errors,
    )
    # checked: demo_4 (equal) and TSHIRT-L (5 → 9); missing in Picqer: demo_3, demo_5,
    # demo_6, MUG, MUG-XL, demo_11 (TSHIRT is a quiet label, product 12 has no reference).
    assert counts == (2, 1, 1, 1, 6, 2, 1, 1, 0)
    assert run.ambiguous_kinds == {"combinations_without_reference": 2}
    items = {(i.kind, i.reference) for i in SyncRunItem.objects.filter(run=run)}
    assert {
        ("ambiguous", "demo_1"),
        ("ambiguous", "demo_2"),
        ("duplicate", "demo_7"),
        ("missing_in_picqer", "demo_3"),
        ("missing_in_prestashop", "NOT-IN-SHOP"),
        ("near_miss", "TSHIRT-M"),
    } <= items
    assert [w[2]["id"] for w in stock_writes(ps16)] == ["17"]


def test_a_retried_run_lists_its_references_once(shop, ps, picqer):
    picqer.add_product("ONLY-PICQER", 1, 1)
    seed_stock(ps, 1, 1, 0, 1)
    run = stock_sync_start(shop=shop, trigger="test")
    stock_sync_full(shop=shop, run=run)
    run.state = run.State.RUNNING
    stock_sync_full(shop=shop, run=run)
    assert SyncRunItem.objects.filter(run=run, kind="missing_in_prestashop").count() == 1


def test_the_status_json_and_page_link_each_count_to_its_references(client, shop, ps16, picqer):
    picqer.add_product("demo_1", 1, 5)
    picqer.add_product("demo_7", 2, 5)
    run = stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))
    token = f"?token={shop.full_sync_token}"
    body = client.get(
        f"/stock-sync/{shop.pk}/runs/{run.pk}/{token}", HTTP_ACCEPT="application/json"
    ).json()
    assert (body["ambiguous"], body["duplicates"], body["missing_in_picqer"]) == (1, 1, 10)
    assert body["ambiguous_kinds"] == {"combinations_without_reference": 1}
    listed = client.get(body["lists"]["ambiguous"], HTTP_ACCEPT="application/json").json()
    assert [i["reference"] for i in listed["items"]] == ["demo_1"] and listed["more"] == 0
    page = client.get(
        f"/stock-sync/{shop.pk}/runs/{run.pk}/{token}", HTTP_ACCEPT="text/html"
    ).content.decode()
    assert "product with combinations without their own reference" in page
    assert f"/runs/{run.pk}/items/duplicate/" in page
    html = client.get(body["lists"]["duplicate"], HTTP_ACCEPT="text/html").content.decode()
    assert "demo_7" in html and "duplicate: reference on 2 stock targets" in html


def test_a_run_lists_at_most_max_items_and_says_how_many_more(
    client, shop, ps, picqer, monkeypatch
):
    monkeypatch.setattr(SyncRunItem, "MAX_ITEMS", 3)
    for i in range(5):
        picqer.add_product(f"ONLY-{i}", i + 1, 1)
    run = stock_sync_full(shop=shop, run=stock_sync_start(shop=shop, trigger="test"))
    url = f"/stock-sync/{shop.pk}/runs/{run.pk}/items/missing_in_prestashop/"
    listed = client.get(
        f"{url}?token={shop.full_sync_token}", HTTP_ACCEPT="application/json"
    ).json()
    assert (len(listed["items"]), listed["more"]) == (3, 2)
