"""Admin screens of the sync engine, one module per subject."""

from . import activity, orders, products, stock  # noqa: F401
