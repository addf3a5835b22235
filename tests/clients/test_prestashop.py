"""PrestaShopClient: auth, params, versions (PATCH vs GET+PUT), errors, helpers."""

import base64
import logging
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from sync.http import errors
from sync.prestashop import xml as psxml
from sync.prestashop.client import PrestaShopClient

from .conftest import PS, ps_fixture

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"
XML = {"Content-Type": "text/xml;charset=utf-8"}


def _xml(
    name: str,
    version: str = "1.7.8.11",
    status: int = 200,
    method=responses.GET,
    url: str = "",
    **kwargs,
):
    return responses.Response(
        method,
        url,
        body=ps_fixture(name),
        status=status,
        headers={**XML, "PSWS-Version": version},
        **kwargs,
    )


def _version(version: str):
    responses.head(PS, headers={"PSWS-Version": version})


def _query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@pytest.fixture
def client(shop):
    return PrestaShopClient.for_shop(shop)


@responses.activate
def test_it_sends_the_key_as_basic_username_and_never_in_the_url(client):
    responses.add(_xml("order_5", url=PS + "orders/5"))

    client.order_get(5)

    request = responses.calls[0].request
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    )
    assert KEY not in request.url
    assert "ws_key" not in request.url


@responses.activate
def test_get_returns_a_plain_dict_with_order_rows(client):
    responses.add(_xml("order_5", url=PS + "orders/5"))

    order = client.get("orders", 5)

    assert order["reference"] == "KHWLILZLL"
    assert len(order["associations"]["order_rows"]) == 2


@responses.activate
def test_order_get_returns_a_typed_order_with_its_rows(client):
    responses.add(_xml("order_5", url=PS + "orders/5"))

    order = client.order_get(5)

    assert (order.id, order.reference, order.current_state, order.id_customer) == (
        5,
        "KHWLILZLL",
        10,
        1,
    )
    assert [(r.product_reference, r.product_quantity) for r in order.order_rows] == [
        ("demo_1", 1),
        ("demo_2", 2),
    ]


@responses.activate
def test_list_encodes_display_filters_sort_and_limit(client):
    responses.add(_xml("order_histories", url=PS + "order_histories"))

    rows = client.list(
        "order_histories",
        display=["id", "id_order"],
        filters={"id": ">[10]", "id_order_state": "[2|6]", "id_order": 5},
        sort="id_ASC",
        limit=(0, 50),
    )

    assert [r["id"] for r in rows] == ["11", "12"]
    assert _query(responses.calls[0]) == {
        "display": ["[id,id_order]"],
        "filter[id]": [">[10]"],
        "filter[id_order_state]": ["[2|6]"],
        "filter[id_order]": ["[5]"],
        "sort": ["[id_ASC]"],
        "limit": ["0,50"],
    }
    assert "filter%5Bid%5D=%3E%5B10%5D" in responses.calls[0].request.url


@responses.activate
def test_date_filter_or_sort_adds_date_1(client):
    responses.add(_xml("order_histories_empty", url=PS + "orders"))

    client.orders_updated_since(datetime(2024, 5, 1, 10, 14), limit=100)
    client.list("orders", sort="[date_add_DESC]")
    client.list("orders")

    first, second, third = (_query(c) for c in responses.calls)
    assert first["filter[date_upd]"] == [">[2024-05-01 10:14:00]"]
    assert first["sort"] == ["[date_upd_ASC,id_ASC]"]
    assert first["limit"] == ["0,100"]
    assert first["date"] == ["1"]
    assert second["date"] == ["1"]
    assert "date" not in third


@responses.activate
def test_multistore_adds_id_shop_to_every_call(shop):
    shop.prestashop_shop_id = 3
    client = PrestaShopClient.for_shop(shop)
    responses.add(_xml("api_root", url=PS))
    responses.add(_xml("order_histories", url=PS + "order_histories"))
    responses.add(
        _xml("order_history_created", url=PS + "order_histories", method=responses.POST, status=201)
    )

    client.ping()
    client.order_histories_after(10)
    client.order_history_create(5, 4)

    assert [_query(c)["id_shop"] for c in responses.calls] == [["3"], ["3"], ["3"]]


@responses.activate
def test_single_shop_sends_no_id_shop(client):
    responses.add(_xml("order_histories", url=PS + "order_histories"))

    client.order_histories_after(10)

    assert "id_shop" not in _query(responses.calls[0])


@responses.activate
def test_version_comes_from_psws_version_once(client):
    _version("8.1.2")

    assert client.version == "8.1.2"
    assert client.supports_patch is True
    assert client.version_tuple == (8, 1, 2)
    assert len(responses.calls) == 1


