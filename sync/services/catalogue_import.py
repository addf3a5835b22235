"""Bulk import into Picqer from a match report: create the products only in PrestaShop, or
update chosen fields (name, price, barcode) of the matched ones — a dry run first.

A run plans first: it reads the report's rows, the PrestaShop products (100 per call), the
shop's tax rates and Picqer's VAT groups, and stores one item per reference with the body it
would send (`sync.mappers.catalogue_import`). A dry run stops there. A real run then works
through its items, one Picqer product at a time within the account's shared request budget:

- before each POST it asks Picqer for the productcode and takes over a product that is
  already there (one an interrupted run created, or someone else) instead of posting: no
  code is ever posted twice;
- each item's outcome is committed before the next one starts, so a run whose worker is
  killed resumes where it stopped (`product_import_sweep` puts it back in the queue);
- an image is marked "being sent" before its POST, so a resumed run looks at the product's
  images before sending it again;
- matched Picqer products are only ever changed by an `update` run, and only the fields
  the operator chose.

Every product gets an activity log entry; the run's counts show the progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sync.activity import activity_log
from sync.http import ratelimit
from sync.http.errors import ApiClientError, ApiError, ApiNotFoundError, ApiPermissionError
from sync.http.ratelimit import WINDOW_SECONDS
from sync.jobs import PRODUCT_IMPORT, job_publish
from sync.mappers.catalogue import PROBLEM_LABELS, Problem
from sync.mappers.catalogue_import import (
    UPDATABLE_FIELDS,
    MappedProduct,
    ShopFacts,
    picqer_changes,
    picqer_product_body,
    tax_rates_by_group,
)
from sync.mappers.orders import exact_product
from sync.models.catalogue import (
    CatalogueReport,
    CatalogueReportRow,
    ProductImportItem,
    ProductImportRun,
)
from sync.picqer.client import PicqerClient
from sync.picqer.records import Product
from sync.prestashop.client import PrestaShopClient
from sync.prestashop.records import Combination
from sync.services.signs_of_life import signs_of_life

logger = logging.getLogger(__name__)

State = ProductImportRun.State
Kind = ProductImportRun.Kind
Item = ProductImportItem.State
Image = ProductImportItem.Image
PS_BATCH = 100  # ids per PrestaShop list call (the address grows with them)
ROW_STATUS = {
    Kind.CREATE: CatalogueReportRow.Status.ONLY_IN_PRESTASHOP,
    Kind.UPDATE: CatalogueReportRow.Status.MATCHED,
}
QUEUED_REPUBLISH_AFTER = timedelta(minutes=1)
# What a key without a resource, or a shop without it, answers: the data is left out, said.
NOT_READABLE = (ApiClientError, ApiPermissionError, ApiNotFoundError)
COUNTER_OF = {
    Item.CREATED: "created",
    Item.ADOPTED: "adopted",
    Item.UPDATED: "updated",
    Item.UNCHANGED: "unchanged",
    Item.SKIPPED: "skipped",
    Item.FAILED: "failed",
}


class ImportRefused(ValueError):
    """The import cannot start as asked (a report not done, unknown fields)."""


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.PRODUCT_IMPORT_STALE_SECONDS)


# -- requesting ---------------------------------------------------------------------------


def product_import_request(
    *,
    report: CatalogueReport,
    kind: str = Kind.CREATE,
    dry_run: bool = True,
    fields: Iterable[str] = (),
    requested_by: str = "",
    publish: bool = True,
) -> ProductImportRun:
    """Queue a run of `report` for the worker (with `publish`). A real run of a report and
    kind that is still queued or running is returned as it is: it is never started twice."""
    fields = list(dict.fromkeys(fields))
    if report.state != CatalogueReport.State.DONE:
        raise ImportRefused(f"catalogue report {report.pk} is {report.state}, not done")
    if kind == Kind.UPDATE and (not fields or set(fields) - set(UPDATABLE_FIELDS)):
        raise ImportRefused(f"choose what to update: {', '.join(UPDATABLE_FIELDS)}")
    if kind == Kind.CREATE:
        fields = []
    unfinished = ProductImportRun.objects.filter(
        report=report, kind=kind, dry_run=False, state__in=[State.QUEUED, State.RUNNING]
    )
    if not dry_run and (existing := unfinished.first()):
        return existing
    try:
        with transaction.atomic():
            run = ProductImportRun.objects.create(
                shop=report.shop,
                report=report,
                kind=kind,
                dry_run=dry_run,
                fields=fields,
                requested_by=requested_by[:150],
            )
    except IntegrityError:  # another request won the race
        return unfinished.get()
    if publish:
        transaction.on_commit(lambda: product_import_publish(run.pk))
    return run


def product_import_publish(run_id: int, countdown: float = 0) -> None:
    job_publish(PRODUCT_IMPORT, run_id, countdown=countdown or None)


def product_import_claim(run_id: int) -> ProductImportRun | None:
    """Take a queued run for this process (None: someone else has it, or it is finished)."""
    now = timezone.now()
    claimed = ProductImportRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        state=State.RUNNING, heartbeat_at=now, started_at=Coalesce(F("started_at"), Value(now))
    )
    if not claimed:
        return None
    return ProductImportRun.objects.select_related("shop__account", "report").get(pk=run_id)


def product_import_sweep() -> dict[str, int]:
    """What beat runs every minute: a running run whose worker shows no sign of life for
    PRODUCT_IMPORT_STALE_SECONDS (killed, lost) goes back to the queue and resumes; a queued
    run whose message was lost is published again. Returns the counts."""
    now = timezone.now()
    stale = ProductImportRun.objects.select_related("shop").filter(
        state=State.RUNNING, heartbeat_at__lt=now - _stale_after()
    )
    resumed = 0
    for run in stale:
        if not ProductImportRun.objects.filter(
            pk=run.pk, state=State.RUNNING, heartbeat_at=run.heartbeat_at
        ).update(state=State.QUEUED, heartbeat_at=None):
            continue  # it beat meanwhile: alive
        resumed += 1
        activity_log(
            action="product_import_resumed",
            level="warning",
            shop=run.shop,
            message=f"{run}: the worker running it stopped at {run.processed} of "
            f"{run.planned if run.planned is not None else '?'}; it resumes where it stopped "
            "(products already in Picqer are taken over, never created twice).",
        )
        product_import_publish(run.pk)
    lost = ProductImportRun.objects.filter(
        state=State.QUEUED, created_at__lt=now - QUEUED_REPUBLISH_AFTER
    ).filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - QUEUED_REPUBLISH_AFTER))
    republished = 0
    for run_id in lost.values_list("pk", flat=True):
        product_import_publish(run_id)  # a duplicate message finds the run claimed: a no-op
        republished += 1
    return {"resumed": resumed, "republished": republished}


# -- running ------------------------------------------------------------------------------


class PacedPicqerClient(PicqerClient):
    """A Picqer client for bulk work: on top of the shared per-minute budget, its calls are
    spread evenly at PRODUCT_IMPORT_BUDGET_SHARE of that budget. So an import leaves room for
    orders and stock, and never sends a minute's worth at a window's end and another at the
    next one's start (a burst Picqer, counting its own window, answers with 429)."""

    def request(self, method: str, path: str, **kwargs):
        share = self.rate_limit_per_minute * settings.PRODUCT_IMPORT_BUDGET_SHARE
        interval = WINDOW_SECONDS / max(share, 1.0)
        now = ratelimit._now()
        due = getattr(self, "_next_call_at", now)
        if due > now:
            ratelimit._sleep(due - now)
        self._next_call_at = max(now, due) + interval
        return super().request(method, path, **kwargs)


