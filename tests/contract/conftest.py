"""`backend` runs each contract case three times: against the `responses` fixtures, the unit
tests' fakes and the sandbox."""

import pytest
import responses

from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient

from .backends import FakeBackend, FixtureBackend, SandboxBackend


@pytest.fixture(params=["fixtures", "fake", pytest.param("sandbox", marks=pytest.mark.e2e)])
def backend(request, account, shop):
    if request.param in ("fixtures", "fake"):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            chosen = (FixtureBackend if request.param == "fixtures" else FakeBackend)(mock)
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
def answers(picqer, monkeypatch) -> list:
    """Every JSON body `picqer` decoded, in order. The contract is about what Picqer
    answers; the records the named methods parse those answers into are checked by the
    same calls."""
    seen: list = []
    decode = picqer._decode

    def spy(response):
        body = decode(response)
        seen.append(body)
        return body

    monkeypatch.setattr(picqer, "_decode", spy)
    return seen


@pytest.fixture
def prestashop(backend, shop):
    return PrestaShopClient.for_shop(shop)
