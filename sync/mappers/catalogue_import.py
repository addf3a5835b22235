"""Pure PrestaShop → Picqer product mapping for the bulk import: no HTTP, no database.

Inputs are PrestaShop records as the client returns them (typed, `sync.prestashop.records`:
a product, a combination, tax rules, taxes) and Picqer records (`sync.picqer.records`: VAT
groups, products); outputs are the POST /products body (docs/sources.md#picqer-product-create)
and, for matched products, the fields that differ.

- productcode = the reference (a combination's own reference for a combination);
- name = the product name; a combination is "Product — S, Blue" (its option values) when
  those names could be read, else "Product — <reference>", and the item notes it;
- price = excluding VAT: the product's price plus the combination's price impact;
- idvatgroup = the Picqer VAT group whose percentage equals the rate of the product's tax
  rules group in the shop's country (no group: the product is not created, see `problem`);
- barcode = the EAN13 of the product, or of the combination (never the product's EAN for a
  combination: it names another article);
- weight = in grams (Picqer's unit), from the shop's PS_WEIGHT_UNIT; the product's weight plus
  the combination's weight impact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.picqer.records import Product as PicqerProduct
from sync.picqer.records import VatGroup
from sync.prestashop.records import Combination, Product, Tax, TaxRule

from .orders import clean, vatgroup_for_rate

# PrestaShop's PS_WEIGHT_UNIT is free text (the back office suggests kg, g, lb, oz).
GRAMS_PER_UNIT = {
    "kg": Decimal(1000),
    "g": Decimal(1),
    "gr": Decimal(1),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
NAME_SEPARATOR = " — "
UPDATABLE_FIELDS = ("name", "price", "barcode")
PRICE_STEP = Decimal("0.0001")


def _decimal(value: Any) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class ShopFacts:
    """What the mapping needs from the shop besides the product: tax rate per tax rules
    group in the shop's country, the weight unit, and the option value names."""

    tax_rates: Mapping[int, Decimal] = field(default_factory=dict)
    weight_unit: str = "kg"
    option_values: Mapping[int, str] = field(default_factory=dict)
    tax_readable: bool = True  # False: the key may not read tax_rules/taxes


@dataclass
class MappedProduct:
    """The body to POST, or why there is none (`problem`), plus notes for the operator."""

    productcode: str
    body: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    notes: list[str] = field(default_factory=list)
    id_image: int = 0  # the product's cover image in PrestaShop (0: none)


def tax_rates_by_group(tax_rules: Iterable[TaxRule], taxes: Iterable[Tax]) -> dict[int, Decimal]:
    """{id_tax_rules_group: rate} from the tax rules of one country (the caller filters by
    id_country) and the taxes they point at. A rule for the whole country (id_state 0, no
    zip range) wins over a rule for a state; a deleted or inactive tax counts as 0 %, as
    PrestaShop's TaxCalculator does not apply it. Group 0 ("no tax") is 0 %."""
    rate_of = {}
    for tax in taxes:
        rate_of[tax.id] = tax.rate if tax.active and not tax.deleted else Decimal(0)
    rates: dict[int, Decimal] = {0: Decimal(0)}
    country_wide: set[int] = set()
    for rule in tax_rules:
        group = rule.id_tax_rules_group
        whole = not rule.id_state and not clean(rule.zipcode_from).strip("0")
        if group in country_wide or (group in rates and not whole):
            continue  # keep the country-wide rule, else the first one
        rates[group] = rate_of.get(rule.id_tax, Decimal(0))
        if whole:
            country_wide.add(group)
    return rates


def weight_grams(weight: Decimal, unit: str) -> int | None:
    """Weight in whole grams; None when the shop's unit is not one we know (not guessed)."""
    per_unit = GRAMS_PER_UNIT.get(clean(unit).lower())
    if per_unit is None:
        return None
    return int((weight * per_unit).to_integral_value())


