"""A key is only ever sent to the address it was saved for (issue 9, finding 1).

Each test points an account or shop at EVIL — a server of someone else's — by every route
there is (the admin form, an edit in memory, a save, config_import) and shows that no request
reaching EVIL carries a stored key or the webhook secret.
"""

import base64
import json
import re

import pytest
from django.urls import reverse

from prestapicqer.models import PicqerAccount, Shop
from prestapicqer.services.config_io import ConfigImportError, config_export, config_import
from prestapicqer.services.connection import account_connection_test, shop_connection_test
from prestapicqer.services.webhooks import account_hook_ensure, account_hooks_status
from sync.http.errors import ApiAuthError
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient
from sync.services.hooks import hook_ensure

from .conftest import PICQER, PICQER_KEY, PS_KEY, account_post, shop_post, staff_login

EVIL = "https://evil.example.net/"
EVIL_PICQER = EVIL + "api/v1/"
WEBHOOK_SECRET = "hook-secret-abc"  # tests/conftest.py `account`


@pytest.fixture
def evil(http):
    """EVIL answers everything like a friendly Picqer/PrestaShop would, and records it."""
    for method in ("GET", "POST", "PUT", "HEAD"):
        http.add(method, re.compile(re.escape(EVIL) + ".*"), json=[], status=200)
    return http


def evil_calls(http) -> list:
    return [call for call in http.calls if call.request.url.startswith(EVIL)]


def leaked(http) -> list[str]:
    """The stored secrets found in any request that reached EVIL (headers or body)."""
    found = []
    for call in evil_calls(http):
        auth = call.request.headers.get("Authorization", "")
        text = auth + " " + _basic_user(auth) + " " + str(call.request.body or "")
        found += [s for s in (PICQER_KEY, PS_KEY, WEBHOOK_SECRET) if s in text]
    return found


def _basic_user(auth: str) -> str:
    if not auth.startswith("Basic "):
        return ""
    return base64.b64decode(auth.removeprefix("Basic ")).decode(errors="replace")


def change_url(obj) -> str:
    return reverse(f"admin:prestapicqer_{obj._meta.model_name}_change", args=[obj.pk])


# -- the admin form ------------------------------------------------------------------------


def test_change_only_staff_cannot_point_the_account_elsewhere(staff_client, account, evil):
    """The reported attack: change permission only, a new API base URL, the page opened."""
    staff_client.post(change_url(account), account_post(account, api_base_url=EVIL_PICQER))
    staff_client.get(change_url(account))  # the page shows the hooks' status: it calls Picqer
    account.refresh_from_db()
    assert account.api_url == PICQER
    assert evil_calls(evil) == []


def test_change_only_staff_cannot_point_the_shop_elsewhere(staff_client, shop, evil):
    staff_client.post(change_url(shop), shop_post(shop, prestashop_url=EVIL))
    staff_client.get(change_url(shop))  # the page reads the shop's order states
    shop.refresh_from_db()
    assert shop.prestashop_url == "https://shop.example.com"
    assert evil_calls(evil) == []


def test_a_new_api_address_needs_the_key_again_and_nothing_is_sent(admin_client, account, evil):
    response = admin_client.post(
        change_url(account), account_post(account, api_base_url=EVIL_PICQER)
    )
    assert response.status_code == 200  # the form again, with the key asked for
    html = response.content.decode()
    assert "Enter the key again: a key is only sent to the address it was saved for." in html
    account.refresh_from_db()
    assert (account.api_url, account.api_key) == (PICQER, PICQER_KEY)
    assert leaked(evil) == []


def test_a_new_prestashop_url_needs_the_key_again_and_nothing_is_sent(admin_client, shop, evil):
    response = admin_client.post(change_url(shop), shop_post(shop, prestashop_url=EVIL))
    assert response.status_code == 200
    assert "Enter the key again" in response.content.decode()
    shop.refresh_from_db()
    assert (shop.prestashop_url, shop.webservice_key) == ("https://shop.example.com", PS_KEY)
    assert leaked(evil) == []


def test_entering_the_key_with_the_new_address_binds_it_there(admin_client, shop, evil):
    response = admin_client.post(
        change_url(shop),
        shop_post(shop, prestashop_url="https://new.example.com", webservice_key="N" * 32),
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.webservice_key, shop.key_saved_for) == ("N" * 32, "https://new.example.com")


