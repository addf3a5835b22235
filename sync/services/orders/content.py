"""Reading a PrestaShop order and turning it into the Picqer order body."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.core.cache import cache

from sync.http.errors import ApiError, ApiNotFoundError
from sync.mappers import orders as mapper
from sync.prestashop.records import Address, Order

from .links import OrderContext
from .products import products_resolve

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
