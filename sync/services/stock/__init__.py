"""Picqer → PrestaShop stock. Picqer is the master: PrestaShop's sellable quantity is set to
Picqer's free stock, per product on a webhook, or for the whole catalogue (full sync)."""

from .full import (
    stock_sync_claim,
    stock_sync_fail,
    stock_sync_fail_stale,
    stock_sync_full,
    stock_sync_refusal,
    stock_sync_request,
    stock_sync_retry_wait,
    stock_sync_start,
    stock_sync_sweep,
)
from .product import (
    stock_pending_changed,
    stock_pending_changed_fail,
    stock_product_changed,
    stock_product_fail,
    stock_product_release,
    stock_product_retry_record,
    stock_sync_product,
)

__all__ = [
    "stock_pending_changed",
    "stock_pending_changed_fail",
    "stock_product_changed",
    "stock_product_fail",
    "stock_product_release",
    "stock_product_retry_record",
    "stock_sync_claim",
    "stock_sync_fail",
    "stock_sync_fail_stale",
    "stock_sync_full",
    "stock_sync_product",
    "stock_sync_refusal",
    "stock_sync_request",
    "stock_sync_retry_wait",
    "stock_sync_start",
    "stock_sync_sweep",
]
