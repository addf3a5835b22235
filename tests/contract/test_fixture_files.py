"""Every `responses` fixture file the unit tests use, held to the same contract (docs/sources.md).

The round-trip cases use one file per resource; this sweep also covers the sibling files in
tests/fixtures/{orders,stock}/ so no copy drifts unnoticed. Known drift is listed exactly.
"""

import pytest

from sync.prestashop import xml as psxml

from . import contracts as c
from .backends import load_json, load_xml
from .shapes import ListOf, assert_contract

ORDER_17_ONLY = {  # a 1.6.1.23 capture, trimmed: docs/sources.md#prestashop-resource-fields
    "associations.order_rows[].id_customization: missing",
    "associations.order_rows[].product_isbn: missing",
    "note: missing",
    "carrier_tax_rate: missing",
    "gift: missing",
    "gift_message: missing",
    "total_discounts_tax_excl: missing",
    "total_discounts_tax_incl: missing",
    "total_shipping_tax_excl: missing",
    "total_shipping_tax_incl: missing",
}
KNOWN_DRIFT = {
    "prestashop/order_5.xml": ORDER_17_ONLY,
}
JSON_FILES = [
    ("picqer/order.json", c.PICQER_ORDER),
    ("orders/picqer_order_created.json", c.PICQER_ORDER),
    ("stock/picqer_order.json", c.PICQER_ORDER),
    ("picqer/product.json", c.PICQER_PRODUCT),
    ("orders/picqer_product.json", c.PICQER_PRODUCT),
    ("stock/picqer_product.json", c.PICQER_PRODUCT),
    ("picqer/hook.json", c.PICQER_HOOK),
    ("picqer/vatgroups.json", ListOf(c.PICQER_VATGROUP)),
    ("orders/picqer_vatgroups.json", ListOf(c.PICQER_VATGROUP)),
    ("picqer/warehouse_stock.json", ListOf(c.PICQER_WAREHOUSE_STOCK_ITEM)),
    ("picqer/picklist_shipments.json", ListOf(c.PICQER_SHIPMENT)),
    ("stock/picqer_shipments.json", ListOf(c.PICQER_SHIPMENT)),
]
XML_RECORDS = [
    ("prestashop/order_5.xml", c.PS_ORDER),
    ("orders/ps_order_73.xml", c.PS_ORDER),
    ("prestashop/customer_1.xml", c.PS_CUSTOMER),
    ("orders/ps_customer_4.xml", c.PS_CUSTOMER),
    ("prestashop/order_carrier_2.xml", c.PS_ORDER_CARRIER),
    ("prestashop/order_history_created.xml", c.PS_ORDER_HISTORY),
    ("prestashop/product_1.xml", c.PS_PRODUCT),
    ("prestashop/stock_available_1.xml", c.PS_STOCK_AVAILABLE),
    ("prestashop/stock_available_1_updated.xml", c.PS_STOCK_AVAILABLE),
    ("prestashop/customer_thread_created.xml", c.PS_CUSTOMER_THREAD),
    ("prestashop/customer_message_created.xml", c.PS_CUSTOMER_MESSAGE),
    ("orders/ps_address_10.xml", c.PS_ADDRESS),
    ("orders/ps_address_11.xml", c.PS_ADDRESS),
    ("orders/ps_country_13.xml", c.PS_COUNTRY),
]
XML_LISTS = [
    ("prestashop/order_histories.xml", c.PS_ORDER_HISTORY),
    ("orders/ps_messages_73.xml", c.PS_MESSAGE),
]


@pytest.mark.parametrize(("name", "spec"), JSON_FILES, ids=[n for n, _ in JSON_FILES])
def test_picqer_fixture_file_matches_the_contract(name, spec):
    assert_contract(load_json(name), spec, known=KNOWN_DRIFT.get(name, set()))


@pytest.mark.parametrize(("name", "spec"), XML_RECORDS, ids=[n for n, _ in XML_RECORDS])
def test_prestashop_fixture_record_matches_the_contract(name, spec):
    root = psxml.parse(load_xml(name).encode())
    record = psxml.record_to_dict(psxml.record_element(root))

    assert_contract(record, spec, known=KNOWN_DRIFT.get(name, set()))


@pytest.mark.parametrize(("name", "spec"), XML_LISTS, ids=[n for n, _ in XML_LISTS])
def test_prestashop_fixture_list_matches_the_contract(name, spec):
    records = psxml.list_to_dicts(psxml.parse(load_xml(name).encode()))

    assert records
    assert_contract(records, ListOf(spec), known=KNOWN_DRIFT.get(name, set()))
