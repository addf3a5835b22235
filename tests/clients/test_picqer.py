"""PicqerClient: auth, pagination, 429 handling, error translation, resource paths."""

import base64
import json
import logging

import pytest
import requests
import responses
from responses import matchers

from sync.http import errors, ratelimit
from sync.picqer.client import PicqerClient
from sync.picqer.records import Comment, order_parse

from .conftest import PICQER, picqer_fixture

API_KEY = "picqer-test-key-123456"


@pytest.fixture
def client(account, clock):
    return PicqerClient.for_account(account)


def _products(start: int, count: int) -> list[dict]:
    template = picqer_fixture("product")
    return [
        {**template, "idproduct": i + 1, "productcode": f"SKU-{i}"}
        for i in range(start, start + count)
    ]


@responses.activate
def test_it_sends_basic_auth_with_key_as_username_and_user_agent(client, settings):
    responses.get(PICQER + "vatgroups", json=picqer_fixture("vatgroups"))

    assert client.ping() is True

    headers = responses.calls[0].request.headers
    expected = base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"
    assert headers["User-Agent"] == settings.PICQER_USER_AGENT
    assert headers["Accept"] == "application/json"


@responses.activate
def test_iter_list_pages_by_100_until_a_short_page(client):
    for offset, count in ((0, 100), (100, 100), (200, 50)):
        responses.get(
            PICQER + "products",
            json=_products(offset, count),
            match=[matchers.query_param_matcher({"tag": "Sale", "offset": str(offset)})],
        )

    items = list(client.products_iter({"tag": "Sale"}))

    assert len(items) == 250
    assert [p.idproduct for p in items[:2]] == [1, 2]
    assert items[-1].idproduct == 250
    assert len(responses.calls) == 3


@responses.activate
def test_reading_ahead_asks_for_the_next_page_while_the_caller_works_on_this_one(client):
    import threading

    second_page_asked = threading.Event()

    def second_page(request):
        second_page_asked.set()
        return 200, {}, json.dumps(_products(100, 30))

    responses.get(
        PICQER + "products",
        json=_products(0, 100),
        match=[matchers.query_param_matcher({"offset": "0"})],
    )
    responses.add_callback(
        responses.GET,
        PICQER + "products",
        callback=second_page,
        match=[matchers.query_param_matcher({"offset": "100"})],
    )

    products = client.products_iter(read_ahead=True)
    first = next(products)
    asked_before_page_one_was_used = second_page_asked.wait(timeout=30)  # deadlock guard
    rest = list(products)

    assert first.idproduct == 1
    assert asked_before_page_one_was_used
    assert [p.idproduct for p in rest] == list(range(2, 131))
    assert len(responses.calls) == 2


@responses.activate
def test_iter_list_stops_after_an_empty_page(client):
    responses.get(PICQER + "tags", json=[], match=[matchers.query_param_matcher({"offset": "0"})])

    assert client.tags_list() == []
    assert len(responses.calls) == 1


@responses.activate
def test_429_with_retry_after_waits_and_resends_the_identical_request(client, clock, account):
    responses.post(
        PICQER + "orders",
        status=429,
        json=picqer_fixture("error_rate_limit"),
        headers={"Retry-After": "5"},
    )
    responses.post(PICQER + "orders", status=201, json=picqer_fixture("order"))

    order = client.order_create(
        {"reference": "DEV-5", "products": [{"idproduct": 633, "amount": 1}]}
    )

    assert order.idorder == 240350427
    first, second = responses.calls
    assert first.request.url == second.request.url
    assert first.request.body == second.request.body
    assert json.loads(second.request.body)["reference"] == "DEV-5"
    assert clock.slept == [5.0]  # waited out the shared pause before re-sending


@responses.activate
def test_429_without_retry_after_records_a_shared_20s_pause(client, clock, account):
    responses.get(PICQER + "orders/1", status=429, json=picqer_fixture("error_rate_limit"))
    responses.get(PICQER + "orders/1", status=429, json=picqer_fixture("error_rate_limit"))

    with pytest.raises(errors.ApiRateLimitedError) as caught:
        client.order_get(1)

    assert caught.value.retry_after == 20.0
    assert caught.value.code == 28
    assert caught.value.retryable is True
    assert len(responses.calls) == 2  # retried in-process exactly once
    assert ratelimit.paused_for(f"picqer:{account.pk}") == pytest.approx(20.0)


@responses.activate
def test_a_recorded_pause_makes_other_clients_of_the_account_wait(account, clock):
    ratelimit.record_pause(f"picqer:{account.pk}", 12)
    other_process = PicqerClient.for_account(account)
    responses.get(PICQER + "vatgroups", json=[])

    other_process.ping()

    assert clock.slept == [12.0]


