"""PrestaShop records parsed from the recorded fixture payloads, and what a broken value does."""

from datetime import datetime
from decimal import Decimal

import pytest

from sync.http.errors import ApiResponseError
from sync.prestashop import xml as psxml
from sync.prestashop.records import (
    Address,
    Configuration,
    Country,
    Customer,
    CustomerThread,
    HistoryPage,
    Message,
    Order,
    OrderCarrier,
    OrderHistory,
    Product,
    StockAvailable,
)

from .conftest import FIXTURES


def one(path: str) -> dict:
    return psxml.record_to_dict(psxml.record_element(psxml.parse((FIXTURES / path).read_bytes())))


def rows(path: str) -> list[dict]:
    return psxml.list_to_dicts(psxml.parse((FIXTURES / path).read_bytes()))


def test_an_order_with_its_rows():
    order = Order.from_xml(one("prestashop/order_5.xml"))

    assert (order.id, order.reference, order.id_shop, order.current_state) == (
        5,
        "KHWLILZLL",
        1,
        10,
    )
    assert (order.id_customer, order.id_address_delivery, order.id_address_invoice) == (1, 4, 4)
    assert order.date_upd == datetime(2019, 1, 30, 1, 2, 13)
    assert order.note is None  # this 1.6 order has no note field
    first = order.order_rows[0]
    assert (first.product_id, first.product_attribute_id, first.product_quantity) == (1, 1, 1)
    assert first.unit_price_tax_incl == Decimal("16.51")
    assert [r.product_reference for r in order.order_rows] == ["demo_1", "demo_2"]


def test_an_order_of_another_shop_of_a_multistore():
    order = Order(id=1, id_shop=2)
    assert order.in_shop(None) and order.in_shop(2) and not order.in_shop(1)
    assert Order(id=1).in_shop(1)  # id_shop not displayed: not filtered out


def test_order_histories_and_a_page_of_them():
    page = HistoryPage.from_xml(rows("prestashop/order_histories.xml"))

    assert page.rows[0] == OrderHistory(
        id=11, id_order=5, id_order_state=2, date_add=datetime(2019, 1, 30, 1, 5)
    )
    assert (page.size, page.newest_id, page.unreadable) == (2, 12, ())


def test_a_history_row_without_order_or_state_is_kept_apart_and_one_without_id_fails():
    page = HistoryPage.from_xml(
        [
            {"id": "51", "id_order": "73", "id_order_state": ""},
            {"id": "52", "id_order": "73", "id_order_state": {"nested": "2"}},
            {"id": "53", "id_order": "73", "id_order_state": "2"},
        ]
    )
    assert [r.id for r in page.rows] == [53]
    assert [r.id for r in page.unreadable] == [51, 52]
    assert "id_order_state is missing" in page.unreadable[0].reason
    assert page.newest_id == 53

    with pytest.raises(ApiResponseError, match="without a readable id"):
        HistoryPage.from_xml([{"id": "x", "id_order": "73", "id_order_state": "2"}])


def test_addresses_customers_countries_and_messages():
    address = Address.from_xml(one("orders/ps_address_10.xml"))
    assert (address.id, address.id_country, address.company) == (10, 13, "Geest &amp; Zonen B.V.")
    assert Customer.from_xml(one("orders/ps_customer_4.xml")).email
    assert Country.from_xml(one("orders/ps_country_13.xml")).iso_code == "NL"
    messages = [Message.from_xml(m) for m in rows("orders/ps_messages_73.xml")]
    assert [(m.id, m.private, m.id_employee) for m in messages] == [(31, False, 0), (32, True, 1)]
    thread = CustomerThread.from_xml(one("prestashop/customer_thread_created.xml"))
    assert (thread.id, thread.id_order, thread.email) == (9, 5, "pub@prestashop.com")


def test_order_carriers_stock_rows_and_products():
    carrier = OrderCarrier.from_xml(one("prestashop/order_carrier_2.xml"))
    assert carrier == OrderCarrier(id=2, id_order=2, id_carrier=2, tracking_number="ABCD")
    row = StockAvailable.from_xml(one("prestashop/stock_available_1.xml"))
    assert (row.id_product, row.id_shop, row.quantity, row.depends_on_stock) == (1, 1, 1799, False)
    assert row.in_shop(1) and row.in_shop(None) and not row.in_shop(2)
    product = Product.from_xml(one("prestashop/product_1.xml"))
    assert product.id == 1 and product.reference and not product.is_pack


def test_configuration_values_are_text_and_numbers_on_request():
    config = Configuration.from_xml(
        [{"name": "PS_OS_CANCELED", "value": "6"}, {"name": "PS_TIMEZONE", "value": "Europe/Paris"}]
    )
    assert config.number("PS_OS_CANCELED") == 6
    assert config.number("PS_TIMEZONE") is None and config.number("PS_MISSING") is None
    assert config.text("PS_TIMEZONE") == "Europe/Paris"
    assert config.text("PS_WEIGHT_UNIT", "kg") == "kg"


def test_empty_fields_take_the_documented_defaults():
    order = Order.from_xml({"id": "7", "id_shop": "", "current_state": "", "note": ""})
    assert (order.id_shop, order.current_state, order.note, order.date_upd) == (0, 0, "", None)
    product = Product.from_xml({"id": "3", "pack_stock_type": "", "price": ""})
    assert (product.pack_stock_type, product.price, product.active) == (None, Decimal(0), True)
    assert Order.from_xml({"id": "7", "invoice_date": "0000-00-00 00:00:00"}).date_add is None


@pytest.mark.parametrize(
    ("record_type", "record", "says"),
    [
        (Order, {"id": "five"}, "order without a readable id"),
        (Order, {"reference": "X"}, "order without a readable id"),
        (Order, {"id": "5", "current_state": "shipped"}, "order #5 whose current_state is not"),
        (Order, {"id": "5", "id_shop": {"nested": "1"}}, "id_shop is not a single value"),
        (Order, {"id": "5", "date_upd": "yesterday"}, "date_upd is not a date"),
        (
            Order,
            {"id": "5", "associations": {"order_rows": [{"id": "1", "product_quantity": "x"}]}},
            "order_row #1 whose product_quantity is not a whole number",
        ),
        (StockAvailable, {"id": "1", "quantity": "1.5"}, "quantity is not a whole number"),
        (StockAvailable, {"id": "1", "depends_on_stock": "yes"}, "depends_on_stock is not 0 or 1"),
        (Product, {"id": "1", "price": "abc"}, "price is not a number"),
        (Product, {"id": "1", "weight": "NaN"}, "weight is not a number"),
        (OrderHistory, {"id": "1", "id_order": "2"}, "id_order_state is missing"),
    ],
)
def test_a_broken_value_is_an_api_response_error_naming_record_and_field(record_type, record, says):
    with pytest.raises(ApiResponseError) as raised:
        record_type.from_xml(record)

    assert says in raised.value.message
    assert raised.value.service == "PrestaShop" and not raised.value.retryable
