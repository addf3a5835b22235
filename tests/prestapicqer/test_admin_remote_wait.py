"""Admin pages wait at most ADMIN_REMOTE_DEADLINE on a remote, then show the cached list.

A real local server drips its answers (sandbox/misbehaving.py); `responses` lets calls to it
through. Without the admin deadline each list would wait for the whole drip.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prestapicqer.models import RemoteChoices
from prestapicqer.services.choices import choices_refresh, picqer_choices, shop_choice_lists
from prestapicqer.services.webhooks import account_hooks_status
from sandbox.misbehaving import MisbehavingServer, misbehaving_server

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def slow() -> Iterator[MisbehavingServer]:
    with misbehaving_server(drip_bytes=20, drip_interval=0.2) as server:
        yield server


@pytest.fixture
def dripping(http, slow, settings, account, shop):
    """Picqer and the shop both drip every answer; the admin waits 0.5 s per remote."""
    http.add_passthru(slow.url)
    settings.ADMIN_REMOTE_DEADLINE = 0.5
    settings.HTTP_TOTAL_DEADLINE = 30.0
    # The keys are kept for the dripping addresses, as a superuser would confirm.
    account.api_base_url = slow.url + "picqer-drip/"
    account.key_bind()
    account.save()
    shop.prestashop_url = slow.url + "shop-drip"
    shop.key_bind()
    shop.save()
    slow.requests.clear()
    return slow


def remember(key: str, items: list, age: timedelta = timedelta(hours=2)) -> None:
    RemoteChoices.objects.create(key=key, items=items)
    RemoteChoices.objects.filter(key=key).update(fetched_at=timezone.now() - age)


def test_a_slow_remote_gives_the_cached_list_with_a_warning(dripping, account):
    remember(f"picqer:{account.pk}:tags", [[7, "Webshop"]])

    tags = picqer_choices(account=account, kind="tags")

    assert tags.items == [(7, "Webshop")]
    assert "did not answer in time" in tags.warning
    assert "Showing the list of" in tags.warning


def test_after_one_timeout_the_other_reads_of_that_remote_do_not_wait(dripping, account, shop):
    lists = shop_choice_lists(shop=shop)
    hooks = account_hooks_status(account=account)

    assert all("did not answer in time" in lst.warning for lst in lists.values())
    assert hooks["orders"].startswith("Unknown:") and "in time" in hooks["orders"]
    # One call per remote: tags timed out, so warehouses and the hooks status did not ask.
    assert sorted(p.split("/")[1] for p in dripping.requests) == ["picqer-drip", "shop-drip"]


def test_refresh_asks_again_but_stops_at_the_first_timeout_per_remote(dripping, shop):
    shop_choice_lists(shop=shop)
    dripping.requests.clear()

    warnings = choices_refresh(shop=shop)

    # One warning per list (Picqer: tags, warehouses, VAT groups, shipping providers;
    # PrestaShop: order states, carriers), but only one request per remote.
    assert len(warnings) == 6
    assert sorted(p.split("/")[1] for p in dripping.requests) == ["picqer-drip", "shop-drip"]


def test_the_shop_page_opens_while_both_remotes_drip(dripping, admin_client, shop):
    response = admin_client.get(reverse("admin:prestapicqer_shop_change", args=[shop.pk]))

    assert response.status_code == 200
    assert "did not answer in time" in response.content.decode()
    assert len(dripping.requests) == 2  # one per remote
