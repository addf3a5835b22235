"""Remote choice lists: cached for a while, refreshed on demand, never an error page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prestapicqer.models import RemoteChoices
from prestapicqer.services.choices import (
    choices_get,
    choices_refresh,
    picqer_choices,
    prestashop_choices,
)

from .conftest import PICQER, mock_picqer_lists, mock_prestashop_lists

pytestmark = pytest.mark.django_db


def test_it_reads_real_shaped_lists_into_id_label_pairs(http, shop):
    mock_picqer_lists(http)
    mock_prestashop_lists(http)
    assert picqer_choices(account=shop.account, kind="tags").items == [
        (41, "PrestaShop"),
        (42, "Priority"),
    ]
    assert picqer_choices(account=shop.account, kind="vatgroups").items[0] == (
        1464,
        "BTW Hoog (21%)",
    )
    states = prestashop_choices(shop=shop, kind="order_states").items
    assert states[1] == (2, "Payment accepted") and len(states) == 6
    assert prestashop_choices(shop=shop, kind="carriers").items == [(1, "PostNL")]


def test_a_fresh_cached_list_is_used_without_calling_the_remote(db):
    RemoteChoices.objects.create(key="k", items=[[1, "One"]])
    result = choices_get(key="k", fetch=lambda: pytest.fail("must not fetch"))
    assert result.items == [(1, "One")] and result.warning == ""


def test_an_old_list_is_fetched_again_and_stored(db):
    RemoteChoices.objects.create(key="k", items=[[1, "One"]])
    RemoteChoices.objects.update(fetched_at=timezone.now() - timedelta(hours=1))
    result = choices_get(key="k", fetch=lambda: [(2, "Two")])
    assert result.items == [(2, "Two")]
    assert RemoteChoices.objects.get(key="k").items == [[2, "Two"]]


def test_a_failed_fetch_falls_back_to_the_old_list_with_a_warning(db):
    RemoteChoices.objects.create(key="k", items=[[1, "One"]])
    RemoteChoices.objects.update(fetched_at=timezone.now() - timedelta(hours=1))

    def broken():
        raise LookupError("Picqer tags could not be loaded: down.")

    result = choices_get(key="k", fetch=broken)
    assert result.items == [(1, "One")]
    assert result.warning.startswith("Picqer tags could not be loaded: down. Showing the list of")


def test_a_failed_fetch_without_cache_gives_an_empty_list_and_the_reason(http, account):
    http.get(PICQER + "tags", status=401, body="")
    result = picqer_choices(account=account, kind="tags")
    assert result.items == []
    assert "Picqer tags could not be loaded: Picqer refused the API key" in result.warning


def test_refresh_fetches_now_and_reports_failures(http, shop):
    RemoteChoices.objects.create(key=f"picqer:{shop.account_id}:tags", items=[[1, "Old"]])
    mock_picqer_lists(http)
    warnings = choices_refresh(shop=shop)  # PrestaShop is down, Picqer answers
    assert RemoteChoices.objects.get(key=f"picqer:{shop.account_id}:tags").items[0] == [
        41,
        "PrestaShop",
    ]
    assert len(warnings) == 2 and all("PrestaShop" in w for w in warnings)


def test_the_refresh_lists_button_reports_on_the_page(admin_client, http, account):
    mock_picqer_lists(http)
    response = admin_client.post(
        reverse("admin:prestapicqer_picqeraccount_run", args=[account.pk, "refresh_lists"]),
        follow=True,
    )
    assert "Lists refreshed." in response.content.decode()


def test_changing_the_credentials_drops_the_cached_lists(admin_client, shop):
    RemoteChoices.objects.create(key=f"prestashop:{shop.pk}:order_states", items=[[2, "X"]])
    from .conftest import shop_post

    admin_client.post(
        reverse("admin:prestapicqer_shop_change", args=[shop.pk]),
        shop_post(shop, webservice_key="N" * 32),
    )
    assert not RemoteChoices.objects.filter(key__startswith="prestashop:").exists()


def test_a_failed_remote_is_not_asked_again_at_once_but_refresh_asks(http, account):
    http.get(PICQER + "tags", status=401, body="")
    picqer_choices(account=account, kind="tags")
    picqer_choices(account=account, kind="tags")
    assert len(http.calls) == 1
    http.replace(
        "GET",
        PICQER + "tags",
        json=[{"idtag": 41, "title": "PrestaShop", "color": "#823882", "inherit": False}],
    )
    assert choices_refresh(account=account) != []  # warehouses/vatgroups still unregistered
    assert picqer_choices(account=account, kind="tags").items == [(41, "PrestaShop")]


def test_replaying_a_remembered_failure_does_not_restart_its_timer(http, account):
    from unittest import mock

    from django.core.cache import cache

    http.get(PICQER + "tags", status=401, body="")
    with mock.patch.object(cache, "set", wraps=cache.set) as remember:
        for _ in range(3):  # page views within the minute
            picqer_choices(account=account, kind="tags")

    assert remember.call_count == 1  # only the real failure starts the minute
    assert len(http.calls) == 1


def test_a_replayed_failure_reads_in_each_viewers_language(http, account):
    from django.utils import translation

    http.get(PICQER + "tags", status=401, body="")
    with translation.override("en"):
        english = picqer_choices(account=account, kind="tags").warning
    with translation.override("nl"):
        dutch = picqer_choices(account=account, kind="tags").warning  # replayed, not asked

    assert len(http.calls) == 1
    assert english.startswith("Picqer tags could not be loaded: Picqer refused the API key")
    assert dutch.startswith("Picqer-tags konden niet worden geladen:")
    assert "could not be loaded" not in dutch and "refused" not in dutch
    assert account.api_key not in english + dutch
