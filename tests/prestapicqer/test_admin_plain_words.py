"""Issue 13 part 5 and issue 14 parts 2-3 on the configuration pages: names instead of ids,
the carrier check, hook buttons by their status, URL warnings and copy boxes, form defaults,
the Picqer API address with or without /api/v1/, and an optional subdomain."""

import re

import pytest
from django.urls import reverse

from prestapicqer.models import PicqerAccount, RemoteChoices, StatusMapping
from prestapicqer.services.config_io import ConfigImportError, config_import
from prestapicqer.services.reachability import public_url_problem

from .conftest import account_post, mock_picqer_lists, staff_login

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:prestapicqer_{obj._meta.model_name}_change", args=[obj.pk])


def field_box(html: str, field: str) -> str:
    """The read-only box of one field on a change page."""
    match = re.search(
        rf'<div class="form-row[^"]*field-{field}\b.*?(?=<div class="form-row|'
        r"</fieldset>)",
        html,
        flags=re.S,
    )
    assert match, f"{field} not on the page"
    return match.group(0)


def test_the_admin_is_titled_prestapicqer(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>Overview | PrestaPicqer</title>" in html
    assert ">PrestaPicqer</a>" in html  # the header


def test_a_status_mapping_row_reads_in_names(shop):
    RemoteChoices.objects.create(
        key=f"prestashop:{shop.pk}:order_states", items=[[4, "Shipped"], [2, "Payment accepted"]]
    )
    row = StatusMapping(shop=shop, from_state_id=None, picqer_status="completed", to_state_id=4)
    assert str(row) == "Any + Picqer Completed → Shipped"
    row.from_state_id, row.to_state_id = 2, 9
    assert str(row) == "Payment accepted + Picqer Completed → status 9"


def test_the_shop_page_shows_which_carriers_get_tracking_codes(admin_client, shop, remotes_up):
    html = admin_client.get(change_url(shop)).content.decode()
    box = field_box(html, "carrier_matching")
    # carriers.xml has PostNL; Picqer has PostNL and Sendcloud DPD (DHL (old) is inactive).
    assert re.search(r'class="success">Tracking codes arrive for: “PostNL”', box)
    assert re.search(
        r'class="warning">Picqer shipping providers without a PrestaShop carrier'
        r"[^<]*: “Sendcloud DPD”",
        box,
    )
    assert "DHL (old)" not in box


def test_the_carrier_check_says_when_it_cannot_know(admin_client, shop):
    box = field_box(admin_client.get(change_url(shop)).content.decode(), "carrier_matching")
    assert "Unknown until both lists can be read." in box


def test_each_hook_button_sits_next_to_its_status(admin_client, http, account):
    mock_picqer_lists(http)
    html = admin_client.get(change_url(account)).content.decode()
    for kind in ("orders", "stock"):
        url = reverse("admin:prestapicqer_picqeraccount_run", args=[account.pk, f"hook_{kind}"])
        box = field_box(html, f"{kind}_webhook_status")
        assert f'formaction="{url}"' in box
        assert html.count(url) == 1  # not also in the buttons at the top
    tools = re.search(r'<ul class="object-tools">.*?</ul>', html, flags=re.S).group(0)
    assert "Test connection" in tools and "webhook" not in tools


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://sync.example.com/webhooks/picqer/x/", ""),
        ("http://sync.example.com/webhooks/picqer/x/", "not https"),
        ("https://localhost:8000/x/", "this computer"),
        ("https://127.0.0.1/x/", "this computer"),
        ("https://[::1]/x/", "this computer"),
        ("https://10.1.2.3/x/", "private network"),
        ("https://172.16.5.1/x/", "private network"),
        ("https://172.32.0.1/x/", ""),
        ("https://192.168.1.10/x/", "private network"),
        ("https://[fd12::1]/x/", "private network"),
        ("https://[fe80::1]/x/", "private network"),
        ("https://169.254.10.1/x/", "private network"),
    ],
)
def test_public_url_problems(url, problem):
    found = public_url_problem(url)
    assert (problem in found) if problem else found == ""


def test_the_account_page_warns_about_a_local_webhook_url_without_blocking(
    admin_client, http, account
):
    mock_picqer_lists(http)
    account.public_base_url = "http://127.0.0.1:8000"
    account.save()
    box = field_box(admin_client.get(change_url(account)).content.decode(), "webhook_url_box")
    assert "Picqer cannot reach this address" in box and "not https" in box
    response = admin_client.post(change_url(account), account_post(account))
    assert response.status_code == 302  # saving still works


def test_a_public_https_webhook_url_has_no_warning_and_a_copy_button(admin_client, http, account):
    mock_picqer_lists(http)
    account.public_base_url = "https://sync.example.com"
    account.save()
    box = field_box(admin_client.get(change_url(account)).content.decode(), "webhook_url_box")
    assert "cannot reach" not in box
    assert f'id="webhook-url" value="{account.webhook_url}"' in box
    assert 'data-copy-from="webhook-url"' in box