def _barcode(value: str) -> str:
    text = clean(value)
    return "" if text.strip("0") == "" else text


def combination_name(
    product_name: str, combination: Combination, option_values: Mapping[int, str]
) -> tuple[str, str]:
    """("Product — S, Blue", "") or, without option value names, ("Product — REF", note)."""
    ids = combination.product_option_values
    names = [option_values[i] for i in ids if option_values.get(i)]
    if ids and len(names) == len(ids):
        return f"{product_name}{NAME_SEPARATOR}{', '.join(names)}", ""
    reference = clean(combination.reference)
    return (
        f"{product_name}{NAME_SEPARATOR}{reference}",
        "attribute names could not be read; named after the combination's reference",
    )


def picqer_product_body(
    product: Product,
    combination: Combination | None,
    *,
    facts: ShopFacts,
    vatgroups: Iterable[VatGroup],
) -> MappedProduct:
    """The POST /products body of one PrestaShop product or combination."""
    source = combination if combination is not None else product
    code = clean(source.reference)
    mapped = MappedProduct(productcode=code, id_image=product.id_default_image)
    if not code:
        mapped.problem = "no reference: it cannot be matched, so it is not created"
        return mapped
    name = clean(product.name) or code
    price, weight = product.price, product.weight
    barcode = _barcode(product.ean13)
    if combination is not None:
        name, note = combination_name(name, combination, facts.option_values)
        if note:
            mapped.notes.append(note)
        price += combination.price
        weight += combination.weight
        barcode = _barcode(combination.ean13)
    body: dict[str, Any] = {
        "productcode": code,
        "name": name[:255],
        "price": float(price.quantize(PRICE_STEP)),
    }
    if barcode:
        body["barcode"] = barcode
    grams = weight_grams(weight, facts.weight_unit)
    if grams is None:
        mapped.notes.append(f"weight unit {facts.weight_unit!r} unknown: weight left out")
    elif grams > 0:
        body["weight"] = grams
    mapped.body = body
    # Without a VAT group the body is still filled (an update of names or prices needs
    # none), but it is not created: Picqer would apply its default group, maybe wrongly.
    group = product.id_tax_rules_group
    rate = facts.tax_rates.get(group)
    idvatgroup = None if rate is None else vatgroup_for_rate(rate, vatgroups)
    if rate is None:
        mapped.problem = (
            f"tax rules group {group} has no rate for the shop's country"
            if facts.tax_readable
            else "the tax rate is unknown: give the webservice key read access to "
            "tax_rules and taxes"
        )
    elif idvatgroup is None:
        mapped.problem = (
            f"no Picqer VAT group has {rate.normalize()} %: add one in Picqer "
            "(Settings → VAT groups), then run the import again"
        )
    else:
        body["idvatgroup"] = idvatgroup
    return mapped


def _picqer_value(product: PicqerProduct, name: str) -> Any:
    """A Picqer product's field as the item keeps it (JSON): the price as a number, an
    empty text as null, as Picqer sends it."""
    if name == "price":
        return None if product.price is None else float(product.price)
    return getattr(product, name) or None


def picqer_changes(
    current: PicqerProduct, wanted: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, list[Any]]:
    """{field: [Picqer's value, the shop's value]} for the chosen `fields` that differ; a
    field the shop has no value for (an empty EAN) is never cleared in Picqer."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        if name not in UPDATABLE_FIELDS:
            raise ValueError(f"{name!r} cannot be updated (only {', '.join(UPDATABLE_FIELDS)})")
        new = wanted.get(name)
        if new in (None, ""):
            continue
        if name == "price":
            same = current.price is not None and current.price.quantize(PRICE_STEP) == Decimal(
                str(new)
            ).quantize(PRICE_STEP)
        else:
            same = clean(getattr(current, name)) == clean(new)
        if not same:
            changes[name] = [_picqer_value(current, name), new]
    return changes
