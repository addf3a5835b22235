"""Picqer's refusals that callers act on, as types instead of codes and message texts."""

from __future__ import annotations

from sync.http.errors import ApiClientError

# Picqer error_code of "Product you are trying to order, does not exists" (nothing created).
UNKNOWN_PRODUCT_CODE = 24


class PicqerUnknownProductError(ApiClientError):
    """POST /orders named an idproduct Picqer does not have (error 24); no order was made."""


class PicqerHookExistsError(ApiClientError):
    """POST /hooks for an address + event that already has a hook, active or not (400
    "Error: Hook already exists", docs/sources.md#picqer-hooks)."""