@dataclass
class _Context:
    run: ProductImportRun
    picqer: PicqerClient
    prestashop: PrestaShopClient


class ClaimLost(Exception):
    """The sweep gave this run to another worker (this one looked dead): stop quietly."""


def product_import_execute(
    run: ProductImportRun, *, seconds: float | None = None, picqer=None, prestashop=None
) -> float | None:
    """Plan `run` (once), then, unless it is a dry run, send its items. Returns None when
    the run is finished; else the seconds after which it should continue (0: the time
    slice of `seconds` is used up; more: Picqer or the shop asked to wait) — the run is then
    back in the queue. Anything else that goes wrong fails the run and is raised."""
    shop = run.shop
    ctx = _Context(
        run,
        picqer or PacedPicqerClient.for_account(shop.account),
        prestashop or PrestaShopClient.for_shop(shop),
    )
    until = None if seconds is None else time.monotonic() + seconds
    try:
        with signs_of_life(
            lambda: _beat(run),
            every=_stale_after().total_seconds() / 4,
            name=f"product-import-{run.pk}",
        ):
            if run.planned is None:
                _plan(ctx)
            if not run.dry_run:
                for item in _items_to_send(run):
                    if until is not None and time.monotonic() > until:
                        return _requeue(run, 0, "continues in the next slice")
                    if not _beat(run):
                        raise ClaimLost(str(run))
                    _send(ctx, item)
    except ClaimLost:
        logger.warning("product_import.claim_lost run_id=%s", run.pk)
        return None
    except ApiError as exc:
        if exc.retryable:
            wait = max(float(getattr(exc, "retry_after", 0) or 0), 30.0)
            return _requeue(run, wait, f"paused: {exc}; continues in {int(wait)} s")
        _fail(run, exc)
        raise
    except Exception as exc:
        _fail(run, exc)
        raise
    _finish(run)
    return None


