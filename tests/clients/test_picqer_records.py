"""sync.picqer.records: Picqer's JSON (the recorded fixture files) as typed records, and every
malformed answer as ApiResponseError, never a KeyError or ValueError."""

import json
from decimal import Decimal

import pytest
import responses

from sync.http.errors import ApiResponseError
from sync.picqer import records
from sync.picqer.client import PicqerClient

from .conftest import FIXTURES, PICQER, picqer_fixture


def webhook_fixture(name: str) -> dict:
    return json.loads((FIXTURES / "picqer_webhooks" / f"{name}.json").read_text())


def test_an_order_keeps_its_ids_status_tags_lines_and_picklists():
    order = records.order_parse(picqer_fixture("order"))

    assert (order.idorder, order.orderid, order.reference, order.status) == (
        240350427,
        "O2026-1002",
        "DEV-5",
        "concept",
    )
    assert order.number == "O2026-1002"
    assert order.tags == (records.Tag(idtag=1075, title="TopWebshop"),)
    assert order.products == (
        records.OrderLine(
            idproduct=633,
            productcode="6531-RB-7-9",
            name="Hyperkewl Evaporative Cooling Vest Ultra Blue 7-9",
            amount=1,
            price=Decimal("64.46"),
        ),
    )
    assert order.picklists == (records.Picklist(idpicklist=439, idorder=240350427, status="new"),)


def test_an_order_without_picklists_or_reference_says_so():
    raw = {k: v for k, v in picqer_fixture("order").items() if k != "picklists"}
    order = records.order_parse({**raw, "reference": None, "orderid": None, "tags": []})

    assert order.picklists is None  # the client then asks GET /picklists
    assert order.reference is None
    assert order.tags == ()
    assert order.number == "240350427"


def test_a_product_keeps_price_vat_group_flags_images_and_stock():
    product = records.product_parse(picqer_fixture("product"))

    assert (product.idproduct, product.productcode, product.idvatgroup) == (138, "6531-RB-7-9", 18)
    assert product.price == Decimal("54.46")
    assert (product.active, product.unlimitedstock, product.type) == (True, False, "normal")
    assert product.barcode == "857825001442"
    assert len(product.images) == 1
    assert product.stock == (records.StockRow(idwarehouse=18, stock=35, freestock=35),)


def test_a_product_without_stock_or_flags_gets_the_documented_defaults():
    product = records.product_parse({"idproduct": 7, "productcode": "X"})

    assert product.stock is None
    assert (product.active, product.unlimitedstock, product.price, product.idvatgroup) == (
        True,
        False,
        None,
        None,
    )


def test_stock_rows_and_warehouse_stock_items():
    rows = [records.stock_row_parse(r) for r in picqer_fixture("product")["stock"]]
    items = [records.warehouse_stock_item_parse(i) for i in picqer_fixture("warehouse_stock")]

    assert rows == [records.StockRow(idwarehouse=18, stock=35, freestock=35)]
    assert items == [
        records.WarehouseStockItem(idproduct=138, productcode="6531-RB-7-9", freestock=35),
        records.WarehouseStockItem(idproduct=139, productcode="6531-RE", freestock=3),
    ]
    assert records.stock_row_parse({"idwarehouse": 1, "freestock": -3}).freestock == -3


def test_a_shipment_keeps_provider_names_tracking_and_parcels():
    (shipment,) = [records.shipment_parse(s) for s in picqer_fixture("picklist_shipments")]

    assert (shipment.providername, shipment.public_providername) == ("PostNL", "PostNL")
    assert shipment.trackingcode == "3SDEVC931341234"
    assert shipment.tracktraceurl == "https://example.com/tracktrace/"
    assert shipment.cancelled is False
    assert shipment.parcels == (
        records.Parcel(
            tracking_code="3SDEVC931341234", tracking_url="https://example.com/tracktrace/"
        ),
    )


