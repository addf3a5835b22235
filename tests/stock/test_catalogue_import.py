"""Bulk import into Picqer from the match report: the mapping on PrestaShop 1.6/1.7 records,
dry runs that send nothing, re-runs and interrupted runs that never create a code twice, and
updates of matched products that change only what was asked."""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from sync.mappers.catalogue_import import (
    ShopFacts,
    picqer_changes,
    picqer_product_body,
    tax_rates_by_group,
    weight_grams,
)
from sync.models import (
    ActivityEntry,
    CatalogueReport,
    CatalogueReportRow,
    ProductImportItem,
    ProductImportRun,
)
from sync.picqer.records import Product as PicqerProduct
from sync.picqer.records import vatgroup_parse
from sync.prestashop import xml as psxml
from sync.prestashop.records import Combination, Product, ProductOptionValue, Tax, TaxRule
from sync.services import catalogue_import
from sync.services.catalogue_import import (
    ImportRefused,
    product_import_claim,
    product_import_execute,
    product_import_request,
    product_import_sweep,
)

from .conftest import PICQER

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prestashop" / "catalogue_import"
PS_BASE = "https://shop.example.com/api/"
VATGROUPS = [
    {"idvatgroup": 1464, "name": "BTW Hoog", "percentage": 21},
    {"idvatgroup": 1465, "name": "BTW Laag", "percentage": 9},
    {"idvatgroup": 1466, "name": "Nultarief", "percentage": 0},
]
VATGROUP_RECORDS = [vatgroup_parse(v) for v in VATGROUPS]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00cover"
Item = ProductImportItem.State


RECORD_OF = {
    "products": Product,
    "combinations": Combination,
    "product_option_values": ProductOptionValue,
    "tax_rules": TaxRule,
    "taxes": Tax,
}


def records(name: str) -> list:
    """The fixture's records, parsed as the client parses them."""
    record = RECORD_OF[re.sub(r"(_nl|_\d+)?\.xml$", "", name)]
    return [
        record.from_xml(r) for r in psxml.list_to_dicts(psxml.parse((FIXTURES / name).read_bytes()))
    ]


def by_id(name: str) -> dict[int, Any]:
    return {r.id: r for r in records(name)}


def option_names() -> dict[int, str]:
    return {r.id: r.name for r in records("product_option_values_17.xml")}


NL = ShopFacts(tax_rates={1: Decimal(21), 9: Decimal(21), 2: Decimal(9), 4: Decimal("5.5")})


# -- the mapping ----------------------------------------------------------------------------


def test_a_16_product_maps_to_the_documented_picqer_body():
    products = by_id("products_16.xml")
    plain = picqer_product_body(products[1], None, facts=NL, vatgroups=VATGROUP_RECORDS)
    assert plain.problem == "" and plain.id_image == 1
    # EAN13 "0" is PrestaShop 1.6's empty value and weight 0 is no weight: both left out.
    assert plain.body == {
        "productcode": "demo_1",
        "name": "Faded Short Sleeve T-shirts",
        "price": 16.51,
        "idvatgroup": 1464,
    }
    dress = picqer_product_body(products[3], None, facts=NL, vatgroups=VATGROUP_RECORDS)
    assert dress.body == {
        "productcode": "demo_3",
        "name": "Printed Dress",
        "price": 25.999,
        "idvatgroup": 1464,
        "barcode": "8712345678906",
        "weight": 500,
    }


def test_a_17_combination_is_its_own_product_named_after_its_attribute_values():
    product = by_id("products_17.xml")[1]
    combinations = by_id("combinations_17.xml")
    facts = ShopFacts(tax_rates=NL.tax_rates, option_values=option_names())
    small = picqer_product_body(product, combinations[1], facts=facts, vatgroups=VATGROUP_RECORDS)
    assert small.body == {
        "productcode": "demo_1-S-WHITE",
        "name": "Hummingbird printed t-shirt — S, White",
        "price": 23.9,
        "idvatgroup": 1464,
        "barcode": "4006381333931",
        "weight": 300,
    }
    medium = picqer_product_body(product, combinations[2], facts=facts, vatgroups=VATGROUP_RECORDS)
    # Price and weight impacts are added; the product's own EAN is never the combination's.
    assert medium.body == {
        "productcode": "demo_1-M-BLACK",
        "name": "Hummingbird printed t-shirt — M, Black",
        "price": 26.4,
        "idvatgroup": 1464,
        "weight": 350,
    }
    assert small.id_image == 2 and small.notes == []