def _requeue(run: ProductImportRun, wait: float, message: str) -> float:
    ProductImportRun.objects.filter(pk=run.pk).update(
        state=State.QUEUED, message=message, heartbeat_at=timezone.now() + timedelta(seconds=wait)
    )
    return wait


def _fail(run: ProductImportRun, exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}"
    ProductImportRun.objects.filter(pk=run.pk).update(
        state=State.FAILED, message=message, finished_at=timezone.now()
    )
    activity_log(
        action="product_import_failed",
        level="error",
        shop=run.shop,
        message=f"{run} failed: {message}. Start it again from the report: products "
        "already in Picqer are taken over, never created twice.",
    )


def _finish(run: ProductImportRun) -> None:
    run.refresh_from_db()
    if run.dry_run:
        would = run.items.filter(state=Item.PENDING).count()
        verb = "would create" if run.kind == Kind.CREATE else "would update"
        run.message = f"{verb} {would}; {run.skipped} skipped, {run.unchanged} already equal"
    else:
        run.message = (
            f"{run.created} created, {run.adopted} already in Picqer, {run.updated} "
            f"updated, {run.unchanged} already equal, {run.skipped} skipped, "
            f"{run.failed} failed"
        )
    run.state, run.finished_at = State.DONE, timezone.now()
    run.save(update_fields=["state", "finished_at", "message"])
    activity_log(
        action="product_import_done",
        level="warning" if run.failed else "info",
        shop=run.shop,
        message=f"{run}: {run.message}.",
    )


# -- planning -----------------------------------------------------------------------------


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _shop_facts(prestashop: PrestaShopClient) -> ShopFacts:
    """The tax rate of each tax rules group in the shop's country and the weight unit."""
    config = prestashop.configurations(["PS_COUNTRY_DEFAULT", "PS_WEIGHT_UNIT"])
    unit = config.text("PS_WEIGHT_UNIT", "kg")
    try:
        rules = prestashop.tax_rules_for_country(config.number("PS_COUNTRY_DEFAULT") or 0)
        ids = sorted({r.id_tax for r in rules} - {0})
        taxes = [t for batch in _batches(ids, PS_BATCH) for t in prestashop.taxes_by_ids(batch)]
    except NOT_READABLE:  # a key without tax_rules/taxes: said on every item
        return ShopFacts(weight_unit=unit, tax_readable=False)
    return ShopFacts(tax_rates=tax_rates_by_group(rules, taxes), weight_unit=unit)


def _option_value_names(
    prestashop: PrestaShopClient, combinations: Iterable[Combination]
) -> dict[int, str]:
    ids = sorted({i for c in combinations for i in c.product_option_values})
    try:
        rows = [
            r
            for batch in _batches(ids, PS_BATCH)
            for r in prestashop.product_option_values_by_ids(batch)
        ]
    except NOT_READABLE:  # not granted: combinations are named by reference
        return {}
    return {r.id: r.name for r in rows}


def _beat(run: ProductImportRun) -> bool:
    """Record a sign of life; False when the run is no longer this worker's."""
    return bool(
        ProductImportRun.objects.filter(pk=run.pk, state=State.RUNNING).update(
            heartbeat_at=timezone.now()
        )
    )


def _picqer_current(ctx: _Context, wanted: set[int]) -> dict[int, Product]:
    """The matched Picqer products (an update compares their fields), from the product
    list: ceil(products / 100) calls, as the report itself."""
    return {p.idproduct: p for p in ctx.picqer.products_iter() if p.idproduct in wanted}


