"""Pure PrestaShop → Picqer order mapping: no HTTP, no database.

Inputs are PrestaShop records as the client returns them (typed, `sync.prestashop.records`)
and Picqer records (`sync.picqer.records`); outputs are Picqer request bodies and texts.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.picqer.records import Product, VatGroup
from sync.prestashop.records import Address, Message, Order

# A line's tax rate is derived from its two unit prices, which PrestaShop rounds; rates
# within this many percentage points of a Picqer VAT group are taken as that group.
VAT_TOLERANCE = Decimal("0.1")
PICQER_ORDER_URL = "https://{subdomain}.picqer.com/orders/{idorder}"
NOTE_LABEL = "Picqer order"


@dataclass(frozen=True)
class OrderLine:
    """One PrestaShop order row, reduced to what Picqer needs."""

    reference: str
    name: str
    quantity: int
    unit_price_excl: Decimal
    unit_price_incl: Decimal
    product_id: int
    attribute_id: int

    @property
    def tax_rate(self) -> Decimal | None:
        """Percentage implied by the unit prices (None for free lines)."""
        if self.unit_price_excl <= 0:
            return None
        return (self.unit_price_incl / self.unit_price_excl - 1) * 100


def clean(value: Any) -> str:
    """PrestaShop text as plain text: entities decoded (`&amp;` is stored in addresses,
    PrestaShop#25928), surrounding whitespace removed."""
    return html.unescape(str(value or "")).strip()


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0").strip() or "0")
    except InvalidOperation:
        return Decimal(0)


def picqer_reference(*, prefix: str, ps_order_id: int, ps_reference: str) -> str:
    """`PREFIX #id_order / PSREFERENCE`, e.g. `DEV #73 / ITQRFWVHT` (user guide). The order id
    makes split carts (one PrestaShop reference, several orders) distinct in Picqer."""
    reference = clean(ps_reference)
    base = f"{prefix} #{ps_order_id}"
    return f"{base} / {reference}" if reference else base


def order_lines(order: Order) -> list[OrderLine]:
    """The order rows. `product_reference` is PrestaShop's snapshot of the combination's
    reference, falling back to the product's (Cart::getProducts), so it is the match key."""
    return [
        OrderLine(
            reference=row.product_reference.strip(),
            name=clean(row.product_name),
            quantity=row.product_quantity,
            unit_price_excl=row.unit_price_tax_excl,
            unit_price_incl=row.unit_price_tax_incl,
            product_id=row.product_id,
            attribute_id=row.product_attribute_id,
        )
        for row in order.order_rows
        if row.product_quantity > 0
    ]


def vatgroup_for_rate(rate: Decimal | None, vatgroups: Iterable[VatGroup]) -> int | None:
    """The Picqer VAT group whose percentage is nearest to `rate`, within VAT_TOLERANCE."""
    if rate is None:
        return None
    best: tuple[Decimal, int] | None = None
    for group in vatgroups:
        distance = abs(group.percentage - rate)
        if distance <= VAT_TOLERANCE and (best is None or distance < best[0]):
            best = (distance, group.idvatgroup)
    return best[1] if best else None


def exact_product(productcode: str, products: Iterable[Product]) -> Product | None:
    """The product whose productcode equals `productcode` exactly, case included (the guide's
    rule; Picqer's own search may match case-insensitively or partially)."""
    for product in products:
        if productcode and product.productcode == productcode:
            return product
    return None


def split_lines(
    lines: Iterable[OrderLine], idproducts: Mapping[str, int]
) -> tuple[list[tuple[OrderLine, int]], list[OrderLine]]:
    """(matched lines with their Picqer idproduct, lines without a Picqer product)."""
    matched, missing = [], []
    for line in lines:
        idproduct = idproducts.get(line.reference) if line.reference else None
        if idproduct:
            matched.append((line, idproduct))
        else:
            missing.append(line)
    return matched, missing


def order_product(
    line: OrderLine, idproduct: int, *, idvatgroup: int | None, use_shop_price: bool
) -> dict[str, Any]:
    """One `products[]` entry. With the shop price: the unit price excluding VAT (Picqer
    prices exclude VAT, docs/sources.md#picqer-prices-exclude-vat) and any matching VAT group."""
    item: dict[str, Any] = {"idproduct": idproduct, "amount": line.quantity}
    if use_shop_price:
        item["price"] = float(line.unit_price_excl.quantize(Decimal("0.0001")))
        if idvatgroup:
            item["idvatgroup"] = idvatgroup
    return item


def person_name(address: Address) -> str:
    return " ".join(p for p in (clean(address.firstname), clean(address.lastname)) if p)


def address_fields(
    kind: str, address: Address, *, country_iso: str, region: str = ""
) -> dict[str, Any]:
    """`delivery…`/`invoice…` fields. With a company, the company is the name and the person
    the contact name; else the person is the name (docs/sources.md#picqer-order-addresses)."""
    company, person = clean(address.company), person_name(address)
    return {
        f"{kind}name": company or person,
        f"{kind}contactname": person if company else None,
        f"{kind}address": clean(address.address1),
        f"{kind}address2": clean(address.address2) or None,
        f"{kind}zipcode": clean(address.postcode),
        f"{kind}city": clean(address.city),
        f"{kind}region": clean(region) or None,
        f"{kind}country": country_iso.strip().upper(),
    }


def phone_of(*addresses: Address) -> str | None:
    """First phone number of the given addresses (landline, then mobile)."""
    for address in addresses:
        for number in (address.phone, address.phone_mobile):
            if clean(number):
                return clean(number)
    return None


def customer_remarks(messages: Iterable[Message]) -> str | None:
    """The customer's own order messages (not private staff notes), oldest first."""
    texts = [
        clean(m.message)
        for m in sorted(messages, key=lambda m: m.id)
        if not m.private and not m.id_employee
    ]
    text = "\n".join(t for t in texts if t)
    return text or None


def order_body(
    *,
    reference: str,
    delivery: Mapping[str, Any],
    invoice: Mapping[str, Any],
    email: str | None,
    phone: str | None,
    remarks: str | None,
    products: list[dict[str, Any]],
) -> dict[str, Any]:
    """The POST /orders body (a guest order: Picqer fills nothing from a customer)."""
    body: dict[str, Any] = {"reference": reference, **delivery, **invoice, "products": products}
    body["emailaddress"] = clean(email) or None
    body["telephone"] = phone
    if remarks:
        body["customer_remarks"] = remarks
    return body


def missing_products_text(missing: Iterable[OrderLine], *, created: bool) -> str:
    """Operator warning listing the lines that could not be matched to a Picqer product."""
    items = ", ".join(
        f"{line.reference or '(no reference)'} ({line.name}) × {line.quantity}" for line in missing
    )
    if created:
        return (
            f"PrestaPicqer: these products were not found in Picqer and were left out of "
            f"the Picqer order: {items}"
        )
    return (
        f"PrestaPicqer: no product of this order was found in Picqer, so no Picqer order "
        f"was created. Missing: {items}"
    )


def product_body(line: OrderLine, *, idvatgroup: int | None) -> dict[str, Any]:
    """POST /products body for a product missing in Picqer (no stock is set: it starts at 0)."""
    body: dict[str, Any] = {
        "productcode": line.reference,
        "name": line.name or line.reference,
        "price": float(line.unit_price_excl.quantize(Decimal("0.0001"))),
    }
    if idvatgroup:
        body["idvatgroup"] = idvatgroup
    return body


def note_line(orderid: str) -> str:
    return f"{NOTE_LABEL}: {orderid}"


def note_with_orderid(note: str | None, orderid: str) -> str:
    """The order note with the Picqer order number added once, keeping what was there."""
    current = (note or "").strip()
    if note_has_orderid(current, orderid):
        return current
    return f"{current}\n{note_line(orderid)}" if current else note_line(orderid)


def note_has_orderid(note: str | None, orderid: str) -> bool:
    return bool(orderid) and note_line(orderid) in html.unescape(note or "")


def picqer_order_url(*, subdomain: str, idorder: int) -> str:
    return PICQER_ORDER_URL.format(subdomain=subdomain, idorder=idorder)
