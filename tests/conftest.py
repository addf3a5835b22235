"""Shared fixtures: an account and a shop configured like a real install."""

import pytest

pytest_plugins = ["sandbox.testing", "tests.browser"]


@pytest.fixture(autouse=True)
def _isolated_cache(request, settings, tmp_path):
    """Each test gets its own cache so rate-limit and lock state never leak between tests.
    End-to-end tests keep the configured (file or Redis) cache: their worker processes must
    share it with the test process, as web and worker do in production."""
    e2e = request.node.get_closest_marker("e2e") is not None
    if not e2e and "redis" not in settings.CACHES["default"]["BACKEND"]:
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
        name="Main",
        subdomain="example",
        api_key="picqer-test-key-123456",
        webhook_secret="hook-secret-abc",
    )


@pytest.fixture
def shop(account):
    from prestapicqer.models import Shop

    return Shop.objects.create(
        account=account,
        name="Dev shop",
        prefix="DEV",
        prestashop_url="https://shop.example.com",
        webservice_key="ABCDEFGHIJKLMNOPQRSTUVWXYZ123456",
        create_state_ids=[2],
        processing_state_ids=[2],
        cancel_state_ids=[6],
    )


@pytest.fixture
def rsps():
    """A `responses` mock that does not insist every registered answer is used."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class FakeClock:
    """Time for the shared rate limiter: sleeping advances it instantly and is recorded."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """Replace the rate limiter's clock: no test really sleeps."""
    from sync.http import ratelimit

    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "_now", fake.time)
    monkeypatch.setattr(ratelimit, "_sleep", fake.sleep)
    return fake


@pytest.fixture
def celery_retries(monkeypatch):
    """Celery's scheduling of a task retry, replaced: the countdown each retry asked for is
    collected and Retry raised as Celery raises it. What sync.tasks.base records before it
    hands the retry to Celery still runs."""
    from celery.app.task import Task
    from celery.exceptions import Retry

    asked: list[float] = []

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, **kw):
        asked.append(countdown)
        raise Retry(exc=exc, when=countdown)

    monkeypatch.setattr(Task, "retry", retry)
    return asked
