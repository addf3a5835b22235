"""`backend` runs each contract case twice: against the `responses` fixtures and the sandbox."""

import pytest
import responses

from sync.clients import PicqerClient, PrestaShopClient

from .backends import FixtureBackend, SandboxBackend


@pytest.fixture(params=["fixtures", pytest.param("sandbox", marks=pytest.mark.e2e)])
def backend(request, account, shop):
    if request.param == "fixtures":
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            chosen = FixtureBackend(mock)
            chosen.configure(account, shop)
            yield chosen
        return
    chosen = SandboxBackend(request.getfixturevalue("sandbox_server"))
    chosen.configure(account, shop)
    yield chosen


@pytest.fixture
def picqer(backend, account):
    return PicqerClient.for_account(account)


@pytest.fixture
def prestashop(backend, shop):
    return PrestaShopClient.for_shop(shop)


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
    from sync.clients import ratelimit

    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "_now", fake.time)
    monkeypatch.setattr(ratelimit, "_sleep", fake.sleep)
    return fake