def test_hooks_vat_groups_and_the_rest_of_the_reference_data():
    hook = records.hook_parse(picqer_fixture("hook"))
    vatgroups = [records.vatgroup_parse(v) for v in picqer_fixture("vatgroups")]

    assert (hook.idhook, hook.event, hook.active) == (30088, "orders.status_changed", True)
    assert hook.address.startswith("https://sync.example.com/webhooks/picqer/")
    assert [(v.idvatgroup, v.percentage) for v in vatgroups] == [
        (1464, Decimal(21)),
        (1465, Decimal(6)),
        (1466, Decimal(0)),
    ]
    assert records.warehouse_parse({"idwarehouse": 18, "name": "Main"}).active is True
    assert records.comment_parse({"idcomment": 3}) == records.Comment(idcomment=3, body="")


@pytest.mark.parametrize(
    "parse, raw, problem",
    [
        (records.order_parse, [], "order that is not a JSON object"),
        (records.order_parse, {"orderid": "O1"}, "order without idorder"),
        (records.order_parse, {"idorder": "abc"}, "order whose idorder 'abc' is not a Picqer id"),
        (records.order_parse, {"idorder": 1, "status": {"a": 1}}, "status {'a': 1} is not text"),
        (records.order_parse, {"idorder": 1, "tags": "x"}, "tags 'x' is not a list"),
        (records.order_parse, {"idorder": 1, "tags": [{"title": "T"}]}, "tag without idtag"),
        (records.product_parse, {"idproduct": True}, "idproduct True is not a Picqer id"),
        (records.product_parse, {"idproduct": 1, "price": "cheap"}, "price 'cheap' is not a"),
        (records.product_parse, {"idproduct": 1, "price": "NaN"}, "price 'NaN' is not a number"),
        (records.product_parse, {"idproduct": 1, "active": "yes"}, "active 'yes' is not true"),
        (records.product_parse, {"idproduct": 1, "stock": [{"freestock": 1}]}, "without idwar"),
        (records.stock_row_parse, {"idwarehouse": 1, "freestock": 1.5}, "is not a whole"),
        (records.warehouse_stock_item_parse, {"idproduct": 1, "stock": 3}, "not a JSON object"),
        (records.hook_parse, {"idhook": 1, "event": "e"}, "active None is not true or false"),
        (records.vatgroup_parse, {"idvatgroup": 1}, "percentage None is not a number"),
        (records.shipment_parse, {"parcels": [{"tracking_code": ["x"]}]}, "is not text"),
    ],
)
def test_a_malformed_answer_is_an_api_response_error(parse, raw, problem):
    with pytest.raises(ApiResponseError, match=problem) as raised:
        parse(raw)

    assert raised.value.service == "Picqer"


@pytest.mark.parametrize("bad", [None, {}, 0, -1, 1.5, "1e3", " 7", "²", 2**31])
def test_an_id_is_a_positive_32_bit_whole_number(bad):
    assert records.picqer_id_parse(bad) is None
    assert records.picqer_id_parse("42") == records.picqer_id_parse(42) == 42


@responses.activate
def test_the_client_raises_the_parse_error_for_a_garbage_answer(account):
    responses.get(PICQER + "orders/1", json={"idorder": "one"})
    responses.get(PICQER + "hooks", json={"not": "a list"})

    with pytest.raises(ApiResponseError, match="idorder 'one'"):
        PicqerClient.for_account(account).order_get(1)
    with pytest.raises(ApiResponseError, match="expected a list from hooks"):
        PicqerClient.for_account(account).hooks_list()


def test_a_delivery_names_the_order_or_product_it_is_about():
    order = records.delivery_data_parse(webhook_fixture("orders.status_changed__completed"))
    shipment = records.delivery_data_parse(webhook_fixture("picklists.shipments.created__single"))
    product = records.delivery_data_parse(webhook_fixture("products.free_stock_changed__single"))
    other = records.delivery_data_parse(webhook_fixture("tasks.created__single"))

    assert (order.idorder, shipment.idorder, product.idproduct) == (240350427, 240350427, 138)
    assert other.idorder is None and other.idproduct is None
    assert product.idorder_problem == "payload has no idorder"


def test_a_delivery_with_a_junk_id_says_what_it_carried():
    data = records.delivery_data_parse({"data": {"idproduct": "²", "idorder": "x" * 80}})

    assert (data.idorder, data.idproduct) == (None, None)
    assert data.idproduct_problem.startswith("payload idproduct '²' is not a Picqer id")
    assert f"payload idorder '{'x' * 36}... is not a Picqer id" in data.idorder_problem
