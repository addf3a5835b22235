"""The PrestaShop webservice emulator over real HTTP: auth, XML shapes, filters, writes."""

from xml.etree import ElementTree

import pytest

pytestmark = pytest.mark.e2e
XLINK = "{http://www.w3.org/1999/xlink}href"


def _text(node, path):
    return node.find(path).text or ""


def test_it_answers_a_missing_key_with_a_plain_401_and_www_authenticate(ps):
    missing = ps("GET", "orders", user=None)
    wrong = ps("GET", "orders", user="X" * 32)

    assert missing.status == 401
    assert missing.body == b"401 Unauthorized"
    assert "PrestaShop Webservice" in missing.headers["WWW-Authenticate"]
    assert "PSWS-Version" not in missing.headers
    assert wrong.status == 401
    assert wrong.xml().find("errors/error/code").text == "20"


def test_records_are_cdata_xml_with_xlinks_and_order_rows(sandbox_server, ps):
    sandbox_server.seed(products=2, orders=1, seed=1)

    answer = ps("GET", "orders/1")
    order = answer.xml().find("order")

    assert answer.headers["PSWS-Version"] == "1.7.8.11"
    assert b"<id><![CDATA[1]]></id>" in answer.body
    assert order.find("id_customer").get(XLINK).endswith("/prestashop/api/customers/1")
    assert order.find("shipping_number").get("notFilterable") == "true"
    assert order.find("associations/order_rows").get("virtualEntity") == "true"
    assert _text(order, "associations/order_rows/order_row/product_reference").startswith("SB-")


def test_lists_are_minimal_unless_display_asks_for_fields(sandbox_server, ps):
    sandbox_server.seed(products=3, seed=2)

    minimal = ps("GET", "products").xml().find("products")
    partial = ps("GET", "products?display=[id,reference]").xml().find("products")
    bad = ps("GET", "products?display=[id,nope]")
    missing = ps("GET", "products/999")

    assert [p.get("id") for p in minimal] == ["1", "2", "3"]
    assert minimal[0].get(XLINK).endswith("/api/products/1")
    assert [c.tag for c in partial[0]] == ["id", "reference"]
    assert (bad.status, bad.xml().find("errors/error/code").text) == (400, "35")
    assert (missing.status, missing.body) == (404, b"")


def test_multilang_fields_carry_every_language(sandbox_server, ps):
    sandbox_server.seed(products=1, seed=3)

    name = ps("GET", "products/1").xml().find("product/name")

    assert [lang.get("id") for lang in name] == ["1", "2"]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("filter[reference]=[SB-00001|SB-00003]", ["1", "3"]),
        ("filter[id]=[2,4]", ["2", "3", "4"]),
        ("filter[id]=>[3]", ["4", "5"]),
        ("filter[id]=<[2]", ["1"]),
        ("filter[reference]=%[0004]%", ["4"]),
        ("filter[reference]=sb-00005", ["5"]),  # MySQL collation: case-insensitive
        ("filter[id]=![1|2]", ["3", "4", "5"]),
    ],
)
def test_filters_follow_prestashop_syntax(sandbox_server, ps, filter_, expected):
    sandbox_server.seed(products=5, seed=4)

    items = ps("GET", f"products?{filter_}").xml().find("products")

    assert [p.get("id") for p in items] == expected


def test_date_filters_and_sorts_need_date_1(sandbox_server, ps):
    sandbox_server.seed(products=1, orders=2, seed=5)

    without = ps("GET", "orders?filter[date_upd]=>[2000-01-01 00:00:00]")
    sort_without = ps("GET", "orders?sort=[date_upd_DESC]")
    with_date = ps(
        "GET", "orders?date=1&filter[date_upd]=>[2000-01-01 00:00:00]&sort=[date_upd_DESC,id_DESC]"
    )

    assert (without.status, without.xml().find("errors/error/code").text) == (400, "32")
    assert sort_without.status == 400
    assert [o.get("id") for o in with_date.xml().find("orders")] == ["2", "1"]


def test_limit_takes_count_or_offset_and_count(sandbox_server, ps):
    sandbox_server.seed(products=5, seed=6)

    first = ps("GET", "products?sort=[id_ASC]&limit=2").xml().find("products")
    page = ps("GET", "products?sort=[id_ASC]&limit=2,2").xml().find("products")
    bad = ps("GET", "products?limit=a")

    assert [p.get("id") for p in first] == ["1", "2"]
    assert [p.get("id") for p in page] == ["3", "4"]
    assert bad.status == 400


def _stock_row_id(ps):
    rows = ps("GET", "stock_availables?filter[id_product]=1&filter[id_product_attribute]=0")
    return rows.xml().find("stock_availables")[0].get("id")


