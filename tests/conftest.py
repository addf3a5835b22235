"""Shared fixtures: an account and a shop configured like a real install."""

import pytest

pytest_plugins = ["sandbox.testing"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    """Each test gets its own cache so rate-limit and lock state never leak between tests."""
    if "redis" not in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": str(tmp_path),
            }
        }
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def account(db):
    from prestapicqer.models import PicqerAccount

    return PicqerAccount.objects.create(
        name="Main", subdomain="example", api_key="picqer-test-key-123456",
        webhook_secret="hook-secret-abc",
    )


@pytest.fixture
def shop(account):
    from prestapicqer.models import Shop

    return Shop.objects.create(
        account=account, name="Dev shop", prefix="DEV",
        prestashop_url="https://shop.example.com",
        webservice_key="ABCDEFGHIJKLMNOPQRSTUVWXYZ123456",
        create_state_ids=[2], processing_state_ids=[2], cancel_state_ids=[6],
    )