def test_only_a_superuser_may_keep_the_key_for_a_new_address(
    client, django_user_model, account, evil
):
    manager = staff_login(
        client, django_user_model, "view", "change", extra=("manage_credentials",)
    )
    html = manager.get(change_url(account)).content.decode()
    assert 'name="api_key"' in html and "keep_key_for_new_address" not in html
    manager.post(
        change_url(account),
        account_post(account, api_base_url=EVIL_PICQER, keep_key_for_new_address="on"),
    )
    account.refresh_from_db()
    assert (account.api_url, account.api_key) == (PICQER, PICQER_KEY)
    assert leaked(evil) == []


def test_a_superuser_may_keep_the_key_for_the_new_address(admin_client, account, http):
    new = "https://picqer-proxy.example.com/api/v1/"
    assert "keep_key_for_new_address" in admin_client.get(change_url(account)).content.decode()
    response = admin_client.post(
        change_url(account), account_post(account, api_base_url=new, keep_key_for_new_address="on")
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.api_url, account.api_key, account.key_saved_for) == (new, PICQER_KEY, new)


# -- every other route: in memory, saved, imported ---------------------------------------


def test_an_address_changed_in_memory_gets_no_key_from_any_client_or_button(account, shop, evil):
    account.api_base_url = EVIL_PICQER
    shop.prestashop_url = EVIL
    for client in (PicqerClient.for_account(account), PrestaShopClient.for_shop(shop)):
        assert not client.session.auth[0]
        assert "Enter the key again" in client.refusal
    assert "Enter the key again" in account_connection_test(account=account).message
    assert "Enter the key again" in shop_connection_test(shop=shop).message
    assert "Enter the key again" in account_hook_ensure(account=account, kind="orders").message
    assert "Enter the key again" in account_hooks_status(account=account)["orders"]
    with pytest.raises(ApiAuthError):
        hook_ensure(account=account, kind="stock")
    assert evil_calls(evil) == []  # not even a request without the key


def test_saving_a_new_address_without_the_key_clears_it(account, shop, evil):
    account.subdomain = "evil"
    account.save()
    shop.prestashop_url = EVIL
    shop.save(update_fields=["prestashop_url"])
    account = PicqerAccount.objects.get(pk=account.pk)
    shop = Shop.objects.get(pk=shop.pk)
    assert (account.api_key, account.key_saved_for) == (None, "")
    assert (shop.webservice_key, shop.key_saved_for) == (None, "")
    assert "No PrestaShop webservice key is stored" in shop_connection_test(shop=shop).message
    assert (
        "could not be set up: No Picqer API key"
        in account_hook_ensure(account=account, kind="orders").message
    )
    assert leaked(evil) == []


def test_a_key_stored_for_another_address_is_never_read(account, evil):
    """A row changed behind the model's back (a raw update) still keeps its key home."""
    PicqerAccount.objects.filter(pk=account.pk).update(api_base_url=EVIL_PICQER)
    account = PicqerAccount.objects.get(pk=account.pk)
    assert account.api_key is None
    assert "was saved for https://example.picqer.com/api/v1/" in account.key_problem()


def test_config_import_refuses_a_new_address_without_its_key(shop, evil):
    data = config_export()
    data["accounts"][0]["shops"][0]["prestashop_url"] = EVIL
    with pytest.raises(
        ConfigImportError,
        match=r"webservice_key: The PrestaShop webservice "
        r"key was saved for https://shop.example.com",
    ):
        config_import(data=json.loads(json.dumps(data)))
    shop.refresh_from_db()
    assert (shop.prestashop_url, shop.webservice_key) == ("https://shop.example.com", PS_KEY)


def test_config_import_binds_a_key_the_file_carries_to_the_files_address(shop):
    data = config_export()
    data["accounts"][0]["api_base_url"] = "https://sandbox.example.com/api/v1/"
    data["accounts"][0]["api_key"] = "sandbox-key-0123456789"
    config_import(data=data)
    account = PicqerAccount.objects.get(pk=shop.account_id)
    assert account.api_key == "sandbox-key-0123456789"
    assert account.key_saved_for == "https://sandbox.example.com/api/v1/"


def test_refresh_lists_for_a_moved_address_says_why_nothing_was_sent(account, shop, evil):
    from prestapicqer.services.choices import choices_refresh

    account.api_base_url = EVIL_PICQER
    account.save(update_fields=["api_base_url"])
    shop.prestashop_url = EVIL
    shop.save(update_fields=["prestashop_url"])
    shop = Shop.objects.select_related("account").get(pk=shop.pk)

    warnings = choices_refresh(shop=shop)

    assert warnings and all("HTTP None" not in w for w in warnings)
    assert any("No Picqer API key is stored" in w for w in warnings)
    assert any("No PrestaShop webservice key is stored" in w for w in warnings)
    assert evil_calls(evil) == []