def test_without_attribute_names_a_combination_is_named_after_its_reference_and_says_so():
    product, combination = by_id("products_17.xml")[1], by_id("combinations_17.xml")[1]
    mapped = picqer_product_body(product, combination, facts=NL, vatgroups=VATGROUP_RECORDS)
    assert mapped.body["name"] == "Hummingbird printed t-shirt — demo_1-S-WHITE"
    assert "attribute names could not be read" in mapped.notes[0]


def test_the_vat_group_is_the_rate_of_the_tax_rules_group_in_the_shops_country():
    rates = tax_rates_by_group(records("tax_rules_nl.xml"), records("taxes.xml"))
    assert rates == {0: 0, 9: 21, 2: 9, 4: Decimal("5.5")}
    products = by_id("products_17.xml")
    facts = ShopFacts(tax_rates=rates)
    assert (
        picqer_product_body(products[7], None, facts=facts, vatgroups=VATGROUP_RECORDS).body[
            "idvatgroup"
        ]
        == 1465
    )
    mug = picqer_product_body(products[19], None, facts=facts, vatgroups=VATGROUP_RECORDS)
    assert "no Picqer VAT group has 5.5 %" in mug.problem
    unknown = picqer_product_body(
        products[19], None, facts=ShopFacts(tax_readable=False), vatgroups=VATGROUP_RECORDS
    )
    assert "read access to tax_rules and taxes" in unknown.problem


def test_a_state_rule_never_overrides_the_country_wide_rate():
    rules = [
        TaxRule(1, id_tax_rules_group=1, id_state=5, zipcode_from="0", id_tax=2),
        TaxRule(2, id_tax_rules_group=1, id_state=0, zipcode_from="0", id_tax=1),
        TaxRule(3, id_tax_rules_group=1, id_state=7, zipcode_from="0", id_tax=2),
    ]
    taxes = [Tax(1, rate=Decimal("21.000")), Tax(2, rate=Decimal("8.000"))]
    assert tax_rates_by_group(rules, taxes)[1] == 21


@pytest.mark.parametrize(("unit", "grams"), [("kg", 1250), ("g", 1), ("lb", 567), ("KG ", 1250)])
def test_weights_are_sent_in_grams(unit, grams):
    assert weight_grams(Decimal("1.25"), unit) == grams


def test_an_unknown_weight_unit_leaves_the_weight_out_and_says_so():
    product = by_id("products_16.xml")[3]
    mapped = picqer_product_body(
        product,
        None,
        facts=ShopFacts(tax_rates=NL.tax_rates, weight_unit="stone"),
        vatgroups=VATGROUP_RECORDS,
    )
    assert "weight" not in mapped.body and "'stone' unknown" in mapped.notes[0]


def test_changes_cover_only_the_chosen_fields_and_never_clear_a_barcode():
    current = PicqerProduct(
        idproduct=1, productcode="P", name="Old", price=Decimal("23.9"), barcode="123"
    )
    wanted = {"name": "New", "price": 23.90001, "barcode": ""}
    assert picqer_changes(current, wanted, ["price", "barcode"]) == {}
    assert picqer_changes(current, wanted, ["name"]) == {"name": ["Old", "New"]}
    with pytest.raises(ValueError):
        picqer_changes(current, wanted, ["idvatgroup"])


# -- the service, against PrestaShop 1.7 and Picqer behind `responses` --------------------


