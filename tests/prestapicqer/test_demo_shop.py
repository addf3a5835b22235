"""The shop `make demo` configures (sandbox.setup) is one its own admin accepts unchanged."""

import pytest
from django.urls import reverse

from sandbox.setup import sandbox_configure

from .conftest import account_post, shop_post

pytestmark = pytest.mark.django_db


def test_the_demo_shop_and_account_save_unchanged_in_the_admin(admin_client):
    shop = sandbox_configure(
        sandbox_url="http://127.0.0.1:8001", public_base_url="http://127.0.0.1:8000"
    )
    # The sandbox is not running: the lists are unavailable and the stored ids stay valid.
    response = admin_client.post(
        reverse("admin:prestapicqer_shop_change", args=[shop.pk]), shop_post(shop)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_change", args=[shop.account.pk]),
        account_post(shop.account),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