def test_put_replaces_the_whole_record_and_wipes_missing_fields(sandbox_server, ps):
    sandbox_server.seed(products=1, seed=7)
    row_id = _stock_row_id(ps)
    body = (
        f"<prestashop><stock_available><id>{row_id}</id><id_product>1</id_product>"
        "<id_product_attribute>0</id_product_attribute><quantity>42</quantity>"
        "<depends_on_stock>0</depends_on_stock><out_of_stock>2</out_of_stock>"
        "</stock_available></prestashop>"
    )

    answer = ps("PUT", "stock_availables", body)
    row = answer.xml().find("stock_available")
    default_shop_list = ps("GET", "stock_availables?filter[id_product]=1").xml()

    assert answer.status == 200
    assert _text(row, "quantity") == "42"
    assert _text(row, "id_shop") == "0"  # the real "PUT without id_shop breaks stock" bug
    assert len(default_shop_list.find("stock_availables")) == 0


def test_put_without_an_id_is_refused_with_code_90(ps):
    answer = ps(
        "PUT",
        "order_carriers",
        "<prestashop><order_carrier><tracking_number>X"
        "</tracking_number></order_carrier></prestashop>",
    )

    assert (answer.status, answer.xml().find("errors/error/code").text) == (400, "90")


def test_patch_exists_only_when_emulating_8x(sandbox_server, ps):
    sandbox_server.seed(products=1, seed=8)
    row_id = _stock_row_id(ps)
    body = (
        f"<prestashop><stock_available><id>{row_id}</id><quantity>7</quantity>"
        "</stock_available></prestashop>"
    )

    on_17 = ps("PATCH", f"stock_availables/{row_id}", body)
    sandbox_server.knobs(ps_version="8.1.7")
    on_8 = ps("PATCH", f"stock_availables/{row_id}", body)
    row = on_8.xml().find("stock_available")

    assert (on_17.status, on_17.xml().find("errors/error/code").text) == (405, "23")
    assert on_8.status == 200
    assert on_8.headers["PSWS-Version"] == "8.1.7"
    assert (_text(row, "quantity"), _text(row, "id_shop")) == ("7", "1")


def test_emulating_16_drops_the_messages_resource_and_the_order_note(sandbox_server, ps):
    sandbox_server.seed(products=1, orders=1, seed=9)
    sandbox_server.knobs(ps_version="1.6.1.23")

    messages = ps("GET", "messages?filter[id_order]=1&display=full")
    order = ps("GET", "orders/1").xml().find("order")
    sandbox_server.knobs(ps_version="1.7.8.11")
    order_17 = ps("GET", "orders/1").xml().find("order")

    assert (messages.status, messages.xml().find("errors/error/code").text) == (400, "27")
    assert order.find("note") is None
    assert order.find("id_customer") is not None
    assert order_17.find("note") is not None


def test_a_limited_page_in_id_order_skips_to_the_cursor_and_keeps_filters(sandbox_server, ps):
    sandbox_server.seed(products=6, with_combinations=2, seed=10)

    rows = ps(
        "GET",
        "stock_availables?display=[id,id_product_attribute]&sort=[id_ASC]"
        "&limit=3&filter[id]=>[2]&filter[id_product_attribute]=0",
    )
    ids = [r.find("id").text for r in rows.xml().find("stock_availables")]
    every = (
        ps(
            "GET",
            "stock_availables?display=[id,id_product_attribute]&sort=[id_DESC]"
            "&filter[id_product_attribute]=0",
        )
        .xml()
        .find("stock_availables")
    )
    expected = sorted(int(r.find("id").text) for r in every if int(r.find("id").text) > 2)[:3]

    assert [int(i) for i in ids] == expected
    assert len(ids) == 3


def test_posting_an_order_history_changes_the_order_state_and_date_upd(sandbox_server, ps):
    sandbox_server.seed(products=1, orders=1, seed=9)
    before = ps("GET", "orders/1").xml().find("order")

    created = ps(
        "POST",
        "order_histories?sendemail=1",
        "<prestashop><order_history><id_order>1</id_order>"
        "<id_order_state>4</id_order_state></order_history></prestashop>",
    )
    after = ps("GET", "orders/1").xml().find("order")
    histories = ps("GET", "order_histories?filter[id_order]=1&display=full").xml()

    assert created.status == 201
    assert _text(after, "current_state") == "4"
    assert _text(after, "delivery_number") != "0"
    assert _text(after, "date_upd") >= _text(before, "date_upd")
    assert [_text(h, "id_order_state") for h in histories.find("order_histories")] == ["2", "4"]