def test_the_full_sync_url_copies_the_real_url_only_for_who_may_see_the_token(
    client, admin_client, django_user_model, shop, remotes_up
):
    token = shop.full_sync_token
    box = field_box(admin_client.get(change_url(shop)).content.decode(), "full_sync_url_box")
    assert 'data-copy-from="full-sync-url"' in box and f"token={token}" in box
    assert "Picqer cannot reach this address" in box  # the default http://127.0.0.1:8000
    viewer = staff_login(client, django_user_model, "view")
    html = viewer.get(change_url(shop)).content.decode()
    box = field_box(html, "full_sync_url_masked")
    assert 'data-copy-from="full-sync-url"' in box and token not in html


def test_the_add_shop_form_starts_with_prefix_ps(admin_client, account):
    html = admin_client.get(reverse("admin:prestapicqer_shop_add")).content.decode()
    assert re.search(r'<input type="text" name="prefix" value="PS"', html)


@pytest.mark.parametrize(
    "entered",
    [
        "https://x.picqer.com",
        "https://x.picqer.com/",
        "https://x.picqer.com/api/v1",
        "https://x.picqer.com/api/v1/",
    ],
)
def test_the_api_base_url_works_with_or_without_api_v1(admin_client, account, http, entered):
    response = admin_client.post(
        change_url(account), account_post(account, api_base_url=entered, api_key="key-for-x-123456")
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.api_base_url == "https://x.picqer.com/api/v1/"
    assert account.api_url == account.key_saved_for == "https://x.picqer.com/api/v1/"
    assert account.api_key == "key-for-x-123456"


def test_adding_api_v1_to_the_stored_address_keeps_the_key(account):
    account.api_base_url = "https://x.picqer.com/api/v1/"
    account.key_bind()
    account.save()
    account.api_base_url = "https://x.picqer.com"  # the same address, written shorter
    account.save()
    account.refresh_from_db()
    assert account.api_key == "picqer-test-key-123456"


def test_the_subdomain_is_optional_with_an_api_base_url(admin_client, http):
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_add"),
        {
            "name": "Sandbox",
            "subdomain": "",
            "api_key": "sandbox-key-123456",
            "api_base_url": "http://127.0.0.1:8000/sandbox/picqer",
            "public_base_url": "",
        },
    )
    assert response.status_code == 302
    account = PicqerAccount.objects.get(name="Sandbox")
    assert account.api_url == "http://127.0.0.1:8000/sandbox/picqer/api/v1/"


def test_subdomain_or_api_base_url_is_required(admin_client):
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_add"),
        {
            "name": "Nowhere",
            "subdomain": "",
            "api_key": "key-123456789",
            "api_base_url": "",
            "public_base_url": "",
        },
    )
    assert response.status_code == 200
    assert "Enter the Picqer subdomain, or an API base URL override" in response.content.decode()
    assert not PicqerAccount.objects.filter(name="Nowhere").exists()


def _file(**account):
    return {
        "format": "prestapicqer-config",
        "version": 1,
        "accounts": [{"name": "Imported", "api_key": "imported-key-12345", "shops": [], **account}],
    }


def test_config_import_accepts_an_api_base_url_without_subdomain(db):
    config_import(data=_file(subdomain="", api_base_url="https://x.picqer.com"))
    account = PicqerAccount.objects.get(name="Imported")
    assert account.api_url == account.key_saved_for == "https://x.picqer.com/api/v1/"


def test_config_import_refuses_neither_subdomain_nor_api_base_url(db):
    with pytest.raises(ConfigImportError, match=r"subdomain.*API base URL override"):
        config_import(data=_file(subdomain="", api_base_url=""))


def test_internal_tables_are_for_superusers_only(client, admin_client, django_user_model, shop):
    from django.contrib.auth.models import Permission

    staff = staff_login(client, django_user_model, "view")
    staff_user = django_user_model.objects.get(username="staff")
    staff_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="sync"))
    index = staff.get(reverse("admin:index")).content.decode()
    for model in ("ownhistory", "pollcursor", "heartbeat"):
        url = reverse(f"admin:sync_{model}_changelist")
        assert staff.get(url).status_code == 403
        assert url not in index
        assert admin_client.get(url).status_code == 200
    assert reverse("admin:sync_activityentry_changelist") in index  # operators keep the log


def test_a_superuser_finds_the_internal_tables_in_one_internals_section_at_the_bottom(
    admin_client, shop
):
    internal = ["Heartbeats", "Own status changes", "Poll cursors"]
    apps = admin_client.get(reverse("admin:index")).context["app_list"]
    assert [str(app["name"]) for app in apps][-1] == "Internals"
    assert [str(m["name"]) for m in apps[-1]["models"]] == internal
    (engine,) = [app for app in apps if app["app_label"] == "sync"]
    engine_tables = [str(m["name"]) for m in engine["models"]]
    assert "Order links" in engine_tables
    assert not set(internal) & set(engine_tables)
    # The sidebar of every admin page groups them the same way; the app's own page keeps all.
    sidebar = admin_client.get(reverse("admin:sync_orderlink_changelist")).context
    assert [str(app["name"]) for app in sidebar["available_apps"]][-1] == "Internals"
    page = admin_client.get(reverse("admin:app_list", args=["sync"])).context["app_list"]
    assert set(internal) <= {str(m["name"]) for m in page[0]["models"]}