@responses.activate
def test_version_17_does_not_support_patch(client):
    _version("1.7.8.11")

    assert client.supports_patch is False


@responses.activate
def test_update_on_8x_patches_only_the_given_fields(client):
    _version("8.1.2")
    responses.add(
        _xml(
            "stock_available_1_updated",
            "8.1.2",
            method=responses.PATCH,
            url=PS + "stock_availables/1",
        )
    )

    record = client.stock_available_set_quantity(1, 7)

    assert record.quantity == 7
    patch = responses.calls[1].request
    assert patch.method == "PATCH"
    sent = psxml.record_to_dict(psxml.record_element(psxml.parse(patch.body)))
    assert sent == {"id": "1", "quantity": "7"}
    assert patch.headers["Content-Type"].startswith("text/xml")


@responses.activate
def test_update_on_17_gets_then_puts_the_full_record(client):
    _version("1.7.8.11")
    responses.add(_xml("stock_available_1", url=PS + "stock_availables/1"))
    responses.add(
        _xml("stock_available_1_updated", method=responses.PUT, url=PS + "stock_availables/1")
    )

    client.stock_available_set_quantity(1, 7)

    methods = [c.request.method for c in responses.calls]
    assert methods == ["HEAD", "GET", "PUT"]
    sent = psxml.record_to_dict(psxml.record_element(psxml.parse(responses.calls[2].request.body)))
    assert sent == {
        "id": "1",
        "id_product": "1",
        "id_product_attribute": "0",
        "id_shop": "1",
        "id_shop_group": "0",
        "quantity": "7",
        "depends_on_stock": "0",
        "out_of_stock": "2",
        "location": "A-01-3",
    }


@responses.activate
def test_put_fallback_drops_read_only_product_fields_and_keeps_languages(client):
    _version("1.7.8.11")
    responses.add(_xml("product_1", url=PS + "products/1"))
    responses.add(_xml("product_1", method=responses.PUT, url=PS + "products/1"))

    client.update("products", 1, {"active": 0})

    body = responses.calls[2].request.body
    assert b"<active>0</active>" in body
    assert b"manufacturer_name" not in body and b"<quantity>" not in body
    assert "T-shirt délavé à manches courtes".encode() in body


@responses.activate
def test_order_history_create_posts_with_sendemail(client):
    responses.add(
        _xml(
            "order_history_created",
            method=responses.POST,
            status=201,
            url=PS + "order_histories",
            match=[matchers.query_param_matcher({"sendemail": "1"})],
        )
    )

    created = client.order_history_create(5, 4)

    assert created.id == 13
    assert (
        b"<order_history><id_order>5</id_order><id_order_state>4</id_order_state>"
        b"</order_history>" in responses.calls[0].request.body
    )


@responses.activate
def test_iter_ids_pages_by_id_cursor(client):
    page_one = ps_fixture("order_histories")
    responses.get(
        PS + "order_histories",
        body=page_one,
        headers=XML,
        match=[
            matchers.query_param_matcher(
                {"display": "full", "filter[id]": ">[0]", "sort": "[id_ASC]", "limit": "2"}
            )
        ],
    )
    responses.get(
        PS + "order_histories",
        body=ps_fixture("order_histories_empty"),
        headers=XML,
        match=[
            matchers.query_param_matcher(
                {"display": "full", "filter[id]": ">[12]", "sort": "[id_ASC]", "limit": "2"}
            )
        ],
    )

    ids = [r["id"] for r in client.iter_ids("order_histories", page_size=2)]

    assert ids == ["11", "12"]
    assert len(responses.calls) == 2


@responses.activate
def test_php_notice_500_is_a_server_error_with_code(client):
    responses.add(_xml("error_php_notice", status=500, url=PS + "combinations/3"))

    with pytest.raises(errors.ApiServerError) as caught:
        client.get("combinations", 3)

    assert caught.value.code == "5"
    assert "PHP Notice #8" in caught.value.message


@responses.activate
def test_bad_filter_is_a_client_error_and_depends_on_stock_is_not_retryable(client):
    responses.add(_xml("error_bad_filter", status=400, url=PS + "order_histories"))
    responses.add(
        _xml(
            "error_depends_on_stock",
            status=500,
            url=PS + "stock_availables/1",
            method=responses.PUT,
        )
    )
    client._version = "1.6.1.23"
    responses.add(_xml("stock_available_1", url=PS + "stock_availables/1"))

    with pytest.raises(errors.ApiClientError) as bad_filter:
        client.list("order_histories", filters={"date_upd": ">[2024-01-01 00:00:00]"})
    with pytest.raises(errors.ApiClientError) as depends:
        client.stock_available_set_quantity(1, 3)

    assert bad_filter.value.code == "32"
    assert depends.value.code == "133"
    assert depends.value.retryable is False


