"""The configuration admin renders for a superuser, reads like the guide, hides secrets."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from prestapicqer.models import RemoteChoices

from .conftest import PICQER_KEY, PS_KEY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "admin:prestapicqer_picqeraccount_changelist",
        "admin:prestapicqer_picqeraccount_add",
        "admin:prestapicqer_shop_changelist",
        "admin:prestapicqer_shop_add",
    ],
)
def test_it_renders_changelist_and_add_pages(admin_client, shop, name):
    response = admin_client.get(reverse(name))
    assert response.status_code == 200


def test_it_renders_the_account_page_with_webhook_url_and_status(admin_client, account, remotes_up):
    remotes_up.replace(
        "GET",
        "https://example.picqer.com/api/v1/hooks",
        json=[
            {
                "idhook": 30088,
                "name": "PrestaPicqer orders",
                "event": "orders.status_changed",
                "address": account.webhook_url,
                "active": True,
                "secret": True,
            }
        ],
    )
    response = admin_client.get(
        reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert account.webhook_url in html
    assert "Picqer orders webhook status" in html
    assert "Active" in html
    assert "no webhook yet" in html  # the stock hook does not exist
    assert "Test connection" in html


def test_it_renders_the_shop_page_in_the_guides_groups_and_words(admin_client, shop, remotes_up):
    response = admin_client.get(reverse("admin:prestapicqer_shop_change", args=[shop.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    positions = [
        html.index(text) for text in (">General<", ">Orders<", "Order status mapping", ">Stock<")
    ]
    assert positions == sorted(positions)
    for label in (
        "Shop identifier prefix",
        "Enable order status updates",
        "Apply tags to new orders",
        "Use PrestaShop product price",
        "Create missing products",
        "Create new order in Picqer",
        "Allocate stock for &quot;Concept&quot; orders",
        "Change Picqer order status to &quot;Processing&quot;",
        "Change Picqer order status to &quot;Cancelled&quot;",
        "Enable product stock updates",
        "Full catalogue stock sync on webhook",
        "Full stock sync URL",
        "Picqer stock webhook status",
    ):
        assert label in html, label
    # Choices come from Picqer and PrestaShop.
    assert "Priority" in html and "Main warehouse" in html and "Payment accepted" in html
    assert shop.full_sync_url in html
    assert "selected>Any</option>" in html
    # The extra mapping row starts blank, so an untouched row is not submitted as "Concept".
    assert re.search(
        r'name="status_mappings-0-picqer_status"[^>]*>\s*<option value="" selected>', html
    )


def test_the_shop_page_opens_with_remotes_down_showing_stored_ids_and_a_warning(admin_client, shop):
    # Nothing registered: every remote call fails as a refused connection.
    response = admin_client.get(reverse("admin:prestapicqer_shop_change", args=[shop.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "status 2 (list unavailable)" in html and "status 6 (list unavailable)" in html
    assert "could not be loaded" in html
    assert re.search(r'name="create_state_ids" value="2" [^>]*checked', html)  # still chosen


def test_the_shop_page_falls_back_to_the_cached_list(admin_client, shop):
    RemoteChoices.objects.create(
        key=f"prestashop:{shop.pk}:order_states",
        items=[[2, "Payment accepted (cached)"], [6, "Canceled"]],
    )
    RemoteChoices.objects.filter(key__startswith="prestashop").update(
        fetched_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    response = admin_client.get(reverse("admin:prestapicqer_shop_change", args=[shop.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Payment accepted (cached)" in html
    assert "Showing the list of 2020-01-01" in html


@pytest.mark.parametrize("url_name, key", [("picqeraccount", PICQER_KEY), ("shop", PS_KEY)])
def test_secrets_never_appear_in_admin_pages(admin_client, shop, remotes_up, url_name, key):
    obj = shop.account if url_name == "picqeraccount" else shop
    pages = [
        reverse(f"admin:prestapicqer_{url_name}_changelist"),
        reverse(f"admin:prestapicqer_{url_name}_change", args=[obj.pk]),
    ]
    for page in pages:
        html = admin_client.get(page).content.decode()
        assert key not in html
        assert "hook-secret-abc" not in html
    change_html = admin_client.get(pages[1]).content.decode()
    assert f"•••• {key[-4:]}" in change_html
    assert "Leave blank to keep it" in change_html


def test_staff_without_superuser_sees_only_the_masked_key_and_cannot_change_it(
    staff_client, account, remotes_up
):
    url = reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])
    html = staff_client.get(url).content.decode()
    assert 'name="api_key"' not in html
    assert f"•••• {PICQER_KEY[-4:]}" in html
    response = staff_client.post(
        url, {"name": "Main", "subdomain": "example", "api_key": "stolen-key-000000000"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.api_key == PICQER_KEY
