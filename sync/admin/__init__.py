"""Admin screens of the sync engine, one module per subject."""

from . import activity, catalogue, orders, products, stock, stock_items  # noqa: F401