class FixtureShop:
    """The PrestaShop 1.7 webservice answering the fixture lists (it filters by id as the
    shop does) and the cover image."""

    FILES = {
        "products": "products_17.xml",
        "combinations": "combinations_17.xml",
        "product_option_values": "product_option_values_17.xml",
        "tax_rules": "tax_rules_nl.xml",
        "taxes": "taxes.xml",
        "configurations": "configurations.xml",
    }

    def __init__(self, rsps):
        self.calls: list[str] = []
        rsps.add_callback("GET", re.compile(re.escape(PS_BASE) + r".*"), callback=self._get)

    def _get(self, request):
        url = urlsplit(request.url)
        resource = url.path.removeprefix("/api/")
        self.calls.append(resource)
        headers = {"PSWS-Version": "1.7.8.11", "Content-Type": "text/xml;charset=utf-8"}
        if resource.startswith("images/products/"):
            return 200, {"Content-Type": "image/jpeg"}, JPEG
        text = (FIXTURES / self.FILES[resource]).read_text()
        wanted = dict(parse_qsl(url.query)).get("filter[id]")
        if wanted:
            ids = set(wanted.strip("[]").split("|"))
            text = re.sub(
                r"<(product|combination|product_option_value|tax)\b[^>]*>\s*<id>"
                r"<!\[CDATA\[(\d+)\]\]></id>.*?</\1>",
                lambda m: m.group(0) if m.group(2) in ids else "",
                text,
                flags=re.S,
            )
        return 200, headers, text


class FakePicqer:
    """Picqer's product endpoints: lookup by productcode (an array), create (a duplicate
    productcode is refused), update, images, VAT groups. `crash_after_create` makes one POST
    save the product and then kill the process before the answer arrives."""

    def __init__(self, rsps):
        self.products: dict[int, dict] = {}
        self.posts: list[dict] = []
        self.puts: list[tuple[int, dict]] = []
        self.images: list[int] = []
        self.crash_after_create: str = ""
        base = re.escape(PICQER)
        rsps.add_callback(
            "GET",
            re.compile(base + r"vatgroups.*"),
            callback=lambda r: (200, {}, json.dumps(VATGROUPS)),
        )
        rsps.add_callback("GET", re.compile(base + r"products(\?.*)?$"), callback=self._list)
        rsps.add_callback("GET", re.compile(base + r"products/\d+$"), callback=self._get)
        rsps.add_callback("POST", re.compile(base + r"products$"), callback=self._create)
        rsps.add_callback("PUT", re.compile(base + r"products/\d+$"), callback=self._update)
        rsps.add_callback("POST", re.compile(base + r"products/\d+/images$"), callback=self._image)

    def add(self, idproduct: int, code: str, **fields) -> dict:
        product = {
            "idproduct": idproduct,
            "idvatgroup": 1464,
            "productcode": code,
            "name": code,
            "price": 10.0,
            "barcode": "",
            "weight": 0,
            "type": "normal",
            "unlimitedstock": False,
            "active": True,
            "images": [],
            "stock": [],
            **fields,
        }
        self.products[idproduct] = product
        return product

    def posts_of(self, code: str) -> int:
        return sum(1 for body in self.posts if body["productcode"] == code)

    def _list(self, request):
        query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
        items = [p for p in self.products.values() if p["active"] or "inactive" in query]
        if "productcode" in query:
            items = [p for p in items if p["productcode"].lower() == query["productcode"].lower()]
        offset = int(query.get("offset") or 0)
        return 200, {}, json.dumps(items[offset : offset + 100])

    def _get(self, request):
        return 200, {}, json.dumps(self.products[int(request.url.rsplit("/", 1)[1])])

    def _create(self, request):
        body = json.loads(request.body)
        self.posts.append(body)
        if any(p["productcode"] == body["productcode"] for p in self.products.values()):
            return (
                400,
                {},
                json.dumps(
                    {"error": True, "error_code": 40, "error_message": "Productcode already exists"}
                ),
            )
        product = self.add(max(self.products, default=100) + 1, body["productcode"], **body)
        if body["productcode"] == self.crash_after_create:
            raise KeyboardInterrupt("worker killed")  # saved; the answer never arrives
        return 201, {}, json.dumps(product)

    def _update(self, request):
        idproduct = int(request.url.rsplit("/", 1)[1])
        body = json.loads(request.body)
        self.puts.append((idproduct, body))
        self.products[idproduct].update(body)
        return 200, {}, json.dumps(self.products[idproduct])

    def _image(self, request):
        idproduct = int(request.url.rsplit("/", 2)[1])
        assert json.loads(request.body)["image"]  # base64 of the PrestaShop file
        self.images.append(idproduct)
        self.products[idproduct]["images"].append(f"/files/{idproduct}/original.jpg")
        return 200, {}, json.dumps(self.products[idproduct])


