"""Helpers for client tests: fixture files, a fake clock for the shared rate limiter."""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PICQER = "https://example.picqer.com/api/v1/"
PS = "https://shop.example.com/api/"


def picqer_fixture(name: str):
    """Parsed JSON of tests/fixtures/picqer/<name>.json."""
    return json.loads((FIXTURES / "picqer" / f"{name}.json").read_text())


def ps_fixture(name: str) -> bytes:
    """Raw bytes of tests/fixtures/prestashop/<name>.xml."""
    return (FIXTURES / "prestashop" / f"{name}.xml").read_bytes()
