"""Base data of a fresh sandbox: what a new Picqer account and a stock PrestaShop contain."""

from __future__ import annotations

from .picqer.catalog import catalog_bootstrap
from .prestashop.data import ps_bootstrap
from .store import Tx


def base_data_create(tx: Tx) -> None:
    """Picqer: a warehouse and VAT groups. PrestaShop: languages, shop, states, countries,
    carriers (PostNL, DHL, DPD — named like Picqer's providers) and configuration."""
    catalog_bootstrap(tx)
    ps_bootstrap(tx)
