"""PrestaShop: the same client calls against the fixtures and the emulator, one contract."""

import re

import pytest

from sync.http import errors
from sync.prestashop.client import PrestaShopClient

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

    order = prestashop.order_get(id_order)

    assert_contract(order, PS_ORDER)
    assert order["id"] == str(id_order)
    assert order["associations"]["order_rows"]


def test_order_history_create_changes_the_state(backend, prestashop):
    id_order = backend.arrange_ps_state_change()
    before = prestashop.order_get(id_order)

    history = prestashop.order_history_create(id_order, SHIPPED_STATE)
    after = prestashop.order_get(id_order)
    histories = prestashop.order_histories_after(0)

    assert before["current_state"] != str(SHIPPED_STATE)
    assert_contract(history, PS_ORDER_HISTORY)
    assert (history["id_order"], history["id_order_state"]) == (str(id_order), str(SHIPPED_STATE))
    assert after["current_state"] == str(SHIPPED_STATE)
    assert_contract(histories, ListOf(PS_ORDER_HISTORY))
    assert histories


def test_order_states_carriers_and_order_carriers(backend, prestashop):
    id_order = backend.arrange_ps_order_states_and_carriers()

    states = prestashop.order_states()
    carriers = prestashop.carriers()
    order_carriers = prestashop.order_carriers_for_order(id_order)

    assert_contract(states, ListOf(PS_ORDER_STATE))
    shipped = {s["id"]: s for s in states}[str(SHIPPED_STATE)]
    assert shipped["shipped"] == "1"
    assert_contract(carriers, ListOf(PS_CARRIER))
    assert carriers
    assert_contract(order_carriers, ListOf(PS_ORDER_CARRIER))
    assert [oc["id_order"] for oc in order_carriers] == [str(id_order)]


def test_addresses_countries_and_customers(backend, prestashop):
    id_order = backend.arrange_ps_customer_data()
    order = prestashop.order_get(id_order)

    address = prestashop.address_get(int(order["id_address_delivery"]))
    country = prestashop.country_get(int(address["id_country"]))
    countries = prestashop.countries()
    customer = prestashop.customer_get(int(order["id_customer"]))

    assert_contract(address, PS_ADDRESS)
    assert_contract(country, PS_COUNTRY)
    assert re.fullmatch(r"[A-Z]{2}", country["iso_code"])
    assert_contract(countries, ListOf(PS_COUNTRY_ROW))
    assert country["iso_code"] in {c["iso_code"] for c in countries}
    assert_contract(customer, PS_CUSTOMER)
    assert "@" in customer["email"]


def test_products_combinations_and_stock_availables(backend, prestashop):
    product_ref, combination_ref = backend.arrange_ps_catalog()

    rows = prestashop.products_by_reference(product_ref)
    product = prestashop.product_get(int(rows[0]["id"]))
    combinations = prestashop.combinations_by_reference(combination_ref)
    stock_rows = prestashop.stock_availables_for_product(int(product["id"]))
    stock = prestashop.get("stock_availables", stock_rows[0]["id"])

    assert_contract(rows, ListOf(PS_PRODUCT_REF_ROW))
    assert rows[0]["reference"] == product_ref
    assert_contract(product, PS_PRODUCT)
    assert_contract(combinations, ListOf(PS_COMBINATION_REF_ROW))
    assert combinations[0]["id_product"] == product["id"]
    assert_contract(stock_rows, ListOf(PS_STOCK_ROW))
    assert_contract(stock, PS_STOCK_AVAILABLE)
    assert int(stock["quantity"]) >= 0


def test_customer_threads_messages_and_checkout_messages(backend, prestashop):
    id_order = backend.arrange_ps_messages()

    created = prestashop.private_message_add(id_order, "Picqer: picklist P2026-1 shipped")
    thread_messages = prestashop.customer_messages_for_thread(int(created["id_customer_thread"]))
    checkout = prestashop.messages_for_order(id_order)

    assert_contract(created, PS_CUSTOMER_MESSAGE)
    assert created["private"] == "1"
    assert_contract(thread_messages, ListOf(PS_CUSTOMER_MESSAGE))
    assert created["id"] in {m["id"] for m in thread_messages}
    assert_contract(checkout, ListOf(PS_MESSAGE))
    assert checkout


def test_version_comes_from_the_psws_version_header(backend, prestashop):
    backend.arrange_ps_version()

    assert prestashop.version == "1.7.8.11"
    assert prestashop.version_tuple == (1, 7, 8, 11)
    assert prestashop.supports_patch is False


def test_error_xml_becomes_a_typed_error_with_code(backend, prestashop, shop):
    backend.arrange_ps_errors()
    wrong_key = PrestaShopClient(shop.prestashop_url, "WRONGKEYWRONGKEYWRONGKEYWRONGKEY")

    # date_add filter without date=1: PrestaShop answers 400 code 32 (prestashop-ws.md §1.4)
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
