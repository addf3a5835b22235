"""What happens in the shop front and back office (control plane): catalogue, orders, states."""

from __future__ import annotations

import random
import secrets
import string

from ..store import Tx
from ..util import now_local
from .data import ml, ps_insert
from .state import order_state_apply, stock_aggregate_refresh, stock_change

FIRST = ("Amelia", "Jan", "Sanne", "Pieter", "Fleur", "Daan", "Julia", "Noah", "Emma", "Lucas")
LAST = ("van Geest", "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer")
CITIES = (
    ("Amsterdam", "1012AB"),
    ("Utrecht", "3511CD"),
    ("Rotterdam", "3011EF"),
    ("Echtenerbrug", "5231PS"),
    ("Groningen", "9711GH"),
)
VAT = 0.21


def ps_product_create(
    tx: Tx,
    *,
    reference: str,
    name: str,
    price: float,
    sizes: tuple[str, ...] = (),
    quantity: int = 0,
    rng: random.Random | None = None,
) -> dict:
    """A product (optionally with size combinations) and its stock rows in shop 1."""
    rng = rng or random.Random()
    product = ps_insert(
        tx,
        "products",
        reference=reference,
        name=ml(name),
        price=f"{price:.6f}",
        active=1,
        id_tax_rules_group=1,
        id_category_default=2,
        minimal_quantity=1,
        link_rewrite=ml(reference.lower()),
        product_type=("combinations" if sizes else "standard"),
        type="simple",
        state=1,
        visibility="both",
        condition="new",
        available_for_order=1,
        show_price=1,
        indexed=1,
        associations={"categories": [{"id": "2"}]},
    )
    ps_insert(
        tx,
        "stock_availables",
        id_product=product["id"],
        id_product_attribute=0,
        id_shop=1,
        id_shop_group=0,
        quantity=0 if sizes else quantity,
        out_of_stock=2,
    )
    for n, size in enumerate(sizes):
        combo = ps_insert(
            tx,
            "combinations",
            id_product=product["id"],
            reference=f"{reference}-{size}",
            minimal_quantity=1,
            price="0.000000",
            default_on=1 if n == 0 else "",
        )
        ps_insert(
            tx,
            "stock_availables",
            id_product=product["id"],
            id_product_attribute=combo["id"],
            id_shop=1,
            id_shop_group=0,
            quantity=rng.randint(0, 40),
            out_of_stock=2,
        )
    stock_aggregate_refresh(tx, id_product=product["id"], id_shop="1")
    return product


def ps_reference_lookup(tx: Tx, reference: str) -> tuple[dict, dict | None]:
    """(product, combination) for a sellable reference; exact match like the guide demands."""
    for combo in tx.where("ps.combinations", "reference", reference):
        return tx.get("ps.products", combo["id_product"]), combo
    for product in tx.where("ps.products", "reference", reference):
        return product, None
    raise ValueError(f"unknown reference {reference!r}")


