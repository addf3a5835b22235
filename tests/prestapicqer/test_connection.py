"""Connection tests explain each failure in plain words (service and admin buttons)."""

import pytest
import requests
from django.urls import reverse

from prestapicqer.services.connection import account_connection_test, shop_connection_test

from .conftest import FIXTURES, PICQER, PICQER_KEY, PS, PS_KEY, mock_picqer_lists

pytestmark = pytest.mark.django_db

HTML_PAGE = "<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hi</body></html>"
DNS_ERROR = requests.exceptions.ConnectionError(
    "HTTPSConnectionPool(host='example.picqer.com', port=443): Max retries exceeded with url: "
    '/api/v1/vatgroups?offset=0 (Caused by NameResolutionError("<urllib3.connection.'
    "HTTPSConnection object at 0x7f3c>: Failed to resolve 'example.picqer.com' ([Errno -2] "
    'Name or service not known)"))'
)
REFUSED_ERROR = requests.exceptions.ConnectionError(
    "HTTPSConnectionPool(host='shop.example.com', port=443): Max retries exceeded with url: "
    "/api/ (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at "
    "0x7f3c>: Failed to establish a new connection: [Errno 111] Connection refused'))"
)


@pytest.mark.parametrize(
    "answer, expected",
    [
        (
            {
                "status": 401,
                "json": {"error": True, "error_code": 1, "error_message": "Unauthorized"},
            },
            "Picqer refused the API key (HTTP 401)",
        ),
        ({"body": DNS_ERROR}, "does not exist (name lookup failed). Check the Picqer subdomain"),
        (
            {"status": 404, "body": HTML_PAGE, "content_type": "text/html"},
            'answered "not found" (HTTP 404). Check the Picqer subdomain',
        ),
        ({"body": REFUSED_ERROR}, "Could not connect to example.picqer.com"),
        ({"body": requests.exceptions.ConnectTimeout("timed out")}, "did not answer in time"),
        (
            {"status": 200, "body": HTML_PAGE, "content_type": "text/html"},
            "answered with a web page or other non-API content instead of the Picqer API",
        ),
        (
            {
                "status": 500,
                "json": {
                    "error": True,
                    "error_code": 1,
                    "error_message": "Unknown application error",
                },
            },
            "Picqer had an internal error (HTTP 500)",
        ),
    ],
)
def test_account_connection_test_explains_each_failure(http, account, answer, expected):
    http.get(PICQER + "vatgroups", **answer)
    result = account_connection_test(account=account)
    assert result.ok is False
    assert expected in result.message
    assert PICQER_KEY not in result.message


def test_account_connection_test_reports_success(http, account):
    mock_picqer_lists(http)
    result = account_connection_test(account=account)
    assert result.ok is True
    assert "Connected to Picqer at example.picqer.com" in result.message


PS_REALM = {
    "WWW-Authenticate": 'Basic realm="Welcome to PrestaShop Webservice, please enter '
    'the authentication key as the login. No password required."'
}
XML = "text/xml;charset=utf-8"
API_ROOT = (FIXTURES.parent.parent / "fixtures" / "prestashop" / "api_root.xml").read_bytes()


def ps_error(code: int, message: str) -> str:
    """PrestaShop's error body (WebserviceOutputXML), as its webservice sends it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/'
        f'1999/xlink">\n<errors>\n<error>\n<code><![CDATA[{code}]]></code>\n<message><!'
        f"[CDATA[{message}]]></message>\n</error>\n</errors>\n</prestashop>\n"
    )


def mock_root(http, **answer):
    """GET /api/, the connection test's first call (the resources the key may use)."""
    http.get(PS, **answer)


def mock_root_ok(http):
    mock_root(http, body=API_ROOT, content_type=XML, headers={"PSWS-Version": "8.1.2"})


@pytest.mark.parametrize(
    "answer, expected",
    [
        (
            {
                "status": 403,
                "body": ps_error(132, "No permission for this key on this shop"),
                "content_type": XML,
            },
            "allow this shop in the webservice key's shop association",
        ),
        ({"body": REFUSED_ERROR}, "Could not connect to shop.example.com"),
        ({"status": 503}, "The PrestaShop webservice is switched off (HTTP 503)"),
        ({"status": 404, "body": ""}, "Check the PrestaShop URL, that the webservice is enabled"),
    ],
)
def test_shop_connection_test_explains_each_failure(http, shop, answer, expected):
    mock_root(http, **answer)
    result = shop_connection_test(shop=shop)
    assert result.ok is False
    assert expected in result.message
    assert PS_KEY not in result.message


