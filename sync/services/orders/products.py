"""Order lines → Picqer products: exact productcode match, optional creation of the missing.

Lines are resolved from the account's product index (sync.services.product_index); Picqer
is read only for the codes it does not hold, and what that read returns is recorded there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.http.errors import ApiError
from sync.mappers.orders import OrderLine, exact_product, product_body, vatgroup_for_rate
from sync.picqer.records import VatGroup
from sync.services.product_index import product_index_lookup, product_index_record

from .links import OrderContext


@dataclass
class Resolution:
    """Picqer idproduct per PrestaShop reference, plus the VAT groups when they were needed."""

    idproducts: dict[str, int] = field(default_factory=dict)
    vatgroups: list[VatGroup] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    from_index: set[str] = field(default_factory=set)  # not read from Picqer this time


def products_resolve(ctx: OrderContext, lines: list[OrderLine]) -> Resolution:
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
        found = exact_product(reference, candidates)
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


def _product_create(ctx: OrderContext, line: OrderLine, result: Resolution) -> None:
    idvatgroup = vatgroup_for_rate(line.tax_rate, result.vatgroups)
    try:
        product = ctx.picqer.product_create(product_body(line, idvatgroup=idvatgroup))
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


def _product_image_copy(ctx: OrderContext, line: OrderLine, idproduct: int) -> None:
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
