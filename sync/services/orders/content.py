"""What goes into the Picqer order: the PrestaShop order read and turned into the Picqer
order body, its lines resolved to Picqer products.

Lines match a Picqer product by exact productcode; they are resolved from the account's
product index (sync.services.product_index), Picqer is read only for the codes it does not
hold, and what that read returns is recorded there. With "create missing products" the
missing ones are created in Picqer first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.core.cache import cache

from sync.http.errors import ApiError, ApiNotFoundError
from sync.mappers import orders as mapper
from sync.picqer.records import VatGroup
from sync.prestashop.records import Address, Order
from sync.services.product_index import product_index_lookup, product_index_record

from .context import OrderContext

logger = logging.getLogger(__name__)

COUNTRY_CACHE_SECONDS = 24 * 3600
T = TypeVar("T")


@dataclass
class OrderContent:
    """The Picqer order body, its lines, the lines that could not be matched and the ones
    whose product came from the product index."""

    body: dict[str, Any]
    lines: list[mapper.OrderLine] = field(default_factory=list)
    missing: list[mapper.OrderLine] = field(default_factory=list)
    from_index: frozenset[str] = frozenset()

    @property
    def has_products(self) -> bool:
        return bool(self.body["products"])


def order_content_build(ctx: OrderContext, order: Order) -> OrderContent:
    """The POST /orders body for a PrestaShop order (addresses, contact, remarks, lines)."""
    ps = ctx.ps
    delivery = ps.address_get(order.id_address_delivery)
    invoice = (
        delivery
        if order.id_address_invoice == order.id_address_delivery
        else ps.address_get(order.id_address_invoice)
    )
    customer = (
        _optional(
            ctx,
            f"Customer {order.id_customer}",
            lambda: ps.customer_get(order.id_customer),
            None,
        )
        if order.id_customer
        else None
    )
    ctx.ps_customer = customer
    body = mapper.order_body(
        reference=ctx.link.picqer_reference,
        delivery=_address(ctx, "delivery", delivery),
        invoice=_address(ctx, "invoice", invoice),
        email=customer.email if customer else None,
        phone=mapper.phone_of(delivery, invoice),
        remarks=_remarks(ctx),
        products=[],
    )
    return order_content_products(ctx, OrderContent(body=body, lines=mapper.order_lines(order)))


def order_content_products(ctx: OrderContext, content: OrderContent) -> OrderContent:
    """`content` with its lines resolved to Picqer products (again: after Picqer refused an
    idproduct the index had, the forgotten codes are read from Picqer)."""
    resolution = products_resolve(ctx, content.lines)
    matched, missing = mapper.split_lines(content.lines, resolution.idproducts)
    products = [
        _product_line(ctx, line, idproduct, resolution.vatgroups) for line, idproduct in matched
    ]
    return replace(
        content,
        body={**content.body, "products": products},
        missing=missing,
        from_index=frozenset(resolution.from_index),
    )


def _optional(ctx: OrderContext, what: str, read: Callable[[], T], default: T) -> T:
    """An optional part of the order that PrestaShop answers 404 for (a state the shop no
    longer serves, a deleted customer) must not fail the push: the order goes without it,
    with a warning saying what is missing. Other errors still raise (retryable ones retry)."""
    try:
        return read()
    except ApiNotFoundError as exc:
        ctx.log(
            "order_part_missing",
            f"{what} is not in PrestaShop any more ({exc.message}); "
            "the order went to Picqer without it — complete it in Picqer if needed.",
            level="warning",
        )
        return default


def _product_line(
    ctx: OrderContext, line: mapper.OrderLine, idproduct: int, vatgroups: list[dict]
) -> dict[str, Any]:
    idvatgroup = None
    if ctx.shop.use_shop_price:
        idvatgroup = mapper.vatgroup_for_rate(line.tax_rate, vatgroups)
        if idvatgroup is None and line.tax_rate is not None:
            ctx.log(
                "vat_group_missing",
                f"No Picqer VAT group matches {line.tax_rate:.2f} % "
                f"for {line.reference}; the product's own VAT group applies.",
                level="warning",
                reference=line.reference,
            )
    return mapper.order_product(
        line, idproduct, idvatgroup=idvatgroup, use_shop_price=ctx.shop.use_shop_price
    )


def _country_iso(ctx: OrderContext, id_country: int) -> str:
    """ISO-2 code of a PrestaShop country. Countries practically never change, so the code is
    cached per shop for a day instead of costing a webservice call per address."""
    key = f"ps:{ctx.shop.pk}:country-iso:{id_country}"
    iso = cache.get(key)
    if iso is None:
        iso = ctx.ps.country_get(id_country).iso_code
        cache.set(key, iso, COUNTRY_CACHE_SECONDS)
    return iso


def _address(ctx: OrderContext, kind: str, address: Address) -> dict[str, Any]:
    iso = _country_iso(ctx, address.id_country) if address.id_country else ""
    region = ""
    if id_state := address.id_state:
        region = _optional(
            ctx,
            f"State {id_state} of the {kind} address",
            lambda: ctx.ps.state_get(id_state).name,
            "",
        )
    return mapper.address_fields(kind, address, country_iso=iso, region=region)


def _remarks(ctx: OrderContext) -> str | None:
    """The customer's checkout message. The `messages` resource is missing on 1.6 and may
    not be granted to the key: then the order goes without remarks."""
    try:
        return mapper.customer_remarks(ctx.ps.messages_for_order(ctx.link.ps_order_id))
    except ApiError as exc:
        if exc.retryable:
            raise
        logger.info("no customer remarks for order %s: %s", ctx.link.ps_order_id, exc)
        return None


# Order lines → Picqer products: exact productcode match, optional creation of the missing.


@dataclass
class Resolution:
    """Picqer idproduct per PrestaShop reference, plus the VAT groups when they were needed."""

    idproducts: dict[str, int] = field(default_factory=dict)
    vatgroups: list[VatGroup] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    from_index: set[str] = field(default_factory=set)  # not read from Picqer this time


def products_resolve(ctx: OrderContext, lines: list[mapper.OrderLine]) -> Resolution:
    """Find each line's Picqer product by productcode == reference (exact, case-sensitive;
    Picqer's search is not trusted to be). With "create missing products" the missing ones
    are created first (name, price, VAT group, image; stock starts at 0)."""
    result = Resolution()
    account_id = ctx.shop.account_id
    references = list(dict.fromkeys(line.reference for line in lines if line.reference))
    indexed = product_index_lookup(account_id=account_id, productcodes=references)
    for reference in references:
        if reference in indexed:
            result.idproducts[reference] = indexed[reference].idproduct
            result.from_index.add(reference)
            continue
        candidates = ctx.picqer.products_by_productcode(reference)
        product_index_record(account_id=account_id, products=candidates)
        found = mapper.exact_product(reference, candidates)
        if found:
            result.idproducts[reference] = found.idproduct
    missing = [line for line in lines if line.reference and line.reference not in result.idproducts]
    creating = ctx.shop.create_missing_products and missing
    if ctx.shop.use_shop_price or creating:
        result.vatgroups = ctx.picqer.vatgroups_list()
    if creating:
        for line in {line.reference: line for line in missing}.values():
            _product_create(ctx, line, result)
    return result


def _product_create(ctx: OrderContext, line: mapper.OrderLine, result: Resolution) -> None:
    idvatgroup = mapper.vatgroup_for_rate(line.tax_rate, result.vatgroups)
    try:
        product = ctx.picqer.product_create(mapper.product_body(line, idvatgroup=idvatgroup))
    except ApiError as exc:
        if exc.retryable:
            raise
        ctx.log(
            "product_create_failed",
            f"Could not create product {line.reference} in Picqer: {exc}",
            level="warning",
            reference=line.reference,
        )
        return
    result.idproducts[line.reference] = product.idproduct
    result.created.append(line.reference)
    product_index_record(account_id=ctx.shop.account_id, products=[product])
    ctx.log(
        "product_created",
        f"Created missing product {line.reference} in Picqer (idproduct {product.idproduct}).",
        reference=line.reference,
        idvatgroup=idvatgroup,
    )
    _product_image_copy(ctx, line, product.idproduct)


def _product_image_copy(ctx: OrderContext, line: mapper.OrderLine, idproduct: int) -> None:
    """Best effort: the PrestaShop product's cover image to the new Picqer product."""
    try:
        id_image = ctx.ps.product_get(line.product_id).id_default_image
        if not id_image:
            return
        ctx.picqer.product_image_add(idproduct, ctx.ps.product_image(line.product_id, id_image))
    except ApiError as exc:
        ctx.log(
            "product_image_failed",
            f"Product {line.reference} was created without an image: {exc}",
            level="warning",
            reference=line.reference,
        )