@pytest.mark.parametrize(
    "code, message",
    [
        (20, "Authentification key is not active"),
        (19, "Authentification key does not exist"),
        (18, "Invalid authentication key format"),
    ],
)
def test_a_wrong_key_is_called_wrong_without_the_header_hint(http, shop, code, message):
    mock_root(http, status=401, body=ps_error(code, message), content_type=XML, headers=PS_REALM)
    result = shop_connection_test(shop=shop)
    assert result.ok is False
    assert "PrestaShop does not accept this webservice key (HTTP 401)" in result.message
    assert message in result.message and "Copy the key again" in result.message
    assert "CGI" not in result.message and "Authorization" not in result.message


def test_a_key_without_rights_on_order_states_is_called_a_rights_problem(http, shop):
    mock_root_ok(http)
    http.get(
        PS + "order_states",
        status=401,
        content_type=XML,
        body=ps_error(
            26, 'Resource of type "order_states" is not allowed with this authentication key'
        ),
    )
    result = shop_connection_test(shop=shop)
    assert result.ok is False
    assert "PrestaShop accepts the webservice key, but the key lacks rights" in result.message
    assert '"order_states" is not allowed' in result.message
    assert "CGI" not in result.message and "does not accept" not in result.message


def test_a_key_without_any_permission_is_a_rights_problem(http, shop):
    mock_root(
        http,
        status=401,
        body=ps_error(21, "No permission for this authentication key"),
        content_type=XML,
        headers=PS_REALM,
    )
    result = shop_connection_test(shop=shop)
    assert "the key lacks rights" in result.message and "CGI" not in result.message


def test_a_stripped_authorization_header_is_detected_and_confirmed(http, shop):
    # The dispatcher saw no key: bare "401 Unauthorized" (16 bytes), no XML. With ws_key in
    # the address the same key works, so the header was dropped on the way.
    from responses import matchers

    mock_root(
        http,
        status=401,
        body="401 Unauthorized",
        content_type="text/html",
        headers=PS_REALM,
        match=[matchers.query_param_matcher({})],
    )
    mock_root(
        http,
        body=API_ROOT,
        content_type=XML,
        match=[matchers.query_param_matcher({"ws_key": PS_KEY})],
    )
    result = shop_connection_test(shop=shop)
    assert result.ok is False
    assert "drops the Authorization header" in result.message
    assert "Enable CGI mode for PHP" in result.message
    assert "Confirmed: the same key is accepted when sent in the address" in result.message
    assert PS_KEY not in result.message
    probe = http.calls[1].request
    assert probe.url.startswith(PS + "?") and "ws_key=" in probe.url


def test_a_stripped_header_and_a_wrong_key_are_both_reported(http, shop):
    from responses import matchers

    mock_root(
        http,
        status=401,
        body="401 Unauthorized",
        headers=PS_REALM,
        match=[matchers.query_param_matcher({})],
    )
    mock_root(
        http,
        status=401,
        body=ps_error(20, "Authentification key is not active"),
        content_type=XML,
        headers=PS_REALM,
        match=[matchers.query_param_matcher({"ws_key": PS_KEY})],
    )
    result = shop_connection_test(shop=shop)
    assert "drops the Authorization header" in result.message
    assert "The key itself is refused too (Authentification key is not active)" in (result.message)


def test_the_key_probe_is_never_redirected_to_another_address(http, shop):
    from responses import matchers

    mock_root(
        http,
        status=401,
        body="401 Unauthorized",
        headers=PS_REALM,
        match=[matchers.query_param_matcher({})],
    )
    mock_root(
        http,
        status=302,
        headers={"Location": "https://elsewhere.example.net/api/"},
        match=[matchers.query_param_matcher({"ws_key": PS_KEY})],
    )
    http.get("https://elsewhere.example.net/api/", body=API_ROOT, content_type=XML)
    result = shop_connection_test(shop=shop)
    assert "drops the Authorization header" in result.message
    assert "Confirmed" not in result.message
    assert all("elsewhere" not in call.request.url for call in http.calls)


def test_a_password_of_the_web_server_itself_is_named_as_such(http, shop):
    mock_root(
        http,
        status=401,
        body="<html><body>Authorization Required</body></html>",
        content_type="text/html",
        headers={"WWW-Authenticate": 'Basic realm="Staging"'},
    )
    result = shop_connection_test(shop=shop)
    assert 'password of the web server itself (HTTP authentication "Staging")' in (result.message)
    assert "CGI" not in result.message


def test_shop_connection_test_detects_a_web_page_instead_of_the_webservice(http, shop):
    # A CMS answering every address with its home page.
    mock_root(http, body=HTML_PAGE, content_type="text/html; charset=utf-8")
    result = shop_connection_test(shop=shop)
    assert result.ok is False
    assert "instead of the PrestaShop webservice" in result.message