@responses.activate
def test_401_without_error_body_hints_at_stripped_authorization(client):
    responses.get(
        PS + "orders/5",
        status=401,
        body="401 Unauthorized",
        headers={
            "WWW-Authenticate": 'Basic realm="Welcome to PrestaShop Webservice, '
            "please enter the authentication key as the login. No password "
            'required."'
        },
    )

    with pytest.raises(errors.ApiAuthError) as caught:
        client.order_get(5)

    assert "Enable CGI mode for PHP" in str(caught.value)
    assert caught.value.retryable is False


@responses.activate
def test_401_with_key_error_reports_prestashops_reason(client):
    responses.add(_xml("error_key_inactive", status=401, url=PS + "orders/5"))

    with pytest.raises(errors.ApiAuthError) as caught:
        client.order_get(5)

    assert caught.value.code == "20"
    assert "not active" in caught.value.message
    assert "CGI" not in str(caught.value)


@responses.activate
def test_redirected_write_is_not_followed(client):
    client._version = "8.0.0"
    responses.patch(
        PS + "order_carriers/2",
        status=302,
        headers={"Location": "https://www.shop.example.com/api/order_carriers/2"},
    )

    with pytest.raises(errors.ApiRedirectError) as caught:
        client.order_carrier_set_tracking(2, "3SDEVC931341234")

    assert len(responses.calls) == 1
    assert "https://www.shop.example.com/api/order_carriers/2" in str(caught.value)


@responses.activate
@pytest.mark.parametrize("name", ["xxe", "billion_laughs"])
def test_entity_attacks_in_responses_are_rejected(client, name):
    responses.get(PS + "orders/5", body=ps_fixture(name), headers=XML)

    with pytest.raises(errors.ApiResponseError):
        client.order_get(5)


@responses.activate
def test_html_200_is_a_response_error(client):
    responses.get(
        PS + "orders/5",
        body="<!DOCTYPE html><html><title>Maintenance</title></html>",
        content_type="text/html",
    )

    with pytest.raises(errors.ApiResponseError) as caught:
        client.order_get(5)

    assert "HTML page" in str(caught.value)


@responses.activate
def test_private_message_add_creates_thread_and_private_message(client):
    responses.add(_xml("order_5", url=PS + "orders/5"))
    responses.add(_xml("customer_1", url=PS + "customers/1"))
    responses.add(_xml("customer_threads_empty", url=PS + "customer_threads"))
    responses.add(
        _xml(
            "customer_thread_created",
            method=responses.POST,
            status=201,
            url=PS + "customer_threads",
        )
    )
    responses.add(
        _xml(
            "customer_message_created",
            method=responses.POST,
            status=201,
            url=PS + "customer_messages",
        )
    )

    message = client.private_message_add(5, "Picqer: picklist P2026-1 shipped")

    assert message.private is True
    thread_sent = psxml.record_to_dict(
        psxml.record_element(psxml.parse(responses.calls[3].request.body))
    )
    assert thread_sent["id_customer"] == "1" and thread_sent["id_order"] == "5"
    assert thread_sent["email"] == "pub@prestashop.com"
    assert thread_sent["id_contact"] == "0"
    assert len(thread_sent["token"]) == 12
    message_sent = psxml.record_to_dict(
        psxml.record_element(psxml.parse(responses.calls[4].request.body))
    )
    assert message_sent == {
        "id_customer_thread": "9",
        "id_employee": "0",
        "message": "Picqer: picklist P2026-1 shipped",
        "private": "1",
    }


def _products_xml(*rows: tuple[int, str]) -> bytes:
    """A `display=[id,reference,...]` products list, shaped like PrestaShop's."""
    items = "".join(
        f"<product><id><![CDATA[{i}]]></id><reference><![CDATA[{ref}]]></reference>"
        "<ean13></ean13><active><![CDATA[1]]></active></product>"
        for i, ref in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink='
        f'"http://www.w3.org/1999/xlink"><products>{items}</products></prestashop>'
    ).encode()


