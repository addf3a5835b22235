"""Admin/config test helpers: HTTP always mocked, real-shaped Picqer and PrestaShop lists."""

import json
from pathlib import Path

import pytest
import responses

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PICQER = "https://example.picqer.com/api/v1/"
PS = "https://shop.example.com/api/"
PICQER_KEY = "picqer-test-key-123456"  # tests/conftest.py `account`
PS_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"  # tests/conftest.py `shop`


def fixture_json(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def http():
    """No test reaches the network: calls that are not registered fail as ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def mock_picqer_lists(http, hooks: list | None = None) -> None:
    """Picqer answers tags, warehouses, VAT groups, shipping providers (one short page
    each) and hooks."""
    for name in ("tags", "warehouses", "vatgroups", "shippingproviders"):
        http.get(PICQER + name, json=fixture_json(f"{name}.json"))
    http.get(PICQER + "hooks", json=hooks or [])


def mock_prestashop_lists(http) -> None:
    """The shop answers HEAD /api/ and the order_states and carriers lists (display=full)."""
    http.head(PS, headers={"PSWS-Version": "8.1.2"})
    for name in ("order_states", "carriers"):
        http.get(
            PS + name,
            body=(FIXTURES / f"{name}.xml").read_bytes(),
            content_type="text/xml;charset=utf-8",
            headers={"PSWS-Version": "8.1.2"},
        )


@pytest.fixture
def remotes_up(http):
    mock_picqer_lists(http)
    mock_prestashop_lists(http)
    return http


def staff_login(client, django_user_model, *actions: str, extra: tuple[str, ...] = ()):
    """Log `client` in as a staff user (not superuser) holding the prestapicqer permissions
    whose codename starts with one of `actions` ("view", "change"…), plus `extra` codenames."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    wanted = Q(codename__in=extra)
    for action in actions:
        wanted |= Q(codename__startswith=f"{action}_")
    user.user_permissions.set(
        Permission.objects.filter(wanted, content_type__app_label__in=("prestapicqer", "sync"))
    )
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """A staff user (not superuser) allowed to view and change the configuration, and
    nothing more (no credentials, buttons, tokens)."""
    return staff_login(client, django_user_model, "view", "change")


@pytest.fixture
def viewer_client(client, django_user_model):
    """A staff user who may only view."""
    return staff_login(client, django_user_model, "view")


def shop_post(shop, mappings: list[dict] | None = None, **overrides) -> dict:
    """The admin change-form POST for `shop` as stored, with `overrides` (None = unticked)."""
    data = {
        "account": shop.account_id,
        "name": shop.name,
        "prefix": shop.prefix,
        "prestashop_url": shop.prestashop_url,
        "webservice_key": "",
        "prestashop_shop_id": shop.prestashop_shop_id or "",
        "picqer_tag_ids": shop.picqer_tag_ids,
        "create_state_ids": shop.create_state_ids,
        "processing_state_ids": shop.processing_state_ids,
        "cancel_state_ids": shop.cancel_state_ids,
        "warehouse_ids": shop.warehouse_ids,
        "poll_interval_seconds": shop.poll_interval_seconds,
        "stock_write_parallel": shop.stock_write_parallel,
    }
    for flag in (
        "enabled",
        "orders_enabled",
        "use_shop_price",
        "create_missing_products",
        "allocate_concept",
        "stock_enabled",
        "full_sync_on_webhook",
        "stock_reserve_pending_orders",
    ):
        if getattr(shop, flag):
            data[flag] = "on"
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    existing = list(shop.status_mappings.all()) if shop.pk else []
    rows = (
        mappings
        if mappings is not None
        else [
            {
                "id": m.pk,
                "from_state_id": m.from_state_id or "",
                "picqer_status": m.picqer_status,
                "to_state_id": m.to_state_id,
            }
            for m in existing
        ]
    )
    data.update(
        {
            "status_mappings-TOTAL_FORMS": len(rows),
            "status_mappings-INITIAL_FORMS": len(existing),
            "status_mappings-MIN_NUM_FORMS": 0,
            "status_mappings-MAX_NUM_FORMS": 1000,
        }
    )
    for index, row in enumerate(rows):
        for key, value in {"shop": shop.pk, **row}.items():
            if value is not None:
                data[f"status_mappings-{index}-{key}"] = value
    return data


def account_post(account, **overrides) -> dict:
    data = {
        "name": account.name,
        "subdomain": account.subdomain,
        "api_key": "",
        "api_base_url": account.api_base_url,
        "public_base_url": account.public_base_url,
    }
    data.update(overrides)
    return data