@responses.activate
def test_long_retry_after_is_left_to_celery(client, account):
    responses.get(
        PICQER + "orders/1",
        status=429,
        json=picqer_fixture("error_rate_limit"),
        headers={"Retry-After": "120"},
    )

    with pytest.raises(errors.ApiRateLimitedError) as caught:
        client.order_get(1)

    assert caught.value.retry_after == 120.0
    assert len(responses.calls) == 1
    assert ratelimit.paused_for(f"picqer:{account.pk}") > 100


@responses.activate
def test_budget_exhausted_waits_for_the_next_minute(account, clock):
    client = PicqerClient.for_account(account, rate_limit_per_minute=2)
    responses.get(PICQER + "vatgroups", json=[])

    for _ in range(3):
        client.ping()

    assert len(responses.calls) == 3
    assert len(clock.slept) == 1
    assert 0 < clock.slept[0] <= 60


def test_budget_raises_instead_of_waiting_too_long(account, clock):
    ratelimit.record_pause(f"picqer:{account.pk}", 300)
    client = PicqerClient.for_account(account)

    with pytest.raises(errors.ApiRateLimitedError) as caught:
        client.ping()

    assert caught.value.retry_after == pytest.approx(300)
    assert clock.slept == []


@responses.activate
def test_5xx_is_a_retryable_server_error(client):
    responses.get(PICQER + "orders/1", status=502, body="Bad gateway")

    with pytest.raises(errors.ApiServerError) as caught:
        client.order_get(1)

    assert caught.value.status == 502
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), errors.ApiTimeoutError),
        (requests.exceptions.ConnectTimeout("connect timed out"), errors.ApiTimeoutError),
        (requests.exceptions.SSLError("certificate verify failed"), errors.ApiTransportError),
        (
            requests.exceptions.ConnectionError("Name or service not known"),
            errors.ApiTransportError,
        ),
    ],
)
@responses.activate
def test_transport_failures_become_typed_errors(client, raised, expected):
    responses.get(PICQER + "orders/1", body=raised)

    with pytest.raises(expected) as caught:
        client.order_get(1)

    assert caught.value.retryable is True
    assert "example.picqer.com" in str(caught.value)


@responses.activate
def test_an_html_page_with_200_is_a_response_error(client):
    responses.get(
        PICQER + "orders/1",
        status=200,
        content_type="text/html",
        body="<!DOCTYPE html><html><body>Log in to Picqer</body></html>",
    )

    with pytest.raises(errors.ApiResponseError) as caught:
        client.order_get(1)

    assert "HTML page, not the Picqer API" in str(caught.value)
    assert caught.value.retryable is False


@responses.activate
def test_picqer_error_json_becomes_client_error_with_code_and_message(client):
    responses.post(PICQER + "orders", status=400, json=picqer_fixture("error_product_missing"))

    with pytest.raises(errors.ApiClientError) as caught:
        client.order_create({"reference": "DEV-5", "products": []})

    assert caught.value.code == 24
    assert caught.value.message == "Product you are trying to order, does not exists"
    assert caught.value.retryable is False
    assert "error code 24" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, errors.ApiAuthError), (403, errors.ApiAuthError), (404, errors.ApiNotFoundError)],
)
@responses.activate
def test_status_codes_map_to_error_types(client, status, expected):
    responses.get(
        PICQER + "orders/1",
        status=status,
        json={"error": True, "error_code": 20, "error_message": "Item not found"},
    )

    with pytest.raises(expected):
        client.order_get(1)


@responses.activate
def test_secrets_never_reach_logs_or_exceptions(client, caplog):
    caplog.set_level(logging.DEBUG)
    auth = base64.b64encode(f"{API_KEY}:".encode()).decode()
    responses.get(
        PICQER + "orders/1",
        status=401,
        json={"error": True, "error_code": 1, "error_message": f"bad key {API_KEY}"},
    )
    responses.get(
        PICQER + "orders/2", body=requests.exceptions.ConnectionError(f"failed with {API_KEY}")
    )

    caught = []
    for idorder in (1, 2):
        with pytest.raises(errors.ApiError) as exc:
            client.order_get(idorder)
        caught.append(str(exc.value))

    assert "GET /api/v1/orders/1 -> 401" in caplog.text
    for text in [caplog.text, *caught]:
        assert API_KEY not in text
        assert auth not in text