@pytest.mark.parametrize(
    ("reference", "sent"),
    [
        ("KIT[2]-RED", "%[-RED]%"),
        ("SKU]9", "%[SKU]%"),
        ("A|B-100", "%[B-100]%"),
        ("12,5", "%[12]%"),  # [12,5] would be BETWEEN 5 AND 12
        ("50%OFF", "%[OFF]%"),
        ("RED SHIRT L", "[RED SHIRT L]"),
        ("Größe-42 ü", "[Größe-42 ü]"),
    ],
)
@responses.activate
def test_references_with_any_character_are_looked_up_exactly(client, reference, sent):
    # What MySQL's collation and a broad LIKE let through: case, accent and trailing-space
    # variants and longer references. Only the exact reference may come back.
    near = [
        (2, reference.lower()),
        (3, reference + " "),
        (4, "X" + reference),
        (5, reference.upper()),
    ]
    responses.add(
        responses.GET,
        PS + "products",
        body=_products_xml(*[row for row in near if row[1] != reference], (7, reference)),
        headers=XML,
    )

    found = client.products_by_reference(reference)

    assert [row.id for row in found] == [7]
    assert _query(responses.calls[0])["filter[reference]"] == [sent]


@responses.activate
def test_a_reference_without_any_plain_run_reads_every_product_page_by_page(client):
    responses.add(
        responses.GET,
        PS + "products",
        headers=XML,
        body=_products_xml(*[(i, f"R{i}") for i in range(1, 1001)]),
    )
    responses.add(
        responses.GET, PS + "products", headers=XML, body=_products_xml((1001, "[]|"), (1002, "[]"))
    )

    found = client.products_by_reference("[]|")

    assert [row.id for row in found] == [1001]
    first, second = (_query(call) for call in responses.calls)
    assert "filter[reference]" not in first
    assert (first["filter[id]"], second["filter[id]"]) == ([">[0]"], [">[1000]"])
    assert first["limit"] == ["1000"]


@responses.activate
def test_secrets_never_reach_logs_or_exceptions(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(PS + "orders/5", status=401, body=f"bad key {KEY}")
    responses.get(
        PS + "orders/6",
        status=500,
        body=(
            f"<prestashop><errors><error><code>5</code><message>{KEY}</message></error>"
            "</errors></prestashop>"
        ).encode(),
    )

    texts = []
    for id_order in (5, 6):
        with pytest.raises(errors.ApiError) as caught:
            client.order_get(id_order)
        texts.append(str(caught.value))

    assert "PrestaShop GET /api/orders/5 -> 401" in caplog.text
    auth = base64.b64encode(f"{KEY}:".encode()).decode()
    for text in [caplog.text, *texts]:
        assert KEY not in text
        assert auth not in text


@responses.activate
def test_ping_reads_the_api_root_and_records_the_version(client):
    # GET, not HEAD: only a body says why a key is refused.
    responses.add(_xml("api_root", version="9.0.2", url=PS))

    assert client.ping() is True
    assert responses.calls[0].request.method == "GET"
    assert client.version == "9.0.2"
    assert len(responses.calls) == 1


@responses.activate
def test_ping_refuses_xml_that_is_not_the_resource_list(client):
    responses.add(_xml("order_histories", url=PS))

    with pytest.raises(errors.ApiResponseError):
        client.ping()


@responses.activate
@pytest.mark.parametrize(("code", "status"), [("26", 401), ("21", 401), ("25", 405)])
def test_a_known_key_without_rights_is_a_permission_error(client, code, status):
    body = ps_fixture("error_key_inactive").replace(b"[20]]", b"[" + code.encode() + b"]]")
    responses.get(PS + "orders/5", status=status, body=body, headers=XML)

    with pytest.raises(errors.ApiPermissionError) as caught:
        client.order_get(5)

    assert caught.value.code == code and caught.value.retryable is False


@responses.activate
def test_a_wrong_key_is_an_auth_error_but_not_a_missing_header(client):
    responses.add(_xml("error_key_inactive", status=401, url=PS + "orders/5"))

    with pytest.raises(errors.ApiAuthError) as caught:
        client.order_get(5)

    assert not isinstance(
        caught.value, (errors.ApiPermissionError, errors.ApiAuthHeaderMissingError)
    )


@responses.activate
def test_the_key_probe_puts_ws_key_in_the_address_and_no_log_shows_it(client, caplog):
    responses.add(_xml("api_root", url=PS))
    caplog.set_level(logging.DEBUG)

    assert client.ping_with_key_in_address() is None

    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["ws_key"] == [KEY]
    assert "ws_key=***" in caplog.text
    assert KEY not in caplog.text


def test_urllib3_debug_lines_never_show_a_key_from_the_query(caplog):
    # urllib3 logs each request line with its query at DEBUG, with the key of a probe.
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s',
        "https",
        "shop.example.com",
        443,
        "GET",
        f"/api/?ws_key={KEY}&id_shop=1",
        "HTTP/1.1",
        200,
        637,
    )

    assert KEY not in caplog.text
    assert "/api/?ws_key=***&id_shop=1" in caplog.text
