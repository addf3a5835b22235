"""One product's stock, on Picqer's stock webhooks (coalesced per shop and product)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import transaction

from prestapicqer.models import PicqerAccount, Shop
from sync.activity import activity_log
from sync.http.errors import ApiNotFoundError, BrokerUnavailableError
from sync.jobs import STOCK_SYNC_PRODUCT, job_publish
from sync.leases import CacheFlag
from sync.mappers.stock import free_stock_total, product_is_unlimited, quantity_sellable
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient
from sync.services.product_index import product_index_lookup
from sync.services.retries import retry_due, retry_reason, retry_record

from .full import stock_sync_request
from .pending import pending_units_by_reference
from .sources import prestashop_placement_for_reference

# Picqer fires products.free_stock_changed for every movement; a burst for one product
# (a picklist of 10 lines, a stock count) becomes one update this many seconds later.
COALESCE_SECONDS = 5
# A layout problem is warned about in the activity log once per reference and shop a day:
# the webhook path meets it on every stock movement of that product.
LAYOUT_WARNING_SECONDS = 24 * 3600
# The pending marker outlives the delay so a lost task does not block updates for long.
PENDING_TTL_SECONDS = 120


def _pending(shop_id: int, idproduct: int) -> CacheFlag:
    """An update of the product is on its way: the stock webhooks of a burst coalesce."""
    return CacheFlag(f"stock:pending:{shop_id}:{idproduct}", PENDING_TTL_SECONDS)


def _ignored_key(shop_id: int, idproduct: int) -> str:
    return f"stock:ignored:{shop_id}:{idproduct}"


def _schedule_product(shop: Shop, idproduct: int) -> str:
    # The update runs later in its own task; the reason it was last ignored goes on this
    # event's row, so the inbox shows why the product's stock does not move.
    ignored = cache.get(_ignored_key(shop.pk, idproduct))
    last = f" (last update ignored: {ignored})" if ignored else ""
    if not _pending(shop.pk, idproduct).raise_():
        return f"update already pending{last}"
    transaction.on_commit(lambda: _product_task_publish(shop.pk, idproduct))
    return f"update in {COALESCE_SECONDS} s{last}"


def _product_task_publish(shop_id: int, idproduct: int) -> None:
    try:
        job_publish(STOCK_SYNC_PRODUCT, shop_id, idproduct, countdown=COALESCE_SECONDS)
    except Exception as exc:
        # Without the task the marker would swallow this product's changes until it expires.
        stock_product_release(shop_id=shop_id, idproduct=idproduct)
        raise BrokerUnavailableError(f"the stock update of Picqer product {idproduct}") from exc


def _warn_once_a_day(shop: Shop, code: str, reason: str) -> None:
    digest = hashlib.sha256(code.encode()).hexdigest()[:24]
    if cache.add(f"stock:layout-warned:{shop.pk}:{digest}", 1, timeout=LAYOUT_WARNING_SECONDS):
        activity_log(
            action="stock_not_written",
            level="warning",
            shop=shop,
            product_reference=code[:64],
            message=f"Stock of {code} not written: {reason}.",
        )


def stock_product_release(*, shop_id: int, idproduct: int) -> None:
    """Drop the pending marker; called before Picqer is read, so a change arriving after
    that read schedules a new update instead of being swallowed."""
    _pending(shop_id, idproduct).lower()


def _product_subject(idproduct: int) -> str:
    return f"Stock of Picqer product {idproduct}"


def stock_product_retry_record(
    *,
    shop: Shop,
    idproduct: int,
    exc: BaseException,
    countdown: float,
    attempt: int,
    max_attempts: int,
) -> None:
    """Try `attempt` of one product's stock write failed and is retried in `countdown` s.
    The write has no record of its own: the activity log's warning is where it shows."""
    retry_record(
        _product_subject(idproduct),
        reason=retry_reason(exc),
        next_attempt_at=retry_due(countdown),
        attempt=attempt,
        max_attempts=max_attempts,
        action="stock_update_retry",
        shop=shop,
        details={"idproduct": idproduct},
    )


def stock_product_fail(*, shop: Shop, idproduct: int, exc: BaseException, attempts: int) -> str:
    """The write failed for good (a refusal, or the retries ran out): say so and why."""
    reason = retry_reason(exc)
    retried = f" after {attempts} attempts" if attempts > 1 else ""
    activity_log(
        action="stock_update_failed",
        level="error",
        shop=shop,
        message=f"{_product_subject(idproduct)} not updated{retried}: {reason}",
        details={"idproduct": idproduct, "reason": reason},
    )
    return f"failed: {reason}"


