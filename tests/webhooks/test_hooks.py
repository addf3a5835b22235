"""Picqer hook management: status, ensure (create / adopt / reactivate), watchdog."""

import json
import logging

import pytest
import responses
from responses import matchers

from prestapicqer.models import PicqerAccount, Shop
from sync.http.errors import ApiAuthError
from sync.models import ActivityEntry
from sync.services.hooks import hook_ensure, hooks_status, hooks_watchdog

pytestmark = pytest.mark.django_db
API = "https://example.picqer.com/api/v1/"
HOOKS = API + "hooks"


def hook(account, idhook, event, *, active=True, address=None, name="PrestaPicqer orders"):
    """A hook object as Picqer returns it (docs/sources.md#picqer-hooks)."""
    return {
        "idhook": idhook,
        "name": name,
        "event": event,
        "address": address or account.webhook_url,
        "active": active,
        "secret": True,
    }


def orders_hook(account, idhook=30088, **kw):
    return hook(account, idhook, "orders.status_changed", **kw)


def stock_hook(account, idhook=30089, **kw):
    return hook(account, idhook, "products.free_stock_changed", name="PrestaPicqer stock", **kw)


def add_list(*items):
    responses.add(
        responses.GET,
        HOOKS,
        json=list(items),
        match=[matchers.query_param_matcher({"offset": "0"})],
    )


@responses.activate
def test_it_reports_active_inactive_and_missing_hooks(account):
    account.stock_hook_id = 30089
    account.save()
    other_address = hook(account, 5, "orders.status_changed", address="https://elsewhere/x/")
    add_list(other_address, orders_hook(account), stock_hook(account, active=False))

    status = hooks_status(account=account)

    assert status["orders"] == {
        "state": "active",
        "idhook": 30088,
        "event": "orders.status_changed",
    }
    assert status["stock"]["state"] == "inactive"
    assert status["stock"]["idhook"] == 30089


@responses.activate
def test_it_reports_missing_when_no_hook_points_here(account):
    add_list(hook(account, 5, "orders.status_changed", address="https://elsewhere/x/"))
    status = hooks_status(account=account)
    assert status["orders"]["state"] == "missing"
    assert status["stock"]["state"] == "missing"


@responses.activate
def test_it_creates_a_missing_hook_with_our_address_and_secret(account, caplog):
    add_list()
    responses.add(responses.POST, HOOKS, status=201, json=orders_hook(account, 41000))

    with caplog.at_level(logging.DEBUG):
        result = hook_ensure(account=account, kind="orders")

    assert result["action"] == "created" and result["state"] == "active"
    sent = json.loads(responses.calls[1].request.body)
    assert sent == {
        "name": "PrestaPicqer orders",
        "event": "orders.status_changed",
        "address": account.webhook_url,
        "secret": "hook-secret-abc",
    }
    account.refresh_from_db()
    assert account.orders_hook_id == 41000
    assert ActivityEntry.objects.filter(action="hook_created", account=account).exists()
    assert "hook-secret-abc" not in caplog.text


@responses.activate
def test_it_adopts_a_hook_that_already_exists(account):
    # Another click created it between our read and our create.
    responses.add(responses.GET, HOOKS, json=[])
    responses.add(
        responses.POST,
        HOOKS,
        status=400,
        json={"error": True, "error_code": 9, "error_message": "Error: Hook already exists"},
    )
    responses.add(responses.GET, HOOKS, json=[stock_hook(account, 42000)])

    result = hook_ensure(account=account, kind="stock")

    assert result["idhook"] == 42000
    account.refresh_from_db()
    assert account.stock_hook_id == 42000


@responses.activate
def test_it_reactivates_a_deactivated_hook(account):
    account.orders_hook_id = 30088
    account.save()
    add_list(orders_hook(account, active=False))
    responses.add(responses.POST, HOOKS + "/30088/reactivate", json=orders_hook(account))

    result = hook_ensure(account=account, kind="orders")

    assert result["action"] == "reactivated"
    assert [c.request.method for c in responses.calls] == ["GET", "POST"]
    assert ActivityEntry.objects.filter(action="hook_reactivated").count() == 1