def ps_customer_create(tx: Tx, *, rng: random.Random, country_iso: str = "NL") -> tuple:
    """A customer and one address (returns both)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, postcode = rng.choice(CITIES)
    email = f"{first.lower()}.{last.replace(' ', '').lower()}{rng.randint(1, 9999)}@example.com"
    customer = ps_insert(
        tx,
        "customers",
        firstname=first,
        lastname=last,
        email=email,
        id_lang=1,
        id_default_group=3,
        active=1,
        id_shop=1,
        id_shop_group=1,
        passwd="$2y$10$sandboxsandboxsandboxsandbox",
        secure_key=secrets.token_hex(16),
    )
    country = tx.where("ps.countries", "iso_code", country_iso)[0]
    address = ps_insert(
        tx,
        "addresses",
        id_customer=customer["id"],
        id_country=country["id"],
        alias="My address",
        firstname=first,
        lastname=last,
        address1=f"Kerkstraat {rng.randint(1, 200)}",
        postcode=postcode,
        city=city,
        phone=f"06{rng.randint(10000000, 99999999)}",
    )
    return customer, address


def ps_order_place(
    tx: Tx,
    *,
    lines: list[dict],
    current_state: int = 2,
    id_carrier: int = 1,
    message: str = "",
    rng: random.Random | None = None,
) -> dict:
    """A checkout: customer + address, order rows, stock taken, carrier row, first history."""
    rng = rng or random.Random()
    customer, address = ps_customer_create(tx, rng=rng)
    rows, total = [], 0.0
    for line in lines:
        product, combo = ps_reference_lookup(tx, line["reference"])
        qty = int(line.get("quantity", 1))
        price = float(product["price"]) + (float(combo["price"] or 0) if combo else 0.0)
        total += price * qty
        rows.append(
            {
                "id": str(tx.next_id("ps.order_details")),
                "product_id": product["id"],
                "product_attribute_id": combo["id"] if combo else "0",
                "product_quantity": str(qty),
                "product_name": product["name"][0]["value"]
                + (f" - Size : {combo['reference'].rsplit('-', 1)[-1]}" if combo else ""),
                "product_reference": (
                    combo["reference"] if combo and combo["reference"] else product["reference"]
                ),
                "product_ean13": "",
                "product_isbn": "",
                "product_upc": "",
                "product_price": f"{price:.6f}",
                "id_customization": "0",
                "unit_price_tax_incl": f"{price * (1 + VAT):.6f}",
                "unit_price_tax_excl": f"{price:.6f}",
            }
        )
    shipping = 4.95
    paid = total * (1 + VAT) + shipping
    money = {
        "total_paid": paid,
        "total_paid_tax_incl": paid,
        "total_paid_tax_excl": total + shipping / (1 + VAT),
        "total_paid_real": paid if current_state in (2, 11) else 0.0,
        "total_products": total,
        "total_products_wt": total * (1 + VAT),
        "total_shipping": shipping,
        "total_shipping_tax_incl": shipping,
        "total_shipping_tax_excl": shipping / (1 + VAT),
    }
    order = ps_insert(
        tx,
        "orders",
        id_address_delivery=address["id"],
        id_address_invoice=address["id"],
        id_cart=tx.next_id("ps.carts"),
        id_currency=1,
        id_lang=1,
        id_customer=customer["id"],
        id_carrier=id_carrier,
        current_state=0,
        module="ps_wirepayment",
        payment="Bank wire",
        id_shop_group=1,
        id_shop=1,
        secure_key=customer["secure_key"],
        conversion_rate=1,
        round_mode=2,
        round_type=2,
        carrier_tax_rate="21.000",
        reference="".join(rng.choice(string.ascii_uppercase) for _ in range(9)),
        associations={"order_rows": rows},
        **{k: f"{v:.6f}" for k, v in money.items()},
    )
    for row in rows:
        stock_change(
            tx,
            id_product=row["product_id"],
            id_product_attribute=row["product_attribute_id"],
            id_shop="1",
            delta=-int(row["product_quantity"]),
        )
    ps_insert(
        tx,
        "order_carriers",
        id_order=order["id"],
        id_carrier=id_carrier,
        weight="0.000000",
        shipping_cost_tax_excl=f"{shipping / (1 + VAT):.6f}",
        shipping_cost_tax_incl=f"{shipping:.6f}",
        tracking_number="",
    )
    order_state_apply(tx, order=order, state_id=str(current_state), add_history=True)
    if message:
        _customer_message(tx, order=order, customer=customer, message=message)
    return order


def _customer_message(tx: Tx, *, order: dict, customer: dict, message: str) -> None:
    """The checkout remark: a `messages` row and a customer thread (PaymentModule does both)."""
    ps_insert(
        tx,
        "messages",
        id_cart=order["id_cart"],
        id_order=order["id"],
        id_customer=customer["id"],
        message=message,
        private=0,
    )
    thread = ps_insert(
        tx,
        "customer_threads",
        id_lang=1,
        id_shop=1,
        id_customer=customer["id"],
        id_order=order["id"],
        id_contact=0,
        email=customer["email"],
        token=secrets.token_hex(6),
        status="open",
    )
    ps_insert(
        tx,
        "customer_messages",
        id_customer_thread=thread["id"],
        message=message,
        private=0,
        id_employee=0,
        read=0,
    )


def ps_order_state_set(tx: Tx, *, id_order: int, state: int) -> dict:
    """A merchant changing the status in the back office."""
    order = tx.get("ps.orders", id_order)
    if order is None:
        raise ValueError(f"unknown order {id_order}")
    order_state_apply(tx, order=order, state_id=str(state), add_history=True, id_employee="1")
    order["date_upd"] = now_local()
    return order
