"""PrestaShop: the same client calls against the fixtures and the emulator, one contract."""

import re

import pytest

from sync.http import errors
from sync.prestashop.client import PrestaShopClient
from sync.prestashop.resources import STOCK_FIELDS

from .backends import SHIPPED_STATE
from .contracts import (
    PS_ADDRESS,
    PS_CARRIER,
    PS_COMBINATION_REF_ROW,
    PS_COUNTRY,
    PS_COUNTRY_ROW,
    PS_CUSTOMER,
    PS_CUSTOMER_MESSAGE,
    PS_MESSAGE,
    PS_ORDER,
    PS_ORDER_CARRIER,
    PS_ORDER_HISTORY,
    PS_ORDER_STATE,
    PS_PRODUCT,
    PS_PRODUCT_REF_ROW,
    PS_STOCK_AVAILABLE,
    PS_STOCK_ROW,
)
from .shapes import ListOf, assert_contract


def test_order_with_order_rows(backend, prestashop):
    id_order = backend.arrange_ps_order()

    order = prestashop.get("orders", id_order)

    assert_contract(order, PS_ORDER)
    assert order["id"] == str(id_order)
    assert order["associations"]["order_rows"]
    parsed = prestashop.order_get(id_order)
    assert parsed.id == id_order and parsed.order_rows


def test_order_history_create_changes_the_state(backend, prestashop):
    id_order = backend.arrange_ps_state_change()
    before = prestashop.order_get(id_order)

    history = prestashop.order_history_create(id_order, SHIPPED_STATE)
    after = prestashop.order_get(id_order)
    histories = prestashop.list("order_histories", filters={"id": ">[0]"}, sort="[id_ASC]")
    page = prestashop.order_histories_after(0)

    assert before.current_state != SHIPPED_STATE
    assert (history.id_order, history.id_order_state) == (id_order, SHIPPED_STATE)
    assert after.current_state == SHIPPED_STATE
    assert_contract(histories, ListOf(PS_ORDER_HISTORY))
    assert histories
    assert page.rows and not page.unreadable


def test_order_states_carriers_and_order_carriers(backend, prestashop):
    id_order = backend.arrange_ps_order_states_and_carriers()

    states = prestashop.list("order_states", sort="[id_ASC]")
    carriers = prestashop.list("carriers", sort="[id_ASC]")
    order_carriers = prestashop.list(
        "order_carriers", filters={"id_order": id_order}, sort="[id_ASC]"
    )

    assert_contract(states, ListOf(PS_ORDER_STATE))
    shipped = {s.id: s for s in prestashop.order_states()}[SHIPPED_STATE]
    assert shipped.shipped is True
    assert_contract(carriers, ListOf(PS_CARRIER))
    assert prestashop.carriers()
    assert_contract(order_carriers, ListOf(PS_ORDER_CARRIER))
    assert [oc.id_order for oc in prestashop.order_carriers_for_order(id_order)] == [id_order]


def test_addresses_countries_and_customers(backend, prestashop):
    id_order = backend.arrange_ps_customer_data()
    order = prestashop.order_get(id_order)

    address = prestashop.address_get(order.id_address_delivery)
    country = prestashop.country_get(address.id_country)
    countries = prestashop.countries()
    customer = prestashop.customer_get(order.id_customer)

    assert_contract(prestashop.get("addresses", address.id), PS_ADDRESS)
    assert_contract(prestashop.get("countries", country.id), PS_COUNTRY)
    assert re.fullmatch(r"[A-Z]{2}", country.iso_code)
    raw_countries = prestashop.list("countries", display=["id", "iso_code"], sort="[id_ASC]")
    assert_contract(raw_countries, ListOf(PS_COUNTRY_ROW))
    assert country.iso_code in {c.iso_code for c in countries}
    assert_contract(prestashop.get("customers", customer.id), PS_CUSTOMER)
    assert "@" in customer.email


def test_products_combinations_and_stock_availables(backend, prestashop):
    product_ref, combination_ref = backend.arrange_ps_catalog()

    rows = prestashop.products_by_reference(product_ref)
    product = prestashop.product_get(rows[0].id)
    combinations = prestashop.combinations_by_reference(combination_ref)
    stock_rows = prestashop.stock_availables_for_product(product.id)
    stock = prestashop.get("stock_availables", stock_rows[0].id)

    raw_rows = prestashop.list(
        "products", display=["id", "reference", "ean13", "active"], filters={"id": rows[0].id}
    )
    assert_contract(raw_rows, ListOf(PS_PRODUCT_REF_ROW))
    assert rows[0].reference == product_ref
    assert_contract(prestashop.get("products", product.id), PS_PRODUCT)
    raw_combinations = prestashop.list(
        "combinations",
        display=["id", "id_product", "reference"],
        filters={"id": combinations[0].id},
    )
    assert_contract(raw_combinations, ListOf(PS_COMBINATION_REF_ROW))
    assert combinations[0].id_product == product.id
    raw_stock_rows = prestashop.list(
        "stock_availables", display=STOCK_FIELDS, filters={"id_product": product.id}
    )
    assert_contract(raw_stock_rows, ListOf(PS_STOCK_ROW))
    assert_contract(stock, PS_STOCK_AVAILABLE)
    assert int(stock["quantity"]) >= 0


def test_customer_threads_messages_and_checkout_messages(backend, prestashop):
    id_order = backend.arrange_ps_messages()

    created = prestashop.private_message_add(id_order, "Picqer: picklist P2026-1 shipped")
    thread_messages = prestashop.customer_messages_for_thread(created.id_customer_thread)
    checkout = prestashop.messages_for_order(id_order)

    assert created.private is True
    raw_thread_messages = prestashop.list(
        "customer_messages",
        filters={"id_customer_thread": created.id_customer_thread},
        sort="[id_ASC]",
    )
    assert_contract(raw_thread_messages, ListOf(PS_CUSTOMER_MESSAGE))
    assert created.id in {m.id for m in thread_messages}
    raw_checkout = prestashop.list("messages", filters={"id_order": id_order}, sort="[id_ASC]")
    assert_contract(raw_checkout, ListOf(PS_MESSAGE))
    assert checkout


def test_version_comes_from_the_psws_version_header(backend, prestashop):
    backend.arrange_ps_version()

    assert prestashop.version == "1.7.8.11"
    assert prestashop.version_tuple == (1, 7, 8, 11)
    assert prestashop.supports_patch is False


def test_error_xml_becomes_a_typed_error_with_code(backend, prestashop, shop):
    backend.arrange_ps_errors()
    wrong_key = PrestaShopClient(shop.prestashop_url, "WRONGKEYWRONGKEYWRONGKEYWRONGKEY")

    # date_add filter without date=1: 400 code 32 (docs/sources.md#prestashop-date-filter)
    with pytest.raises(errors.ApiClientError) as bad_filter:
        prestashop.request(
            "GET",
            "order_histories",
            params={"display": "full", "filter[date_add]": ">[2026-01-01]"},
        )
    with pytest.raises(errors.ApiAuthError) as bad_key:
        wrong_key.order_get(1)

    assert (bad_filter.value.status, bad_filter.value.code) == (400, "32")
    assert bad_filter.value.message
    assert bad_key.value.status == 401
    assert re.fullmatch(r"\d+", str(bad_key.value.code))
    assert "WRONGKEY" not in str(bad_key.value)