@responses.activate
def test_order_actions_use_documented_paths(client):
    responses.post(PICQER + "orders/7/process", json=picqer_fixture("order"))
    responses.post(PICQER + "orders/7/allocate", json=picqer_fixture("order"))
    responses.post(PICQER + "orders/7/deallocate", json=picqer_fixture("order"))
    responses.delete(
        PICQER + "orders/7", status=204, match=[matchers.query_param_matcher({"force": "true"})]
    )
    responses.post(
        PICQER + "orders/7/tags",
        json={"idtag": 1},
        match=[matchers.json_params_matcher({"idtag": 1})],
    )
    responses.post(
        PICQER + "orders/7/tags",
        json={"idtag": 2},
        match=[matchers.json_params_matcher({"idtag": 2})],
    )
    responses.post(
        PICQER + "orders/7/comments",
        status=201,
        json={"idcomment": 3},
        match=[
            matchers.json_params_matcher(
                {"body": "Paid", "show_at_related": False, "is_visible_fulfilment": False}
            )
        ],
    )

    client.order_process(7)
    client.order_allocate(7)
    client.order_deallocate(7)
    assert client.order_cancel(7, force=True) is None
    client.order_tags_add(7, [1, 2])
    assert client.order_comment_add(7, "Paid") == Comment(idcomment=3, body="")

    assert len(responses.calls) == 7
    assert responses.calls[0].request.body is None  # process has no body


@responses.activate
def test_orders_find_by_reference_returns_a_list(client):
    responses.get(
        PICQER + "orders",
        json=[picqer_fixture("order")],
        match=[matchers.query_param_matcher({"reference": "DEV-5", "offset": "0"})],
    )

    found = client.orders_find_by_reference("DEV-5")

    assert [o.orderid for o in found] == ["O2026-1002"]


@responses.activate
def test_order_picklists_reads_the_embedded_list(client):
    responses.get(PICQER + "orders/240350427", json=picqer_fixture("order"))

    picklists = client.order_picklists(240350427)

    assert [p.idpicklist for p in picklists] == [439]


@responses.activate
def test_order_picklists_falls_back_to_filtering_picklists(client):
    order = order_parse({k: v for k, v in picqer_fixture("order").items() if k != "picklists"})
    responses.get(
        PICQER + "picklists",
        json=[{"idpicklist": 439, "idorder": 240350427}, {"idpicklist": 440, "idorder": 99}],
    )

    picklists = client.order_picklists(240350427, order=order)

    assert [p.idpicklist for p in picklists] == [439]


@responses.activate
def test_stock_and_shipment_reads(client):
    responses.get(PICQER + "products/138/stock", json=picqer_fixture("product")["stock"])
    responses.get(PICQER + "warehouses/18/stock", json=picqer_fixture("warehouse_stock"))
    responses.get(PICQER + "picklists/439/shipments", json=picqer_fixture("picklist_shipments"))

    assert client.product_stock(138)[0].freestock == 35
    assert [i.freestock for i in client.warehouse_stock_iter(18)] == [35, 3]
    assert client.picklist_shipments(439)[0].trackingcode == "3SDEVC931341234"


@responses.activate
def test_products_by_productcode_can_include_inactive(client):
    product = picqer_fixture("product")
    responses.get(
        PICQER + "products",
        json=[product],
        match=[matchers.query_param_matcher({"productcode": "6531-RB-7-9"})],
    )
    responses.get(
        PICQER + "products",
        json=[product, {**product, "idproduct": 200}],
        match=[matchers.query_param_matcher({"productcode": "6531-RB-7-9", "inactive": "1"})],
    )

    found = client.products_by_productcode("6531-RB-7-9", include_inactive=True)

    assert [p.idproduct for p in found] == [138, 200]


@responses.activate
def test_hook_management(client):
    hook = picqer_fixture("hook")
    responses.post(
        PICQER + "hooks",
        status=201,
        json=hook,
        match=[
            matchers.json_params_matcher(
                {
                    "name": "n",
                    "event": "orders.status_changed",
                    "address": hook["address"],
                    "secret": "s3cret",
                }
            )
        ],
    )
    responses.post(PICQER + "hooks/30088/reactivate", json=hook)
    responses.delete(PICQER + "hooks/30088", status=204)

    assert (
        client.hook_create(
            name="n", event="orders.status_changed", address=hook["address"], secret="s3cret"
        ).idhook
        == 30088
    )
    assert client.hook_reactivate(30088).active is True
    assert client.hook_deactivate(30088) is None


@responses.activate
def test_writes_do_not_follow_redirects(client):
    responses.post(
        PICQER + "orders",
        status=301,
        headers={"Location": "https://other.picqer.com/api/v1/orders?x=1"},
    )

    with pytest.raises(errors.ApiRedirectError) as caught:
        client.order_create({"reference": "DEV-5"})

    assert len(responses.calls) == 1
    assert "https://other.picqer.com/api/v1/orders" in str(caught.value)