@pytest.fixture
def ps_shop(rsps):
    return FixtureShop(rsps)


@pytest.fixture
def picqer(rsps):
    return FakePicqer(rsps)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    published: list[tuple[int, float]] = []
    monkeypatch.setattr(
        catalogue_import,
        "product_import_publish",
        lambda run_id, countdown=0: published.append((run_id, countdown)),
    )
    return published


ONLY_IN_PS = [
    ("demo_1-S-WHITE", 1, 1),
    ("demo_1-M-BLACK", 1, 2),
    ("demo_12", 7, None),
    ("demo_19", 19, None),
]
CREATABLE = ["demo_1-S-WHITE", "demo_1-M-BLACK", "demo_12"]


@pytest.fixture
def report(shop):
    report = CatalogueReport.objects.create(shop=shop, state=CatalogueReport.State.DONE)
    for reference, id_product, id_attribute in ONLY_IN_PS:
        CatalogueReportRow.objects.create(
            report=report,
            reference=reference,
            status="only_in_prestashop",
            ps_id_product=id_product,
            ps_id_product_attribute=id_attribute,
        )
    return report


def run_now(report, **kwargs) -> ProductImportRun:
    """Request a run and work it through here, as the worker would."""
    run = product_import_request(report=report, **kwargs)
    claimed = product_import_claim(run.pk)
    assert product_import_execute(claimed) is None
    claimed.refresh_from_db()
    return claimed


def test_a_dry_run_shows_the_mapped_products_and_sends_nothing(report, ps_shop, picqer, rsps):
    run = run_now(report, dry_run=True)
    assert [c.request.method for c in rsps.calls if c.request.url.startswith(PICQER)] == ["GET"]
    assert picqer.posts == [] and picqer.images == []
    items = {i.reference: i for i in run.items.all()}
    assert items["demo_1-S-WHITE"].body["name"] == "Hummingbird printed t-shirt — S, White"
    assert items["demo_12"].body == {
        "productcode": "demo_12",
        "name": "Mountain fox - Vector graphics",
        "price": 9.0,
        "idvatgroup": 1465,
    }
    assert items["demo_19"].state == Item.SKIPPED and "5.5 %" in items["demo_19"].detail
    assert (run.state, run.planned, run.created, run.skipped) == ("done", 4, 0, 1)
    assert run.message.startswith("would create 3")


def test_a_run_creates_each_product_once_with_its_image_and_logs_each(report, ps_shop, picqer):
    run = run_now(report, dry_run=False)
    assert [body["productcode"] for body in picqer.posts] == CREATABLE
    assert picqer.posts[0] == {
        "productcode": "demo_1-S-WHITE",
        "name": "Hummingbird printed t-shirt — S, White",
        "price": 23.9,
        "idvatgroup": 1464,
        "barcode": "4006381333931",
        "weight": 300,
    }
    assert (run.created, run.adopted, run.skipped, run.failed, run.processed) == (3, 0, 1, 0, 4)
    # Both combinations share the product's cover image; the fox has none.
    assert sorted(picqer.images) == sorted(
        i.picqer_idproduct for i in run.items.filter(reference__startswith="demo_1-")
    )
    logged = dict(
        ActivityEntry.objects.filter(action__startswith="product_import_").values_list(
            "product_reference", "action"
        )
    )
    assert logged == {
        "demo_1-S-WHITE": "product_import_created",
        "demo_1-M-BLACK": "product_import_created",
        "demo_12": "product_import_created",
        "demo_19": "product_import_skipped",
        "": "product_import_done",
    }


def test_a_second_run_creates_nothing_twice(report, ps_shop, picqer):
    run_now(report, dry_run=False)
    again = run_now(report, dry_run=False)
    assert all(picqer.posts_of(code) == 1 for code in CREATABLE)
    assert (again.created, again.adopted) == (0, 3)
    assert len(picqer.images) == 2  # an adopted product that has an image gets no second