def test_shop_connection_test_reports_success_with_version(http, shop):
    mock_root_ok(http)
    http.get(
        PS + "order_states",
        body=(FIXTURES / "order_states.xml").read_bytes(),
        content_type="text/xml",
    )
    result = shop_connection_test(shop=shop)
    assert result.ok is True
    assert "(PrestaShop 8.1.2)" in result.message and "6 order statuses" in result.message
    assert len(http.calls) == 2


def test_a_json_server_that_is_not_picqer_is_not_called_working(http, account):
    http.get(PICQER + "vatgroups", json={"status": "ok", "items": []})
    result = account_connection_test(account=account)
    assert result.ok is False
    assert "answers, but not as Picqer does" in result.message
    assert "the API key works" not in result.message


def run(client, obj, button: str):
    name = f"admin:prestapicqer_{obj._meta.model_name}_run"
    return client.post(reverse(name, args=[obj.pk, button]), follow=True)


def test_the_test_connection_button_shows_the_result_on_the_page(admin_client, http, account):
    http.get(PICQER + "vatgroups", status=401, body="")
    response = run(admin_client, account, "test_connection")
    assert response.status_code == 200
    assert "Picqer refused the API key (HTTP 401)" in response.content.decode()


def test_buttons_only_accept_post(admin_client, account):
    url = reverse("admin:prestapicqer_picqeraccount_run", args=[account.pk, "test_connection"])
    assert admin_client.get(url).status_code == 405
    bad = reverse("admin:prestapicqer_picqeraccount_run", args=[account.pk, "drop_tables"])
    assert admin_client.post(bad).status_code == 404


def test_the_shop_test_connection_button_and_admin_action(admin_client, http, shop):
    mock_root(http, body=REFUSED_ERROR)
    response = run(admin_client, shop, "test_connection")
    assert "Could not connect to shop.example.com" in response.content.decode()
    response = admin_client.post(
        reverse("admin:prestapicqer_shop_changelist"),
        {"action": "test_connection_selected", "_selected_action": [shop.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Dev shop (DEV): Could not connect" in response.content.decode()


def test_the_webhook_button_creates_the_hook(admin_client, http, account):
    http.get(PICQER + "hooks", json=[])
    http.post(
        PICQER + "hooks",
        status=201,
        json={
            "idhook": 30088,
            "name": "PrestaPicqer orders",
            "event": "orders.status_changed",
            "address": account.webhook_url,
            "active": True,
            "secret": True,
        },
    )
    response = run(admin_client, account, "hook_orders")
    assert "The Picqer orders webhook is active (hook 30088): created." in (
        response.content.decode()
    )
    account.refresh_from_db()
    assert account.orders_hook_id == 30088


def test_the_webhook_button_explains_a_failure_instead_of_crashing(admin_client, http, shop):
    http.get(PICQER + "hooks", status=401, body="")
    response = run(admin_client, shop, "hook_stock")
    assert response.status_code == 200
    assert "The Picqer stock webhook could not be set up: Picqer refused the API key" in (
        response.content.decode()
    )


def test_hook_status_failures_are_remembered_briefly_and_buttons_still_ask(http, account):
    from prestapicqer.services.webhooks import account_hook_ensure, account_hooks_status

    http.get(PICQER + "hooks", status=401, body="")
    first = account_hooks_status(account=account)
    second = account_hooks_status(account=account)
    assert first == second and first["orders"].startswith("Unknown: Picqer refused the API key")
    assert len(http.calls) == 1
    account_hook_ensure(account=account, kind="orders")
    assert len(http.calls) == 2


def test_a_replayed_hook_status_failure_reads_in_each_viewers_language(http, account):
    from django.utils import translation

    from prestapicqer.services.webhooks import account_hooks_status

    http.get(PICQER + "hooks", status=401, body="")
    with translation.override("nl"):
        dutch = account_hooks_status(account=account)["orders"]
    with translation.override("en"):
        english = account_hooks_status(account=account)["orders"]  # replayed, not asked

    assert len(http.calls) == 1
    assert english.startswith("Unknown: Picqer refused the API key")
    assert dutch.startswith("Onbekend: ") and "refused" not in dutch


def test_replaying_a_hook_status_failure_does_not_restart_its_minute(http, account):
    from unittest import mock

    from django.core.cache import cache

    from prestapicqer.services.webhooks import account_hooks_status

    http.get(PICQER + "hooks", status=401, body="")
    with mock.patch.object(cache, "set", wraps=cache.set) as remember:
        for _ in range(3):
            account_hooks_status(account=account)

    failure_sets = [
        c
        for c in remember.call_args_list
        if c.args[0].startswith("prestapicqer:hooks-status-failed")
    ]
    assert len(failure_sets) == 1
    assert len(http.calls) == 1
