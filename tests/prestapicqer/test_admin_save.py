"""Every settings group of the guide, saved through the admin and read back."""

import pytest
from django.urls import reverse

from prestapicqer.models import PicqerAccount, Shop

from .conftest import PICQER_KEY, PS_KEY, account_post, shop_post

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:prestapicqer_{obj._meta.model_name}_change", args=[obj.pk])


def test_it_adds_an_account_with_its_general_settings(admin_client):
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_add"),
        {
            "name": "Second",
            "subdomain": "https://Other.picqer.com/",
            "api_key": "new-key-9876543210",
            "api_base_url": "",
            "public_base_url": "https://sync.example.com",
        },
    )
    assert response.status_code == 302
    account = PicqerAccount.objects.get(name="Second")
    assert account.subdomain == "other"  # pasted URL reduced to the subdomain
    assert account.api_key == "new-key-9876543210"
    assert account.webhook_url.startswith("https://sync.example.com/webhooks/picqer/")


def test_a_blank_api_key_keeps_the_stored_one_and_a_new_one_replaces_it(admin_client, account):
    response = admin_client.post(
        change_url(account), account_post(account, public_base_url="https://sync.example.com")
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.api_key == PICQER_KEY
    assert account.base_url == "https://sync.example.com"

    admin_client.post(change_url(account), account_post(account, api_key="rotated-key-00001111"))
    account.refresh_from_db()
    assert account.api_key == "rotated-key-00001111"


def test_a_new_account_needs_an_api_key(admin_client):
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_add"),
        {"name": "Second", "subdomain": "other", "api_key": ""},
    )
    assert response.status_code == 200
    assert "Enter the Picqer API key." in response.content.decode()
    assert not PicqerAccount.objects.filter(name="Second").exists()


def test_it_saves_the_general_group(admin_client, shop, remotes_up):
    response = admin_client.post(
        change_url(shop),
        shop_post(
            shop,
            name="Main shop",
            enabled=None,
            prefix="PS",
            prestashop_url="https://www.example.org/shop",
            prestashop_shop_id=2,
            keep_key_for_new_address="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shop.refresh_from_db()
    assert (shop.name, shop.enabled, shop.prefix) == ("Main shop", False, "PS")
    assert shop.prestashop_url == "https://www.example.org/shop"
    assert shop.prestashop_shop_id == 2
    assert shop.webservice_key == PS_KEY  # blank + the superuser's "keep" = kept


def test_it_adds_a_shop(admin_client, account):
    response = admin_client.post(
        reverse("admin:prestapicqer_shop_add"),
        {
            "account": account.pk,
            "name": "New",
            "enabled": "on",
            "prefix": "NEW",
            "prestashop_url": "https://new.example.com",
            "webservice_key": "K" * 32,
            "orders_enabled": "on",
            "stock_enabled": "on",
            "poll_interval_seconds": 60,
            "stock_write_parallel": 4,  # the form shows the default
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    shop = Shop.objects.get(prefix="NEW")
    assert shop.webservice_key == "K" * 32
    assert shop.poll_interval_seconds == 60


def test_it_saves_the_orders_group(admin_client, shop, remotes_up):
    response = admin_client.post(
        change_url(shop),
        shop_post(
            shop,
            orders_enabled=None,
            picqer_tag_ids=[41, 42],
            use_shop_price="on",
            create_missing_products="on",
            create_state_ids=[1, 2],
            allocate_concept="on",
            processing_state_ids=[2, 3],
            cancel_state_ids=[6],
            poll_interval_seconds=120,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shop.refresh_from_db()
    assert shop.orders_enabled is False
    assert shop.picqer_tag_ids == [41, 42]
    assert shop.use_shop_price and shop.create_missing_products and shop.allocate_concept
    assert (shop.create_state_ids, shop.processing_state_ids, shop.cancel_state_ids) == (
        [1, 2],
        [2, 3],
        [6],
    )
    assert shop.poll_interval_seconds == 120


def test_it_saves_the_stock_group(admin_client, shop, remotes_up):
    response = admin_client.post(
        change_url(shop),
        shop_post(
            shop,
            stock_enabled=None,
            full_sync_on_webhook="on",
            warehouse_ids=[10],
            stock_reserve_pending_orders=None,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shop.refresh_from_db()
    assert shop.stock_enabled is False
    assert shop.stock_reserve_pending_orders is False  # on by default, here switched off
    assert shop.full_sync_on_webhook is True
    assert shop.warehouse_ids == [10]


def test_it_saves_the_status_mapping_in_table_order(admin_client, shop, remotes_up):
    rows = [
        {"from_state_id": "", "picqer_status": "completed", "to_state_id": 4},
        {"from_state_id": 3, "picqer_status": "cancelled", "to_state_id": 6},
        # The untouched extra row a browser submits: ignored, not an error.
        {"from_state_id": "", "picqer_status": "", "to_state_id": ""},
    ]
    response = admin_client.post(change_url(shop), shop_post(shop, mappings=rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = list(
        shop.status_mappings.values_list(
            "position", "from_state_id", "picqer_status", "to_state_id"
        )
    )
    assert saved == [(0, None, "completed", 4), (1, 3, "cancelled", 6)]

    # Delete the first row: the remaining one moves up.
    first, second = shop.status_mappings.all()
    rows = [
        {
            "id": first.pk,
            "from_state_id": "",
            "picqer_status": "completed",
            "to_state_id": 4,
            "DELETE": "on",
        },
        {"id": second.pk, "from_state_id": 3, "picqer_status": "cancelled", "to_state_id": 6},
    ]
    admin_client.post(change_url(shop), shop_post(shop, mappings=rows))
    assert list(shop.status_mappings.values_list("position", "picqer_status")) == [(0, "cancelled")]


def test_a_half_filled_mapping_row_is_a_form_error(admin_client, shop, remotes_up):
    rows = [{"from_state_id": "", "picqer_status": "completed", "to_state_id": ""}]
    response = admin_client.post(change_url(shop), shop_post(shop, mappings=rows))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not shop.status_mappings.exists()


def test_it_keeps_stored_choices_when_saving_with_remotes_down(admin_client, shop):
    response = admin_client.post(change_url(shop), shop_post(shop, name="Renamed"))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "Renamed"
    assert (shop.create_state_ids, shop.cancel_state_ids) == ([2], [6])