def test_an_interrupted_run_resumes_and_adopts_what_it_had_created(
    report, ps_shop, picqer, no_broker, settings
):
    picqer.crash_after_create = "demo_1-M-BLACK"
    run = product_import_request(report=report, dry_run=False)
    with pytest.raises(KeyboardInterrupt):
        product_import_execute(product_import_claim(run.pk))
    run.refresh_from_db()
    assert run.state == "running" and run.created == 1  # killed: nothing recorded the 2nd
    # The sweep leaves a live run alone, and resumes one that stopped beating.
    assert product_import_sweep()["resumed"] == 0
    ProductImportRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.PRODUCT_IMPORT_STALE_SECONDS + 1)
    )
    assert product_import_sweep()["resumed"] == 1 and (run.pk, 0) in no_broker
    assert product_import_request(report=report, dry_run=False).pk == run.pk  # not a 2nd run
    assert product_import_execute(product_import_claim(run.pk)) is None
    run.refresh_from_db()
    assert all(picqer.posts_of(code) == 1 for code in CREATABLE)
    assert (run.state, run.created, run.adopted, run.processed) == ("done", 2, 1, 4)
    assert run.items.get(reference="demo_1-M-BLACK").state == Item.ADOPTED
    assert ActivityEntry.objects.filter(action="product_import_resumed").count() == 1


def test_an_image_whose_sending_was_interrupted_is_not_sent_again(report, ps_shop, picqer):
    run = run_now(report, dry_run=False)
    item = run.items.get(reference="demo_1-S-WHITE")
    item.image = ProductImportItem.Image.SENDING  # as a kill after the image POST leaves it
    item.save()
    ProductImportRun.objects.filter(pk=run.pk).update(state="queued")
    product_import_execute(product_import_claim(run.pk))
    assert len(picqer.images) == 2
    assert run.items.get(pk=item.pk).image == ProductImportItem.Image.SENT


def test_a_code_picqer_already_has_inactive_is_taken_over(report, ps_shop, picqer):
    picqer.add(500, "demo_12", active=False)
    run = run_now(report, dry_run=False)
    assert run.items.get(reference="demo_12").picqer_idproduct == 500
    assert (run.created, run.adopted) == (2, 1)


@pytest.fixture
def matched(shop, picqer):
    report = CatalogueReport.objects.create(shop=shop, state=CatalogueReport.State.DONE)
    for reference, id_product, id_attribute, idproduct in [
        ("demo_1-S-WHITE", 1, 1, 201),
        ("demo_12", 7, None, 202),
    ]:
        CatalogueReportRow.objects.create(
            report=report,
            reference=reference,
            status="matched",
            ps_id_product=id_product,
            ps_id_product_attribute=id_attribute,
            picqer_idproduct=idproduct,
        )
    picqer.add(201, "demo_1-S-WHITE", name="T-shirt S white", price=20.0, barcode="")
    picqer.add(202, "demo_12", name="Mountain fox - Vector graphics", price=9.0, barcode="999")
    return report


def test_matched_products_are_updated_only_in_the_fields_asked(matched, ps_shop, picqer):
    dry = run_now(matched, kind="update", fields=["price"], dry_run=True)
    assert picqer.puts == [] and dry.message.startswith("would update 1")
    assert dry.items.get(reference="demo_1-S-WHITE").body == {"price": [20.0, 23.9]}
    run = run_now(matched, kind="update", fields=["price", "barcode"], dry_run=False)
    # demo_12: equal price, and an empty EAN never clears Picqer's barcode.
    assert picqer.puts == [(201, {"price": 23.9, "barcode": "4006381333931"})]
    assert picqer.products[201]["name"] == "T-shirt S white"
    assert (run.updated, run.unchanged) == (1, 1) and picqer.posts == []


def test_a_create_run_never_touches_matched_products(matched, ps_shop, picqer):
    run = run_now(matched, dry_run=False)
    assert run.planned == 0 and picqer.posts == [] and picqer.puts == []


def test_refusals_are_clear(shop, report):
    running = CatalogueReport.objects.create(shop=shop)
    with pytest.raises(ImportRefused, match="not done"):
        product_import_request(report=running)
    with pytest.raises(ImportRefused, match="choose what to update"):
        product_import_request(report=report, kind="update", fields=["idvatgroup"])


