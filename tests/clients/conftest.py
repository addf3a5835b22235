"""Helpers for client tests: fixture files, a fake clock for the shared rate limiter."""

import json
from pathlib import Path

import pytest

from sync.clients import ratelimit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PICQER = "https://example.picqer.com/api/v1/"
PS = "https://shop.example.com/api/"


def picqer_fixture(name: str):
    """Parsed JSON of tests/fixtures/picqer/<name>.json."""
    return json.loads((FIXTURES / "picqer" / f"{name}.json").read_text())


def ps_fixture(name: str) -> bytes:
    """Raw bytes of tests/fixtures/prestashop/<name>.xml."""
    return (FIXTURES / "prestashop" / f"{name}.xml").read_bytes()


class FakeClock:
    """Replaces time in ratelimit: sleeping advances the clock instantly and is recorded."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "_now", fake.time)
    monkeypatch.setattr(ratelimit, "_sleep", fake.sleep)
    return fake
