"""The product index per Picqer account: productcode → idproduct, VAT group, price, active.

Filled by every full stock sync (`ProductIndexFeed` tees the product pages it reads, no
extra call), kept fresh by the products.created / products.changed webhooks, and by every
Picqer read the order push makes on a miss. Entries are keyed by the exact productcode;
recording a product drops the other codes its idproduct had (a rename, a changed case).

The push trusts the index only while the products.changed webhook is known to be active
(`ProductIndex.hooks_active`, set by the hook management): without it a rename in Picqer
would not reach the index, so every line is read from Picqer as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sync.http.errors import ApiNotFoundError
from sync.models.products import ProductIndex, ProductIndexEntry
from sync.picqer.client import PAGE_SIZE, PicqerClient
from sync.picqer.records import Product

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexedProduct:
    """What the order push needs of one Picqer product."""

    productcode: str
    idproduct: int
    idvatgroup: int | None
    price: Decimal | None
    active: bool


def _entry(account_id: int, product: Product, now: datetime) -> ProductIndexEntry:
    return ProductIndexEntry(
        account_id=account_id,
        productcode=product.productcode,
        idproduct=product.idproduct,
        idvatgroup=product.idvatgroup,
        price=None if product.price is None else product.price.quantize(Decimal("0.0001")),
        active=product.active,
        refreshed_at=now,
    )


# What an entry says of its product (a change to any of them is written).
HELD_FIELDS = ("idproduct", "idvatgroup", "price", "active")


def _held(entry: ProductIndexEntry) -> tuple:
    return tuple(getattr(entry, name) for name in HELD_FIELDS)


def product_index_record(
    *, account_id: int, products: Iterable[Product], now: datetime | None = None
) -> int:
    """Record Picqer products in the account's index: each code points at its product,
    and codes their idproducts no longer carry are removed. Returns how many entries were
    new or changed (the others only have their refresh time moved).

    Why compare first: a full sync records every product of the account a page at a time,
    and on all but its first run nearly every entry is unchanged; one SELECT and one
    UPDATE of those cost far less than an upsert of every row."""
    now = now or timezone.now()
    by_code = {p.productcode: p for p in products if p.productcode}
    if not by_code:
        return 0
    entries = [_entry(account_id, p, now) for p in by_code.values()]
    held = {
        row[0]: row[1:]  # (code, *HELD_FIELDS)
        for row in ProductIndexEntry.objects.filter(
            account_id=account_id, productcode__in=by_code
        ).values_list("productcode", *HELD_FIELDS)
    }
    changed, unchanged = [], []
    for entry in entries:
        if held.get(entry.productcode) == _held(entry):
            unchanged.append(entry.productcode)
        else:
            changed.append(entry)
    with transaction.atomic():
        if unchanged:
            ProductIndexEntry.objects.filter(
                account_id=account_id, productcode__in=unchanged
            ).update(refreshed_at=now)
        if changed:
            # An unchanged entry's product kept its code, so only a changed one can have
            # left another code behind (a rename, a changed case, a re-created product).
            ProductIndexEntry.objects.filter(
                account_id=account_id,
                idproduct__in={e.idproduct for e in changed},
            ).exclude(productcode__in=by_code).delete()
            ProductIndexEntry.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["account", "productcode"],
                update_fields=[*HELD_FIELDS, "refreshed_at"],
            )
    return len(changed)


def product_index_forget(
    *, account_id: int, productcodes: Iterable[str] = (), idproducts: Iterable[int] = ()
) -> int:
    """Drop entries (Picqer said the product does not exist). Returns how many."""
    codes, ids = list(productcodes), list(idproducts)
    deleted = 0
    if codes:
        deleted += ProductIndexEntry.objects.filter(
            account_id=account_id, productcode__in=codes
        ).delete()[0]
    if ids:
        deleted += ProductIndexEntry.objects.filter(
            account_id=account_id, idproduct__in=ids
        ).delete()[0]
    if deleted:
        ProductIndex.objects.filter(account_id=account_id).update(changed_at=timezone.now())
    return deleted


def product_index_lookup(
    *, account_id: int, productcodes: Iterable[str]
) -> dict[str, IndexedProduct]:
    """The active indexed products of `productcodes`, by exact code; empty while the index
    is not trusted (no active products.changed webhook)."""
    codes = [c for c in dict.fromkeys(productcodes) if c]
    index = ProductIndex.objects.filter(account_id=account_id, hooks_active=True).first()
    if not codes or index is None or index.trusted_since is None:
        return {}
    rows = ProductIndexEntry.objects.filter(
        account_id=account_id,
        productcode__in=codes,
        active=True,
        refreshed_at__gte=index.trusted_since,
    )
    # Compared again here: the exact rule must not depend on a database collation.
    return {
        row.productcode: IndexedProduct(
            row.productcode, row.idproduct, row.idvatgroup, row.price, row.active
        )
        for row in rows
        if row.productcode in codes
    }


def product_index_hooks_seen(*, account_id: int, active: bool) -> None:
    """The hook management's last view of the products.changed webhook. When it becomes
    active (again), what the index held before may have missed changes: it counts from now."""
    now = timezone.now()
    with transaction.atomic():
        index, _ = ProductIndex.objects.select_for_update().get_or_create(account_id=account_id)
        if active and not index.hooks_active:
            index.trusted_since = now
        index.hooks_active, index.hooks_checked_at = active, now
        index.save(update_fields=["hooks_active", "hooks_checked_at", "trusted_since"])


def product_index_product_changed(*, account, idproduct: int) -> str:
    """A products.created / products.changed webhook: re-read the product (the payload is
    not trusted) and record it; a product Picqer no longer has leaves the index."""
    picqer = PicqerClient.for_account(account)
    try:
        product = picqer.product_get(idproduct)
    except ApiNotFoundError:
        product_index_forget(account_id=account.pk, idproducts=[idproduct])
        return "forgotten"
    product_index_record(account_id=account.pk, products=[product])
    ProductIndex.objects.update_or_create(
        account_id=account.pk, defaults={"changed_at": timezone.now()}
    )
    return "recorded"


def product_index_feed(*, account_id: int, products: Iterator[Product]) -> Iterator[Product]:
    """Yield `products` (a complete product listing) unchanged, recording them a page at a
    time. When the listing ends, entries it did not contain and nothing refreshed meanwhile
    are dropped and the index is marked filled. A listing abandoned half-way drops nothing."""
    started = timezone.now()
    batch: list[Product] = []
    for product in products:
        batch.append(product)
        yield product
        if len(batch) >= PAGE_SIZE:
            product_index_record(account_id=account_id, products=batch)
            batch = []
    product_index_record(account_id=account_id, products=batch)
    stale = ProductIndexEntry.objects.filter(
        account_id=account_id, refreshed_at__lt=started
    ).delete()[0]
    ProductIndex.objects.update_or_create(
        account_id=account_id, defaults={"filled_at": timezone.now()}
    )
    logger.info("product_index.filled account=%s stale_removed=%s", account_id, stale)


class ProductIndexFeed:
    """A Picqer client whose complete product listing also fills the account's index; every
    other call goes to the client unchanged. The full stock sync reads through it."""

    def __init__(self, client: PicqerClient, *, account_id: int):
        self._client, self._account_id = client, account_id

    def products_iter(
        self, params: Mapping[str, Any] | None = None, *, read_ahead: bool = False
    ) -> Iterator[Product]:
        products = self._client.products_iter(params, read_ahead=read_ahead)
        if params:  # a filtered listing is not the whole catalogue
            return products
        return product_index_feed(account_id=self._account_id, products=products)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def product_index_feeding(client: PicqerClient, *, account) -> ProductIndexFeed:
    """`client`, with its full product listing feeding `account`'s index."""
    return ProductIndexFeed(client, account_id=account.pk)


def product_index_size(*, account_id: int) -> int:
    return ProductIndexEntry.objects.filter(account_id=account_id).count()