def test_the_command_runs_a_dry_run_and_then_the_import(report, ps_shop, picqer, capsys):
    call_command(
        "catalogue_import", "--shop", str(report.shop_id), "--report", str(report.pk), "--dry-run"
    )
    out = capsys.readouterr().out
    assert "demo_12\tTo do\t" in out and "would create 3" in out and picqer.posts == []
    call_command("catalogue_import", "--shop", str(report.shop_id), "--report", str(report.pk))
    assert "3 created" in capsys.readouterr().out and len(picqer.posts) == 3


# -- the admin ------------------------------------------------------------------------------


@pytest.fixture
def viewer(client, django_user_model):
    """Staff who may read reports but not import (no prestapicqer.import_products)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_cataloguereport"))
    client.force_login(user)
    return client


def test_the_admin_dry_run_comes_first_then_its_page_offers_the_import(
    admin_client, report, ps_shop, picqer, no_broker, django_capture_on_commit_callbacks
):
    page = admin_client.get(f"/admin/sync/cataloguereport/{report.pk}/rows/").content.decode()
    assert "Dry run: products to create in Picqer" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(
            f"/admin/sync/cataloguereport/{report.pk}/import/", {"kind": "create"}
        )
    dry = ProductImportRun.objects.get()
    assert answer.status_code == 302 and dry.dry_run and no_broker == [(dry.pk, 0)]
    product_import_execute(product_import_claim(dry.pk))
    html = admin_client.get(f"/admin/sync/cataloguereport/import/{dry.pk}/").content.decode()
    assert "Create these 3 products in Picqer" in html and "Mountain fox" in html
    assert picqer.posts == []
    admin_client.post(f"/admin/sync/cataloguereport/import/{dry.pk}/confirm/")
    real = ProductImportRun.objects.exclude(pk=dry.pk).get()
    assert not real.dry_run and real.kind == "create" and real.state == "queued"


def test_importing_needs_its_own_permission(viewer, report):
    assert viewer.get(f"/admin/sync/cataloguereport/{report.pk}/rows/").status_code == 200
    assert (
        "Dry run: products"
        not in viewer.get(f"/admin/sync/cataloguereport/{report.pk}/rows/").content.decode()
    )
    answer = viewer.post(f"/admin/sync/cataloguereport/{report.pk}/import/", {"kind": "create"})
    assert answer.status_code == 403 and not ProductImportRun.objects.exists()


def test_a_worker_whose_run_the_sweep_gave_away_sends_nothing_more(report, ps_shop, picqer):
    run = product_import_request(report=report, dry_run=False)
    claimed = product_import_claim(run.pk)
    ProductImportRun.objects.filter(pk=run.pk).update(state="queued")  # as the sweep does
    assert product_import_execute(claimed) is None
    assert picqer.posts == [] and ProductImportRun.objects.get(pk=run.pk).state == "queued"


def test_a_plan_interrupted_halfway_is_made_again_without_twins(report, ps_shop, picqer):
    run = product_import_request(report=report, dry_run=False)
    ProductImportItem.objects.create(run=run, reference="demo_12", body={"productcode": "x"})
    ProductImportRun.objects.filter(pk=run.pk).update(skipped=1, processed=1)
    assert product_import_execute(product_import_claim(run.pk)) is None
    run.refresh_from_db()
    assert run.items.count() == 4 and (run.created, run.skipped, run.processed) == (3, 1, 4)
    assert picqer.posts_of("demo_12") == 1


def test_an_import_spreads_its_calls_over_its_share_of_the_budget(
    shop, clock, settings, monkeypatch
):
    from sync.picqer.client import PicqerClient
    from sync.services.catalogue_import import PacedPicqerClient

    settings.PICQER_RATE_LIMIT_PER_MINUTE, settings.PRODUCT_IMPORT_BUDGET_SHARE = 480, 0.5
    sent = []
    monkeypatch.setattr(PicqerClient, "request", lambda self, *a, **k: sent.append(clock.now))
    client = PacedPicqerClient.for_account(shop.account)
    for _ in range(3):
        client.request("GET", "vatgroups")
    # 240 calls a minute: one every 0.25 s, whatever the per-minute window would allow.
    assert [round(b - a, 3) for a, b in itertools.pairwise(sent)] == [0.25, 0.25]
