"""Buttons, tokens and keys need their own permissions (issue 9, finding 6); the server
refuses without them, it does not only hide the buttons."""

import pytest
from django.urls import reverse

from .conftest import PICQER, PICQER_KEY, mock_picqer_lists, staff_login

BUTTONS = ["test_connection", "refresh_lists", "hook_orders", "hook_stock"]


def run_url(obj, button: str) -> str:
    return reverse(f"admin:prestapicqer_{obj._meta.model_name}_run", args=[obj.pk, button])


def change_url(obj) -> str:
    return reverse(f"admin:prestapicqer_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("button", BUTTONS)
@pytest.mark.parametrize("target", ["account", "shop"])
def test_change_only_staff_get_403_on_every_button_and_nothing_is_called(
    staff_client, http, account, shop, target, button
):
    obj = {"account": account, "shop": shop}[target]
    assert staff_client.post(run_url(obj, button)).status_code == 403
    assert len(http.calls) == 0


def test_change_only_staff_see_no_buttons(staff_client, http, account):
    mock_picqer_lists(http)
    html = staff_client.get(change_url(account)).content.decode()
    for button in BUTTONS:
        assert run_url(account, button) not in html


def test_each_button_needs_its_own_permission(client, django_user_model, http, account):
    tester = staff_login(client, django_user_model, "view", extra=("run_connection_test",))
    http.get(PICQER + "vatgroups", json=[])
    assert tester.post(run_url(account, "test_connection")).status_code == 302
    assert tester.post(run_url(account, "hook_orders")).status_code == 403
    html = tester.get(change_url(account)).content.decode()
    assert run_url(account, "test_connection") in html
    assert run_url(account, "hook_orders") not in html


def test_the_test_connection_action_needs_the_permission(staff_client, http, shop):
    response = staff_client.post(
        reverse("admin:prestapicqer_shop_changelist"),
        {"action": "test_connection_selected", "_selected_action": [shop.pk]},
        follow=True,
    )
    assert "No action selected." in response.content.decode()
    assert not [c for c in http.calls if "shop.example.com" in c.request.url]


def test_view_only_staff_see_the_full_sync_url_with_the_token_masked(
    viewer_client, remotes_up, shop
):
    html = viewer_client.get(change_url(shop)).content.decode()
    assert shop.full_sync_token not in html
    assert f"/stock-sync/{shop.pk}/?token=•••• {shop.full_sync_token[-4:]}" in html
    assert PICQER_KEY not in html


def test_the_token_permission_shows_the_whole_url(client, django_user_model, remotes_up, shop):
    reader = staff_login(client, django_user_model, "view", extra=("reveal_sync_token",))
    assert shop.full_sync_url in reader.get(change_url(shop)).content.decode()


def test_view_only_staff_cannot_change_addresses(viewer_client, account, remotes_up):
    html = viewer_client.get(change_url(account)).content.decode()
    assert 'name="api_base_url"' not in html and 'name="api_key"' not in html


@pytest.mark.parametrize("model", ["picqeraccount", "shop"])
def test_adding_an_account_or_shop_needs_the_credentials_permission(staff_client, model):
    """A new account or shop is an address with its key."""
    assert staff_client.get(reverse(f"admin:prestapicqer_{model}_add")).status_code == 403
