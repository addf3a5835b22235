"""Pure order mapping on the fixture payloads (no HTTP, no database)."""

import json
from decimal import Decimal

from sync.mappers import orders as mapper
from sync.picqer.records import Product, vatgroup_parse
from sync.prestashop import xml as psxml
from sync.prestashop.records import Address, Message, Order

from .conftest import FIXTURES, fixture_text


def ps_record(name: str, record=Order):
    return record.from_xml(
        psxml.record_to_dict(
            psxml.record_element(psxml.parse((FIXTURES / f"{name}.xml").read_bytes()))
        )
    )


def test_reference_has_prefix_order_id_and_prestashop_reference():
    assert (
        mapper.picqer_reference(prefix="DEV", ps_order_id=73, ps_reference="ITQRFWVHT")
        == "DEV #73 / ITQRFWVHT"
    )


def test_split_cart_orders_get_different_references():
    first = mapper.picqer_reference(prefix="PS", ps_order_id=80, ps_reference="KHWLILZLL")
    second = mapper.picqer_reference(prefix="PS", ps_order_id=81, ps_reference="KHWLILZLL")
    assert first != second


def test_order_lines_use_the_row_reference_which_is_the_combinations_own():
    lines = mapper.order_lines(ps_record("ps_order_73"))
    assert [(line.reference, line.quantity, line.attribute_id) for line in lines] == [
        ("demo_1", 2, 0),
        ("TSHIRT-RED-S", 1, 9),
        ("MUG-9", 2, 0),
    ]
    assert lines[2].name == "Mug & coaster"


def test_tax_rate_is_derived_from_the_unit_prices():
    lines = mapper.order_lines(ps_record("ps_order_73"))
    assert [round(line.tax_rate, 2) for line in lines] == [Decimal(21), Decimal(21), Decimal(9)]


def test_vat_group_matches_by_percentage_or_not_at_all():
    groups = [vatgroup_parse(g) for g in json.loads(fixture_text("picqer_vatgroups.json"))]
    assert mapper.vatgroup_for_rate(Decimal("20.9999"), groups) == 1464
    assert mapper.vatgroup_for_rate(Decimal("9"), groups) == 1465
    assert mapper.vatgroup_for_rate(Decimal("19"), groups) is None
    assert mapper.vatgroup_for_rate(None, groups) is None


def test_product_match_is_exact_and_case_sensitive():
    candidates = [
        Product(idproduct=1, productcode="mug-9"),
        Product(idproduct=2, productcode="MUG-9"),
    ]
    assert mapper.exact_product("MUG-9", candidates).idproduct == 2
    assert mapper.exact_product("Mug-9", candidates) is None


def test_company_address_puts_the_company_first_and_the_person_as_contact():
    fields = mapper.address_fields(
        "delivery", ps_record("ps_address_10", Address), country_iso="nl"
    )
    assert fields == {
        "deliveryname": "Geest & Zonen B.V.",
        "deliverycontactname": "Amelia van Geest",
        "deliveryaddress": "van der Lindensteeg 88",
        "deliveryaddress2": "Unit 65",
        "deliveryzipcode": "5231 PS",
        "deliverycity": "Echtenerbrug",
        "deliveryregion": None,
        "deliverycountry": "NL",
    }


def test_private_address_is_the_persons_name_with_region():
    fields = mapper.address_fields(
        "invoice", ps_record("ps_address_11", Address), country_iso="US", region="Florida"
    )
    assert fields["invoicename"] == "Amelia van Geest"
    assert fields["invoicecontactname"] is None
    assert fields["invoiceregion"] == "Florida"
    assert fields["invoiceaddress2"] is None


def test_customer_remarks_leave_out_private_staff_messages():
    rows = psxml.list_to_dicts(psxml.parse((FIXTURES / "ps_messages_73.xml").read_bytes()))
    messages = [Message.from_xml(row) for row in rows]
    assert mapper.customer_remarks(messages) == "Please ring twice & leave it at the back door"
    assert mapper.customer_remarks([]) is None


def test_shop_price_line_carries_price_excluding_vat_and_vat_group():
    line = mapper.order_lines(ps_record("ps_order_73"))[1]
    assert mapper.order_product(line, 5, idvatgroup=1464, use_shop_price=True) == {
        "idproduct": 5,
        "amount": 1,
        "price": 16.5289,
        "idvatgroup": 1464,
    }
    assert mapper.order_product(line, 5, idvatgroup=1464, use_shop_price=False) == {
        "idproduct": 5,
        "amount": 1,
    }


def test_note_gets_the_picqer_order_number_once_and_keeps_existing_text():
    note = mapper.note_with_orderid("Gift wrap", "O2026-1002")
    assert note == "Gift wrap\nPicqer order: O2026-1002"
    assert mapper.note_with_orderid(note, "O2026-1002") == note
    assert mapper.note_has_orderid(note, "O2026-1002")
    assert not mapper.note_has_orderid("Gift wrap", "O2026-1002")


def test_missing_products_text_lists_each_reference():
    lines = mapper.order_lines(ps_record("ps_order_73"))
    text = mapper.missing_products_text(lines[1:], created=True)
    assert "TSHIRT-RED-S" in text and "MUG-9" in text and "left out" in text
    assert "no Picqer order" in mapper.missing_products_text(lines, created=False)