def _plan(ctx: _Context) -> None:
    run = ctx.run
    # A plan a killed worker left half-written is made again from the start: planning
    # sends nothing to Picqer, so nothing is lost.
    run.items.all().delete()
    ProductImportRun.objects.filter(pk=run.pk).update(skipped=0, unchanged=0, processed=0)
    rows = list(run.report.rows.filter(status=ROW_STATUS[run.kind]).order_by("id"))
    facts = _shop_facts(ctx.prestashop)
    vatgroups = ctx.picqer.vatgroups_list()
    current = (
        _picqer_current(ctx, {r.picqer_idproduct for r in rows if r.picqer_idproduct})
        if run.kind == Kind.UPDATE
        else {}
    )
    for batch in _batches(rows, PS_BATCH):
        products = {
            p.id: p
            for p in ctx.prestashop.products_for_import(
                {r.ps_id_product for r in batch if r.ps_id_product}
            )
        }
        combinations = {
            c.id: c
            for c in ctx.prestashop.combinations_by_ids(
                {r.ps_id_product_attribute for r in batch if r.ps_id_product_attribute}
            )
        }
        batch_facts = replace(
            facts, option_values=_option_value_names(ctx.prestashop, combinations.values())
        )
        items = [
            _planned_item(run, row, products, combinations, batch_facts, vatgroups, current)
            for row in batch
        ]
        with transaction.atomic():
            ProductImportItem.objects.bulk_create(items)
            ProductImportRun.objects.filter(pk=run.pk).update(
                heartbeat_at=timezone.now(),
                skipped=F("skipped") + sum(i.state == Item.SKIPPED for i in items),
                unchanged=F("unchanged") + sum(i.state == Item.UNCHANGED for i in items),
                processed=F("processed") + sum(i.state != Item.PENDING for i in items),
            )
    run.planned = len(rows)
    run.save(update_fields=["planned"])
    if not run.dry_run:
        for item in run.items.filter(state=Item.SKIPPED):
            activity_log(
                action="product_import_skipped",
                level="warning",
                shop=run.shop,
                product_reference=item.reference,
                message=f"{item.reference} was not sent to Picqer: {item.detail}",
            )


def _planned_item(run, row, products, combinations, facts, vatgroups, current):
    item = ProductImportItem(
        run=run,
        reference=row.reference,
        ps_id_product=row.ps_id_product,
        ps_id_product_attribute=row.ps_id_product_attribute or None,
        picqer_idproduct=row.picqer_idproduct,
    )
    product = products.get(row.ps_id_product or 0)
    combination = combinations.get(row.ps_id_product_attribute or 0)
    if product is None or (row.ps_id_product_attribute and combination is None):
        return _skipped(item, "no longer in PrestaShop (make a new report)")
    if row.detail == PROBLEM_LABELS[Problem.DUPLICATE]:
        return _skipped(item, "the reference is on several PrestaShop products: make it unique")
    mapped: MappedProduct = picqer_product_body(
        product, combination, facts=facts, vatgroups=vatgroups
    )
    if mapped.productcode != row.reference:
        return _skipped(item, "its reference changed in PrestaShop (make a new report)")
    item.detail = "; ".join(mapped.notes)[:500]
    if run.kind == Kind.UPDATE:
        picqer = current.get(row.picqer_idproduct or 0)
        if picqer is None:
            return _skipped(item, "no longer in Picqer (make a new report)")
        item.body = picqer_changes(picqer, mapped.body, run.fields)
        item.state = Item.PENDING if item.body else Item.UNCHANGED
        return item
    if mapped.problem:
        return _skipped(item, mapped.problem)
    item.body = mapped.body
    item.picqer_idproduct = None
    if mapped.id_image and settings.PRODUCT_IMPORT_IMAGES:
        item.ps_id_image, item.image = mapped.id_image, Image.TO_SEND
    return item


def _skipped(item: ProductImportItem, why: str) -> ProductImportItem:
    item.state, item.detail, item.body = Item.SKIPPED, why[:500], {}
    return item


# -- sending ------------------------------------------------------------------------------


def _items_to_send(run: ProductImportRun) -> Iterator[ProductImportItem]:
    """Items still to do, in order, read a page at a time (each is finished before the next
    page is read, so the query moves on)."""
    todo = run.items.filter(
        Q(state=Item.PENDING)
        | Q(state__in=[Item.CREATED, Item.ADOPTED], image__in=[Image.TO_SEND, Image.SENDING])
    ).order_by("id")
    while page := list(todo[:200]):
        yield from page


def _send(ctx: _Context, item: ProductImportItem) -> None:
    if item.state == Item.PENDING:
        if ctx.run.kind == Kind.UPDATE:
            _update_one(ctx, item)
        else:
            _create_one(ctx, item)
    if item.state in (Item.CREATED, Item.ADOPTED) and item.image in (Image.TO_SEND, Image.SENDING):
        _image_copy(ctx, item)
    elif item.image in (Image.TO_SEND, Image.SENDING):  # failed: no product to hold it
        item.image = Image.NONE
        item.save(update_fields=["image"])


