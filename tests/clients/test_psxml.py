"""psxml: safe parsing, records as dicts, compact XML bodies."""

import pytest

from sync.http.errors import ApiResponseError
from sync.prestashop import xml as psxml

from .conftest import ps_fixture


def test_record_to_dict_reads_cdata_and_ignores_xlink():
    order = psxml.record_to_dict(psxml.record_element(psxml.parse(ps_fixture("order_5"))))

    assert order["id"] == "5"
    assert order["id_customer"] == "1"
    assert order["current_state"] == "10"
    assert order["reference"] == "KHWLILZLL"
    assert order["shipping_number"] == ""
    assert order["invoice_date"] == "0000-00-00 00:00:00"


def test_associations_become_lists_of_dicts():
    order = psxml.record_to_dict(psxml.record_element(psxml.parse(ps_fixture("order_5"))))

    rows = order["associations"]["order_rows"]
    assert [r["product_reference"] for r in rows] == ["demo_1", "demo_2"]
    assert rows[1]["product_quantity"] == "2"
    assert rows[0]["product_ean13"] == ""


def test_multilang_collapses_to_first_language_and_empty_association_is_empty_list():
    product = psxml.record_to_dict(psxml.record_element(psxml.parse(ps_fixture("product_1"))))

    assert product["name"] == "Faded Short Sleeve T-shirts"
    assert product["associations"]["stock_availables"] == [
        {"id": "1", "id_product_attribute": "0"},
        {"id": "8", "id_product_attribute": "1"},
    ]
    assert product["associations"]["product_bundle"] == []


def test_list_to_dicts_handles_minimal_and_empty_lists():
    assert psxml.list_to_dicts(psxml.parse(ps_fixture("stock_availables_minimal"))) == [{"id": "1"}]
    assert psxml.list_to_dicts(psxml.parse(ps_fixture("order_histories_empty"))) == []


def test_dict_to_xml_is_compact_and_declares_xlink():
    body = psxml.dict_to_xml("order_history", {"id_order": 5, "id_order_state": 4})

    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<prestashop xmlns:xlink="http://www.w3.org/1999/xlink"><order_history>'
        b"<id_order>5</id_order><id_order_state>4</id_order_state>"
        b"</order_history></prestashop>"
    )


def test_dict_to_xml_nests_associations_multilang_and_escapes():
    body = psxml.dict_to_xml(
        "product",
        {
            "reference": "A&B <1>",
            "active": True,
            "ean13": None,
            "name": {1: "Mug", 2: "Tasse"},
            "associations": {"categories": [{"id": 2}, {"id": 5}]},
        },
    )

    root = psxml.parse(body)
    product = psxml.record_element(root)
    assert product.findtext("reference") == "A&B <1>"
    assert product.findtext("active") == "1"
    assert product.find("ean13").text is None
    assert [lang.get("id") for lang in product.find("name")] == ["1", "2"]
    assert [c.findtext("id") for c in product.find("associations/categories")] == ["2", "5"]
    assert b"\n" not in body and b"\t" not in body


def test_merge_record_keeps_every_other_field_and_drops_read_only():
    record = psxml.record_element(psxml.parse(ps_fixture("product_1")))

    body = psxml.merge_record(record, {"reference": "NEW"}, drop=["manufacturer_name", "quantity"])

    merged = psxml.record_element(psxml.parse(body))
    assert merged.findtext("reference") == "NEW"
    assert merged.findtext("active") == "1"
    assert merged.find("manufacturer_name") is None and merged.find("quantity") is None
    assert [lang.text for lang in merged.find("name")] == [
        "Faded Short Sleeve T-shirts",
        "T-shirt délavé à manches courtes",
    ]
    assert b"xlink:href" not in body and b"notFilterable" not in body


@pytest.mark.parametrize("name", ["xxe", "billion_laughs"])
def test_entity_attacks_are_refused(name):
    with pytest.raises(ApiResponseError) as caught:
        psxml.parse(ps_fixture(name))

    assert "refused" in str(caught.value)


LAUGHS_UTF16 = (
    '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><prestashop><order><id>&b;</id></order>'
    "</prestashop>"
).encode("utf-16")


@pytest.mark.parametrize(
    "body",
    [
        # a control character inside the keyword: removed before the DTD check
        b'<?xml version="1.0"?><!DOC\x01TYPE p [<!ENTITY a "x">]><p><o>&a;</o></p>',
        # a DOCTYPE in UTF-16 has no ASCII "<!DOCTYPE"; UTF-8 is forced, so it cannot parse
        LAUGHS_UTF16,
        # an entity never declared (there is no DTD to declare one)
        b'<?xml version="1.0"?><prestashop><order><id>&a;</id></order></prestashop>',
    ],
)
def test_no_entity_is_ever_expanded(body):
    with pytest.raises(ApiResponseError) as caught:
        psxml.parse(body)

    assert "refused" in str(caught.value) or "malformed" in str(caught.value)


@pytest.mark.parametrize("body", [b"", b"   ", b"<prestashop><order>", b"not xml at all"])
def test_malformed_bodies_raise_response_error(body):
    with pytest.raises(ApiResponseError):
        psxml.parse(body)


def test_html_is_named_as_such():
    with pytest.raises(ApiResponseError) as caught:
        psxml.parse(b"<!DOCTYPE html>\n<html><body><p>Maintenance<br></body></html>")

    assert "HTML page" in str(caught.value)


def test_tolerates_module_noise_before_declaration_and_control_characters():
    body = b"\xef\xbb\xbf\n" + ps_fixture("customer_1").replace(b"DOE", b"D\x0bOE")

    customer = psxml.record_to_dict(psxml.record_element(psxml.parse(body)))

    assert customer["lastname"] == "DOE"


def test_singular_names():
    assert [
        psxml.singular(n)
        for n in (
            "orders",
            "order_histories",
            "addresses",
            "countries",
            "stock_availables",
            "customer_threads",
            "taxes",
            "accessories",
        )
    ] == [
        "order",
        "order_history",
        "address",
        "country",
        "stock_available",
        "customer_thread",
        "tax",
        "product",
    ]