def test_cancelling_an_order_puts_its_stock_back(sandbox_server, ps):
    sandbox_server.seed(products=1, seed=10)
    row_id = _stock_row_id(ps)
    start = int(_text(ps("GET", f"stock_availables/{row_id}").xml(), "stock_available/quantity"))
    sandbox_server.place_order([{"reference": "SB-00001", "quantity": 2}])
    placed = int(_text(ps("GET", f"stock_availables/{row_id}").xml(), "stock_available/quantity"))

    ps(
        "POST",
        "order_histories",
        "<prestashop><order_history><id_order>1</id_order>"
        "<id_order_state>6</id_order_state></order_history></prestashop>",
    )
    cancelled = ps("GET", f"stock_availables/{row_id}").xml()

    assert placed == start - 2
    assert int(_text(cancelled, "stock_available/quantity")) == start


def test_tracking_number_on_the_order_carrier_shows_as_shipping_number(sandbox_server, ps):
    sandbox_server.seed(products=1, orders=1, seed=11)
    carrier = ps("GET", "order_carriers?filter[id_order]=1&display=full").xml()
    record = carrier.find("order_carriers/order_carrier")
    record.find("tracking_number").text = "3SABC"
    body = b"<prestashop>" + ElementTree.tostring(record) + b"</prestashop>"

    put = ps("PUT", "order_carriers", body)
    order = ps("GET", "orders/1").xml()

    assert put.status == 200
    assert _text(order, "order/shipping_number") == "3SABC"


def test_private_messages_go_through_customer_threads(sandbox_server, ps):
    sandbox_server.seed(products=1, orders=1, seed=12)
    thread = ps(
        "POST",
        "customer_threads",
        "<prestashop><customer_thread><id_lang>1</id_lang><id_shop>1</id_shop>"
        "<id_customer>1</id_customer><id_order>1</id_order><id_contact>0</id_contact>"
        "<email>a@example.com</email><token>abcdef123456</token><status>open</status>"
        "</customer_thread></prestashop>",
    ).xml()
    thread_id = _text(thread, "customer_thread/id")

    message = ps(
        "POST",
        "customer_messages",
        f"<prestashop><customer_message><id_customer_thread>{thread_id}"
        "</id_customer_thread><id_employee>1</id_employee><message>Shipped by Picqer"
        "</message><private>1</private></customer_message></prestashop>",
    )
    listed = ps(
        "GET", f"customer_messages?filter[id_customer_thread]={thread_id}&display=[message,private]"
    ).xml()

    assert message.status == 201
    assert [
        (_text(m, "message"), _text(m, "private")) for m in listed.find("customer_messages")
    ] == [("Shipped by Picqer", "1")]


def test_stock_rows_cannot_be_created_and_id_shop_scopes_lists(sandbox_server, ps):
    sandbox_server.seed(products=2, seed=13)

    post = ps(
        "POST",
        "stock_availables",
        "<prestashop><stock_available><id_product>1</id_product></stock_available></prestashop>",
    )
    shop_1 = ps("GET", "stock_availables?id_shop=1").xml().find("stock_availables")
    unknown_shop = ps("GET", "stock_availables?id_shop=7")

    assert post.status == 405
    assert len(shop_1) == 2
    assert unknown_shop.status == 404


def test_combination_stock_rolls_up_into_the_product_row(sandbox_server, ps):
    sandbox_server.seed(products=1, with_combinations=1, seed=14)
    sandbox_server.knobs(ps_version="8.1.7")
    rows = ps("GET", "stock_availables?filter[id_product]=1&display=full").xml()
    by_attr = {
        _text(r, "id_product_attribute"): _text(r, "id") for r in rows.find("stock_availables")
    }
    combo_ids = sorted(a for a in by_attr if a != "0")

    for attr in combo_ids:
        ps(
            "PATCH",
            "stock_availables",
            f"<prestashop><stock_available><id>{by_attr[attr]}</id>"
            "<quantity>5</quantity></stock_available></prestashop>",
        )
    total = ps("GET", f"stock_availables/{by_attr['0']}").xml()

    assert len(combo_ids) == 3
    assert _text(total, "stock_available/quantity") == "15"


def test_tax_rules_give_each_groups_tax_in_a_country(sandbox_server, ps):
    rules = ps("GET", "tax_rules?display=[id_tax_rules_group,id_tax]&filter[id_country]=[13]")
    taxes = ps("GET", "taxes?display=[id,rate]&filter[id]=[1]")

    rule = rules.xml().find("tax_rules/tax_rule")
    assert (_text(rule, "id_tax_rules_group"), _text(rule, "id_tax")) == ("1", "1")
    assert _text(taxes.xml().find("taxes/tax"), "rate") == "21.000"
