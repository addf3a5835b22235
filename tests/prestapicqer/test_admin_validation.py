"""Bad input gives a form error on the page (200), never a 500, and never echoes a secret."""

import pytest
from django.urls import reverse

from prestapicqer.models import Shop
from sync.models import OrderLink

from .conftest import PICQER_KEY, PS_KEY, account_post, shop_post

pytestmark = pytest.mark.django_db


def post_shop(client, shop, **overrides):
    url = reverse("admin:prestapicqer_shop_change", args=[shop.pk])
    return client.post(url, shop_post(shop, **overrides))


@pytest.mark.parametrize(
    "prefix, message",
    [
        ("", "Enter a prefix of 1 to 3 letters or digits"),
        ("ABCD", "The prefix is 1 to 3 letters or digits"),
        ("P-S", "The prefix is 1 to 3 letters or digits"),
        ("P S", "The prefix is 1 to 3 letters or digits"),
    ],
)
def test_it_refuses_a_malformed_prefix(admin_client, shop, prefix, message):
    response = post_shop(admin_client, shop, prefix=prefix)
    assert response.status_code == 200
    assert message in response.content.decode()
    shop.refresh_from_db()
    assert shop.prefix == "DEV"


def test_it_refuses_a_prefix_used_by_another_shop_of_the_same_account(admin_client, shop):
    Shop.objects.create(
        account=shop.account,
        name="Other",
        prefix="PS",
        prestashop_url="https://other.example.com",
        webservice_key="x" * 32,
    )
    response = post_shop(admin_client, shop, prefix="ps")
    html = response.content.decode()
    assert response.status_code == 200
    assert "already used by the shop &quot;Other&quot;" in html
    assert html.count("errorlist") >= 1 and "already exists" not in html


def test_the_same_prefix_is_fine_on_another_account(admin_client, shop):
    from prestapicqer.models import PicqerAccount

    other = PicqerAccount.objects.create(name="Other", subdomain="other", api_key="k" * 20)
    Shop.objects.create(
        account=other,
        name="Other",
        prefix="PS",
        prestashop_url="https://other.example.com",
        webservice_key="x" * 32,
    )
    response = post_shop(admin_client, shop, prefix="PS")
    assert response.status_code == 302


def test_it_refuses_to_change_the_prefix_once_orders_were_synced(admin_client, shop):
    OrderLink.objects.create(shop=shop, ps_order_id=73, ps_reference="ITQRFWVHT")
    response = post_shop(admin_client, shop, prefix="NEW")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Do not change the shop prefix on a running system; if changed, existing orders "
        "will no longer be updated."
    ) in html
    shop.refresh_from_db()
    assert shop.prefix == "DEV"


def test_the_prefix_can_change_before_any_order_was_synced(admin_client, shop):
    assert post_shop(admin_client, shop, prefix="NEW").status_code == 302
    shop.refresh_from_db()
    assert shop.prefix == "NEW"


def test_it_refuses_moving_a_shop_with_synced_orders_to_another_account(admin_client, shop):
    from prestapicqer.models import PicqerAccount

    other = PicqerAccount.objects.create(name="Other", subdomain="other", api_key="k" * 20)
    OrderLink.objects.create(shop=shop, ps_order_id=73, ps_reference="ITQRFWVHT")
    response = post_shop(admin_client, shop, account=other.pk)
    assert response.status_code == 200
    assert "would stop their status updates" in response.content.decode()


@pytest.mark.parametrize(
    "url, message",
    [
        ("shop.example.com/ x", "Enter a valid URL."),
        ("http://", "Enter a valid URL."),
        ("ftp://shop.example.com", "Use an http:// or https:// address."),
    ],
)
def test_it_refuses_a_malformed_prestashop_url(admin_client, shop, url, message):
    response = post_shop(admin_client, shop, prestashop_url=url)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("field", ["api_base_url", "public_base_url"])
def test_it_refuses_malformed_account_urls(admin_client, account, field):
    url = reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])
    response = admin_client.post(url, account_post(account, **{field: "not a url"}))
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()


def test_it_refuses_a_malformed_subdomain(admin_client, account):
    url = reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])
    response = admin_client.post(url, account_post(account, subdomain="your company"))
    assert response.status_code == 200
    assert "Only the subdomain" in response.content.decode()


def test_it_refuses_a_too_short_poll_interval(admin_client, shop):
    response = post_shop(admin_client, shop, poll_interval_seconds=1)
    assert response.status_code == 200
    assert "greater than or equal to 10" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"), [(0, "greater than or equal to 1"), (9, "less than or equal to 8")]
)
def test_parallel_stock_writes_stay_between_one_and_eight(admin_client, shop, value, message):
    response = post_shop(admin_client, shop, stock_write_parallel=value)
    assert response.status_code == 200
    assert message in response.content.decode()
    shop.refresh_from_db()
    assert shop.stock_write_parallel == 4


def test_error_pages_never_echo_a_submitted_or_stored_secret(admin_client, shop):
    typed = "Z" * 300  # too long: the field error must not repeat it
    response = post_shop(admin_client, shop, prefix="TOOLONG", webservice_key=typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert typed not in html and PS_KEY not in html and PICQER_KEY not in html
    assert "at most 200 characters" in html
    shop.refresh_from_db()
    assert shop.webservice_key == PS_KEY  # decryption still works after the refusal