def _outcome(
    ctx: _Context,
    item: ProductImportItem,
    state: str,
    *,
    action: str,
    message: str,
    level: str = "info",
) -> None:
    """Commit one item's outcome and its count together, then log it."""
    item.state = state
    with transaction.atomic():
        item.save(update_fields=["state", "picqer_idproduct", "detail", "image"])
        ProductImportRun.objects.filter(pk=ctx.run.pk).update(
            processed=F("processed") + 1, **{COUNTER_OF[state]: F(COUNTER_OF[state]) + 1}
        )
    activity_log(
        action=action,
        level=level,
        shop=ctx.run.shop,
        message=message,
        product_reference=item.reference,
        details={"product_import_id": ctx.run.pk, "idproduct": item.picqer_idproduct},
    )


def _adopt(ctx: _Context, item: ProductImportItem, found: Product) -> None:
    item.picqer_idproduct = found.idproduct
    if found.images and item.image == Image.TO_SEND:
        item.image = Image.SENT  # it has one already: never a second copy
    _outcome(
        ctx,
        item,
        Item.ADOPTED,
        action="product_import_adopted",
        message=f"{item.reference} was already in Picqer (idproduct "
        f"{item.picqer_idproduct}): taken over, not created again.",
    )


def _create_one(ctx: _Context, item: ProductImportItem) -> None:
    code = item.reference
    found = exact_product(code, ctx.picqer.products_by_productcode(code))
    if found:
        return _adopt(ctx, item, found)
    try:
        product = ctx.picqer.product_create(item.body)
    except ApiClientError as exc:
        # Picqer refuses a productcode it already has, also on an inactive product.
        found = exact_product(code, ctx.picqer.products_by_productcode(code, include_inactive=True))
        if found:
            return _adopt(ctx, item, found)
        item.detail = f"Picqer refused it: {exc}"[:500]
        return _outcome(
            ctx,
            item,
            Item.FAILED,
            action="product_import_create_failed",
            level="warning",
            message=f"{code} could not be created in Picqer: "
            f"{exc}. Correct it in PrestaShop and start the import again.",
        )
    item.picqer_idproduct = product.idproduct
    _outcome(
        ctx,
        item,
        Item.CREATED,
        action="product_import_created",
        message=f"{code} created in Picqer (idproduct {item.picqer_idproduct}, price "
        f"{item.body.get('price')} excl. VAT, VAT group {item.body.get('idvatgroup')}).",
    )


def _update_one(ctx: _Context, item: ProductImportItem) -> None:
    fields = {name: new for name, (_, new) in item.body.items()}
    try:
        ctx.picqer.product_update(item.picqer_idproduct, fields)
    except ApiClientError as exc:
        why = "no longer in Picqer" if isinstance(exc, ApiNotFoundError) else str(exc)
        item.detail = f"Picqer refused it: {why}"[:500]
        return _outcome(
            ctx,
            item,
            Item.FAILED,
            action="product_import_update_failed",
            level="warning",
            message=f"{item.reference} could not be updated in Picqer: {why}.",
        )
    changed = ", ".join(f"{name} {old!r} → {new!r}" for name, (old, new) in item.body.items())
    _outcome(
        ctx,
        item,
        Item.UPDATED,
        action="product_import_updated",
        message=f"{item.reference} updated in Picqer (idproduct "
        f"{item.picqer_idproduct}): {changed}.",
    )


def _image_copy(ctx: _Context, item: ProductImportItem) -> None:
    """The PrestaShop cover image to the Picqer product, at most once: an image whose
    sending was interrupted is only sent again when the product still has none."""
    if item.image == Image.SENDING and ctx.picqer.product_get(item.picqer_idproduct).images:
        item.image = Image.SENT
        item.save(update_fields=["image"])
        return
    try:
        data = ctx.prestashop.product_image(item.ps_id_product, item.ps_id_image)
        item.image = Image.SENDING
        item.save(update_fields=["image"])
        ctx.picqer.product_image_add(item.picqer_idproduct, data)
    except ApiError as exc:
        if exc.retryable:
            raise
        item.image = Image.FAILED
        item.save(update_fields=["image"])
        activity_log(
            action="product_import_image_failed",
            level="warning",
            shop=ctx.run.shop,
            product_reference=item.reference,
            message=f"{item.reference} is in Picqer without its image: {exc}",
        )
        return
    item.image = Image.SENT
    item.save(update_fields=["image"])


def product_import_items_shown(run: ProductImportRun) -> list[dict[str, Any]]:
    """The items as the admin and the command show them: reference, state, mapped fields."""
    return [
        {
            "reference": i.reference,
            "state": i.get_state_display(),
            "body": i.body,
            "detail": i.detail,
            "idproduct": i.picqer_idproduct,
        }
        for i in run.items.all()
    ]