def stock_product_changed(*, account: PicqerAccount, idproduct: int) -> str:
    """Entry point of Picqer's stock webhooks: for every enabled shop of the account with
    stock updates on, request a full sync (full_sync_on_webhook) or schedule this product."""
    # .all(), filtered here: the inbox drain has the account's shops loaded already.
    shops = [shop for shop in account.shops.all() if shop.enabled and shop.stock_enabled]
    if not shops:
        return "ignored: no enabled shop with stock updates on"
    results = []
    for shop in shops:
        if shop.full_sync_on_webhook:
            run = stock_sync_request(shop=shop, trigger="webhook")
            results.append(f"{shop.prefix}: full sync run {run.pk} {run.state}")
        else:
            results.append(f"{shop.prefix}: {_schedule_product(shop, idproduct)}")
    return "; ".join(results)


def _picqer_quantity(picqer, idproduct: int, shop: Shop) -> tuple[str, int | None, str]:
    """(productcode, sellable quantity or None, reason when None)."""
    try:
        product = picqer.product_get(idproduct)
    except ApiNotFoundError:
        return "", None, f"Picqer product {idproduct} not found"
    code = product.productcode
    if product_is_unlimited(product):
        return code, None, f"{code} has unlimited stock in Picqer"
    stock = product.stock
    if stock is None:
        stock = picqer.product_stock(idproduct)
    return code, free_stock_total(stock, warehouse_ids=shop.warehouse_ids), ""


def stock_sync_product(*, shop: Shop, idproduct: int) -> str:
    """Set the PrestaShop stock of Picqer product `idproduct` (reference == productcode,
    exactly) to its free stock over the shop's warehouses less the units of orders Picqer
    does not count yet; writes only differing rows."""
    # Read before Picqer: an order that reaches Picqer stops counting only after Picqer
    # counts it, so this order of reads never writes more than free - pending.
    pending = pending_units_by_reference(shop=shop)
    code, free, reason = _picqer_quantity(PicqerClient.for_account(shop.account), idproduct, shop)
    if free is None:
        return f"ignored: {reason}"
    quantity = quantity_sellable(free=free, pending=pending.get(code, 0))
    prestashop = PrestaShopClient.for_shop(shop)
    placement, reason = prestashop_placement_for_reference(
        prestashop, code, shop_id=shop.prestashop_shop_id
    )
    if placement is None:
        return f"ignored: {reason}"
    if not placement.writable:
        reason = f"reference {code}: {placement.label}"
        _warn_once_a_day(shop, code, reason)
        cache.set(_ignored_key(shop.pk, idproduct), reason, timeout=LAYOUT_WARNING_SECONDS)
        return f"ignored: {reason}"
    cache.delete(_ignored_key(shop.pk, idproduct))
    changed = 0
    for row_id, current in placement.rows:
        if current != quantity:
            prestashop.stock_available_set_quantity(row_id, quantity)
            changed += 1
    held = (
        f" ({free} free in Picqer − {pending[code]} in orders not in Picqer yet)"
        if pending.get(code)
        else ""
    )
    if not changed:
        return f"{code}: already {quantity}{held}"
    activity_log(
        action="stock_updated",
        shop=shop,
        product_reference=code,
        message=f"Stock of {code} set to {quantity}{held or ' (from Picqer)'}.",
    )
    return f"{code}: set to {quantity}{held}"


def stock_pending_changed_fail(
    *, account_id: int, references: list[str], exc: BaseException
) -> str:
    """The stock of `references` could not be written again after their held-back units
    changed: the shop keeps its current quantity until their next stock write."""
    reason = retry_reason(exc)
    activity_log(
        action="stock_update_failed",
        level="error",
        account=PicqerAccount.objects.filter(pk=account_id).first(),
        message=f"Stock of {', '.join(references)[:300]} not written after an order "
        f"changed what is held back: {reason}. Run a full stock sync to catch up.",
    )
    return f"failed: {reason}"


def stock_pending_changed(*, account_id: int, references: list[str]) -> str:
    """The units held back for `references` changed (an order placed, cancelled, or now in
    Picqer): schedule their stock update in every shop of the account that holds them
    back. The Picqer product is found in the product index, else by its code."""
    account = PicqerAccount.objects.filter(pk=account_id).first()
    shops = (
        [
            s
            for s in account.shops.all()
            if s.enabled and s.stock_enabled and s.stock_reserve_pending_orders
        ]
        if account
        else []
    )
    if not shops:
        return "ignored: no shop holds back stock of orders not in Picqer yet"
    idproducts = {
        code: p.idproduct
        for code, p in product_index_lookup(account_id=account_id, productcodes=references).items()
    }
    picqer = PicqerClient.for_account(account)
    for code in references:
        if code not in idproducts:
            found = [p for p in picqer.products_by_productcode(code) if p.productcode == code]
            if found:
                idproducts[code] = found[0].idproduct
    results = [
        f"{shop.prefix} {code}: {_schedule_product(shop, idproduct)}"
        for shop in shops
        for code, idproduct in sorted(idproducts.items())
    ]
    return "; ".join(results) or f"ignored: {', '.join(references)} not in Picqer"
