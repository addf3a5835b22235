"""The orders suite's PrestaShop and Picqer: the one fake per vendor (tests/fakes), the shop
holding order 73 as recorded in tests/fixtures/orders, Picqer three of its products."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.picqer import FakePicqer
from tests.fakes.prestashop import FakePrestaShop

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orders"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def shop_with_order_73(rsps, version: str = "8.1.5") -> FakePrestaShop:
    return FakePrestaShop(rsps, version=version).load_order_73()


@pytest.fixture
def ps(rsps):
    return shop_with_order_73(rsps)


@pytest.fixture
def picqer(rsps):
    fake = FakePicqer(rsps)
    for code in ("demo_1", "TSHIRT-RED-S", "MUG-9"):
        fake.add_product(code)
    return fake


@pytest.fixture
def enqueued(monkeypatch):
    """Tasks published by the code under test (after commit), instead of a broker."""
    from sync.tasks import orders as tasks

    calls: list[tuple[str, tuple]] = []
    for name in ("order_sync_task", "orders_poll_task", "orders_reconcile_shop_task"):
        task = getattr(tasks, name)
        # apply_async: what sync.jobs and Task.delay both end in.
        monkeypatch.setattr(
            task, "apply_async", lambda a=(), k=None, _n=name, **o: calls.append((_n, tuple(a)))
        )
    return calls
