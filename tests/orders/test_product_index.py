"""The product index in the order push: hits cost no Picqer call, misses read and record,
stale entries (deleted, re-created, renamed, re-cased products) never send a wrong idproduct
and cost at most one refused attempt."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sync.models import ActivityEntry
from sync.models.orders import OrderLink
from sync.models.products import ProductIndex, ProductIndexEntry
from sync.picqer.records import product_parse
from sync.services.orders import order_sync
from sync.services.product_index import (
    product_index_feed,
    product_index_hooks_seen,
    product_index_lookup,
    product_index_product_changed,
    product_index_record,
)

from .conftest import fixture_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def trusted(account):
    """The products.changed webhook is active: the index may be used."""
    product_index_hooks_seen(account_id=account.pk, active=True)


def as_products(rows) -> list:
    return [product_parse(row) for row in rows]


def run(shop, ps, order=73, history=100):
    shop.processing_state_ids = []
    shop.save()
    ps.add_history(history, order, 2)
    return order_sync(shop_id=shop.pk, ps_order_id=order)


def product_reads(rsps) -> list[str]:
    return [
        c.request.url
        for c in rsps.calls
        if c.request.method == "GET" and "/api/v1/products" in c.request.url
    ]


def order_posts(rsps) -> list:
    return [
        c
        for c in rsps.calls
        if c.request.method == "POST" and c.request.url.endswith("/api/v1/orders")
    ]


def sent_idproducts(picqer) -> list[int]:
    (order,) = picqer.created
    return [line["idproduct"] for line in order["products"]]


def ids_by_code(picqer) -> dict[str, int]:
    return {p["productcode"]: p["idproduct"] for p in picqer.products}


def index_of(account) -> dict[str, int]:
    return dict(
        ProductIndexEntry.objects.filter(account=account).values_list("productcode", "idproduct")
    )


def test_a_warm_index_resolves_every_line_without_reading_picqer(
    shop, account, ps, picqer, rsps, trusted
):
    product_index_record(account_id=account.pk, products=as_products(picqer.products))

    assert run(shop, ps) == OrderLink.State.CREATED

    assert product_reads(rsps) == []
    codes = ids_by_code(picqer)
    assert sent_idproducts(picqer) == [codes["demo_1"], codes["TSHIRT-RED-S"], codes["MUG-9"]]


def test_a_miss_reads_picqer_once_and_records_the_product(shop, account, ps, picqer, rsps, trusted):
    assert run(shop, ps) == OrderLink.State.CREATED
    assert len(product_reads(rsps)) == 3
    assert index_of(account) == ids_by_code(picqer)

    ps.add_order(74)
    rsps.calls.reset()
    run(shop, ps, order=74, history=101)

    assert product_reads(rsps) == []
    assert len(picqer.created) == 2


def test_without_an_active_products_webhook_the_index_is_not_used(shop, account, ps, picqer, rsps):
    # A stale entry (e.g. renamed while no webhook told us): must not be sent.
    product_index_record(
        account_id=account.pk,
        products=as_products(
            [{"productcode": "demo_1", "idproduct": ids_by_code(picqer)["MUG-9"]}]
        ),
    )

    run(shop, ps)

    assert len(product_reads(rsps)) == 3
    assert sent_idproducts(picqer)[0] == ids_by_code(picqer)["demo_1"]


def test_entries_older_than_the_webhook_reactivation_are_not_used(shop, account, ps, picqer, rsps):
    product_index_hooks_seen(account_id=account.pk, active=True)
    product_index_record(
        account_id=account.pk,
        products=as_products(
            [{"productcode": "demo_1", "idproduct": ids_by_code(picqer)["MUG-9"]}]
        ),
        now=timezone.now() - timedelta(minutes=5),
    )
    product_index_hooks_seen(account_id=account.pk, active=False)  # Picqer deactivated it
    product_index_hooks_seen(account_id=account.pk, active=True)  # the watchdog revived it

    assert product_index_lookup(account_id=account.pk, productcodes=["demo_1"]) == {}
    run(shop, ps)
    assert sent_idproducts(picqer)[0] == ids_by_code(picqer)["demo_1"]


def test_deleted_and_recreated_product_costs_one_refused_attempt(
    shop, account, ps, picqer, rsps, trusted
):
    product_index_record(account_id=account.pk, products=as_products(picqer.products))
    old = next(p for p in picqer.products if p["productcode"] == "MUG-9")
    picqer.products.remove(old)  # deleted in Picqer, created again under a new id
    new = picqer.add_product("MUG-9")

    assert run(shop, ps) == OrderLink.State.CREATED

    assert len(order_posts(rsps)) == 2
    assert sent_idproducts(picqer)[-1] == new["idproduct"]
    assert old["idproduct"] not in sent_idproducts(picqer)
    assert index_of(account)["MUG-9"] == new["idproduct"]
    assert ActivityEntry.objects.filter(action="product_index_stale").exists()


@pytest.mark.parametrize(
    ("from_index", "posts"),
    [(True, 2), (False, 1)],
    ids=["index lines: one retry", "read lines: no retry"],
)
def test_an_unknown_product_answer_is_retried_at_most_once(
    shop, account, ps, picqer, rsps, from_index, posts
):
    if from_index:
        product_index_hooks_seen(account_id=account.pk, active=True)
        product_index_record(account_id=account.pk, products=as_products(picqer.products))
    picqer.refuse_create = json.loads(fixture_text("picqer_error_product_missing.json"))

    assert run(shop, ps) == OrderLink.State.FAILED
    assert len(order_posts(rsps)) == posts


def test_recreated_product_webhook_updates_the_index_before_any_order(
    shop, account, ps, picqer, rsps, trusted
):
    product_index_record(account_id=account.pk, products=as_products(picqer.products))
    old = next(p for p in picqer.products if p["productcode"] == "MUG-9")
    picqer.products.remove(old)
    new = picqer.add_product("MUG-9")

    assert product_index_product_changed(account=account, idproduct=new["idproduct"]) == "recorded"
    run(shop, ps)

    assert len(order_posts(rsps)) == 1
    assert sent_idproducts(picqer)[-1] == new["idproduct"]


@pytest.mark.parametrize("new_code", ["MUG-10", "mug-9"], ids=["renamed", "case changed"])
def test_a_changed_code_leaves_the_index_and_is_never_sent_for_the_old_code(
    shop, account, ps, picqer, rsps, trusted, new_code
):
    product_index_record(account_id=account.pk, products=as_products(picqer.products))
    product = next(p for p in picqer.products if p["productcode"] == "MUG-9")
    product["productcode"] = new_code  # edited in Picqer; the products.changed webhook comes

    product_index_product_changed(account=account, idproduct=product["idproduct"])
    run(shop, ps)

    assert "MUG-9" not in index_of(account)
    assert index_of(account)[new_code] == product["idproduct"]
    assert product["idproduct"] not in sent_idproducts(picqer)  # MUG-9 has no exact match
    assert "MUG-9" in OrderLink.objects.get(shop=shop).warning
    assert len(order_posts(rsps)) == 1


def test_a_product_gone_from_picqer_leaves_the_index_on_its_webhook(account, picqer, trusted):
    product_index_record(account_id=account.pk, products=as_products(picqer.products))
    gone = picqer.products.pop()

    assert (
        product_index_product_changed(account=account, idproduct=gone["idproduct"]) == "forgotten"
    )
    assert gone["productcode"] not in index_of(account)


def test_inactive_products_are_not_resolved_from_the_index(account, trusted):
    product_index_record(
        account_id=account.pk,
        products=as_products([{"productcode": "OLD", "idproduct": 5, "active": False}]),
    )

    assert product_index_lookup(account_id=account.pk, productcodes=["OLD"]) == {}


def test_lookup_is_exact_and_case_sensitive(account, trusted):
    product_index_record(
        account_id=account.pk,
        products=as_products(
            [{"productcode": "Abc", "idproduct": 5}, {"productcode": "abc ", "idproduct": 6}]
        ),
    )

    found = product_index_lookup(account_id=account.pk, productcodes=["abc", "ABC", "Abc"])

    assert {code: p.idproduct for code, p in found.items()} == {"Abc": 5}


def test_a_complete_listing_fills_the_index_and_drops_codes_it_no_longer_has(account):
    product_index_record(
        account_id=account.pk,
        products=as_products([{"productcode": "GONE", "idproduct": 1}]),
        now=timezone.now() - timedelta(minutes=1),
    )
    products = as_products(
        {
            "productcode": f"P{i}",
            "idproduct": 100 + i,
            "idvatgroup": 18,
            "price": 9.5,
            "active": True,
        }
        for i in range(250)
    )

    assert list(product_index_feed(account_id=account.pk, products=iter(products))) == products

    index = index_of(account)
    assert len(index) == 250 and "GONE" not in index
    assert ProductIndex.objects.get(account=account).filled_at is not None


def test_an_abandoned_listing_drops_nothing(account):
    product_index_record(
        account_id=account.pk,
        products=as_products([{"productcode": "KEEP", "idproduct": 1}]),
        now=timezone.now() - timedelta(minutes=1),
    )
    products = iter(as_products({"productcode": f"P{i}", "idproduct": 100 + i} for i in range(150)))
    feed = product_index_feed(account_id=account.pk, products=products)

    for _ in range(120):
        next(feed)
    feed.close()

    assert "KEEP" in index_of(account)
    assert ProductIndex.objects.filter(account=account, filled_at__isnull=False).count() == 0


def test_the_admin_shows_the_index_size_and_age(admin_client, account, trusted):
    product_index_record(
        account_id=account.pk,
        products=as_products({"productcode": f"P{i}", "idproduct": i} for i in range(1, 8)),
    )
    ProductIndex.objects.filter(account=account).update(
        filled_at=timezone.now() - timedelta(hours=3)
    )

    page = admin_client.get("/admin/sync/productindex/").content.decode()

    assert ">7<" in page
    assert "3\xa0hours ago" in page


def test_recording_again_writes_only_what_changed_and_refreshes_the_rest(account):
    earlier = timezone.now() - timedelta(hours=1)
    rows = [
        {"productcode": "A", "idproduct": 1, "price": 2.5},
        {"productcode": "B", "idproduct": 2, "price": 3},
        {"productcode": "C", "idproduct": 3, "price": 4},
    ]
    assert product_index_record(account_id=account.pk, products=as_products(rows), now=earlier) == 3

    rows[1]["price"] = 3.25  # a new price in Picqer
    rows[2]["productcode"] = "C2"  # a renamed code
    written = product_index_record(account_id=account.pk, products=as_products(rows))

    assert written == 2
    entries = {e.productcode: e for e in ProductIndexEntry.objects.filter(account=account)}
    assert set(entries) == {"A", "B", "C2"}
    assert str(entries["B"].price) == "3.2500"
    assert all(e.refreshed_at > earlier for e in entries.values())  # "A" refreshed too