@responses.activate
def test_it_leaves_an_active_hook_alone_but_remembers_its_id(account):
    add_list(orders_hook(account, 30088))

    result = hook_ensure(account=account, kind="orders")

    assert result["action"] == "unchanged"
    assert len(responses.calls) == 1
    assert PicqerAccount.objects.get(pk=account.pk).orders_hook_id == 30088
    assert not ActivityEntry.objects.exists()


@responses.activate
def test_it_tells_the_operator_when_picqer_refuses(account):
    responses.add(
        responses.GET,
        HOOKS,
        status=401,
        json={"error": True, "error_code": 1, "error_message": "Unauthorized"},
    )

    with pytest.raises(ApiAuthError):
        hook_ensure(account=account, kind="orders")

    entry = ActivityEntry.objects.get(action="hook_failed")
    assert entry.level == "error"
    assert "picqer-test-key-123456" not in entry.message


def test_it_refuses_an_unknown_kind(account):
    with pytest.raises(ValueError, match="unknown hook kind"):
        hook_ensure(account=account, kind="returns")


@responses.activate
def test_the_watchdog_reactivates_deactivated_hooks_of_active_accounts(account, shop):
    idle = PicqerAccount.objects.create(name="Idle", subdomain="idle", api_key="k2")
    Shop.objects.create(
        account=idle,
        name="Off",
        prefix="OFF",
        enabled=False,
        prestashop_url="https://off.example.com",
        webservice_key="X" * 32,
    )
    add_list(orders_hook(account, active=False), stock_hook(account))
    responses.add(responses.POST, HOOKS + "/30088/reactivate", json=orders_hook(account))

    counts = hooks_watchdog()

    # The products webhooks (for the product index) are not in the list: missing.
    assert counts == {"accounts": 1, "reactivated": 1, "missing": 2, "errors": 0}
    reactivations = [c for c in responses.calls if c.request.url.endswith("/reactivate")]
    assert len(reactivations) == 1
    warning = ActivityEntry.objects.get(action="hook_deactivated")
    assert warning.level == "warning" and warning.account == account


@responses.activate
def test_the_watchdog_skips_hooks_no_shop_needs(account, shop):
    shop.stock_enabled = False
    shop.save()
    add_list(orders_hook(account), stock_hook(account, active=False))

    counts = hooks_watchdog()

    assert counts["reactivated"] == 0
    assert len(responses.calls) == 1


@responses.activate
def test_the_watchdog_counts_missing_hooks_and_survives_picqer_errors(account, shop):
    broken = PicqerAccount.objects.create(name="Broken", subdomain="broken", api_key="k3")
    Shop.objects.create(
        account=broken,
        name="B",
        prefix="B",
        prestashop_url="https://b.example.com",
        webservice_key="Y" * 32,
    )
    responses.add(responses.GET, "https://broken.picqer.com/api/v1/hooks", status=500)
    add_list()

    counts = hooks_watchdog()

    # orders, stock and the two products webhooks of the product index
    assert counts == {"accounts": 2, "reactivated": 0, "missing": 4, "errors": 1}


def products_changed_hook(account, idhook=30090, **kw):
    return hook(account, idhook, "products.changed", name="PrestaPicqer products changed", **kw)


@responses.activate
@pytest.mark.parametrize("active", [True, False])
def test_the_product_index_is_trusted_only_while_its_webhook_is_active(account, active):
    from sync.models.products import ProductIndex

    add_list(orders_hook(account), products_changed_hook(account, active=active))

    status = hooks_status(account=account)

    assert status["products_changed"]["state"] == ("active" if active else "inactive")
    assert status["products_created"]["state"] == "missing"
    index = ProductIndex.objects.get(account=account)
    assert index.hooks_active is active
    assert (index.trusted_since is not None) is active


@responses.activate
def test_creating_the_products_changed_hook_makes_the_index_trusted(account):
    from sync.models.products import ProductIndex

    add_list()
    responses.add(responses.POST, HOOKS, status=201, json=products_changed_hook(account))

    result = hook_ensure(account=account, kind="products_changed")

    assert result["action"] == "created"
    assert json.loads(responses.calls[1].request.body)["event"] == "products.changed"
    assert ProductIndex.objects.get(account=account).hooks_active is True
