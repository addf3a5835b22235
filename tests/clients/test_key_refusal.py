"""A client whose key belongs to another address sends nothing (docs/security.md)."""

import pytest
import responses

from sync.http.errors import ApiAuthError
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient


@pytest.mark.django_db
def test_a_picqer_account_moved_elsewhere_sends_no_request(account, rsps):
    account.api_base_url = "https://evil.example.net/api/v1/"
    rsps.add(responses.GET, "https://evil.example.net/api/v1/orders", json=[])

    with pytest.raises(ApiAuthError, match="Enter the key again"):
        PicqerClient.for_account(account).request("GET", "orders")

    assert len(rsps.calls) == 0


@pytest.mark.django_db
def test_a_shop_whose_key_was_cleared_sends_no_request(shop, rsps):
    shop.prestashop_url = "https://other.example.net"
    shop.save()  # an address changed without the key: the key is cleared
    shop.refresh_from_db()
    rsps.add(responses.GET, "https://other.example.net/api/orders", body="<prestashop/>")

    with pytest.raises(ApiAuthError, match="No PrestaShop"):
        PrestaShopClient.for_shop(shop).request("GET", "orders")

    assert len(rsps.calls) == 0
