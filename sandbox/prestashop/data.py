"""Direct inserts (no webservice rules) and the base data of a fresh PrestaShop install."""

from __future__ import annotations

from ..store import Tx
from ..util import now_local
from .schema import RESOURCES, empty_value

LANGS = ("1", "2")  # en, nl: two languages so clients must pick one from multilang fields


def ml(en: str, nl: str | None = None) -> list[dict]:
    """A multilang value in both installed languages."""
    return [{"id": "1", "value": en}, {"id": "2", "value": nl if nl is not None else en}]


def ps_insert(tx: Tx, resource_name: str, /, **values) -> dict:
    """Insert a full record of `resource_name`: every field present, values as strings."""
    res = RESOURCES[resource_name]
    now = now_local()
    doc: dict = {}
    for field in res.fields:
        if field in values:
            value = values[field]
            doc[field] = value if field in res.multilang else str(value)
        elif field in res.multilang:
            doc[field] = ml("")
        elif field in ("date_add", "date_upd"):
            doc[field] = now
        else:
            doc[field] = empty_value(field)
    doc["associations"] = values.get("associations", {})
    doc["id"] = str(values.get("id") or tx.next_id(res.kind))
    tx.put(res.kind, int(doc["id"]), doc)
    return doc


# id, name, flags (logable paid shipped delivery invoice send_email), color
ORDER_STATES = (
    (1, "Awaiting check payment", "000001", "#34209E"),
    (2, "Payment accepted", "110011", "#3498D8"),
    (3, "Processing in progress", "110001", "#3498D8"),
    (4, "Shipped", "111111", "#01b887"),
    (5, "Delivered", "111101", "#01b887"),
    (6, "Canceled", "000001", "#2C3E50"),
    (7, "Refunded", "010001", "#ec2e15"),
    (8, "Payment error", "000001", "#ec2e15"),
    (9, "On backorder (paid)", "110011", "#3498D8"),
    (10, "Awaiting bank wire payment", "000001", "#34209E"),
    (11, "Remote payment accepted", "110011", "#3498D8"),
    (12, "On backorder (not paid)", "000001", "#34209E"),
    (13, "Awaiting Cash On Delivery validation", "000001", "#34209E"),
)
COUNTRIES = (
    (1, "DE", "Germany", "Duitsland"),
    (3, "BE", "Belgium", "België"),
    (8, "FR", "France", "Frankrijk"),
    (13, "NL", "Netherlands", "Nederland"),
    (17, "GB", "United Kingdom", "Verenigd Koninkrijk"),
    (21, "US", "United States", "Verenigde Staten"),
)
CARRIERS = (
    (1, "PostNL", "https://postnl.nl/tracktrace/?B=@"),
    (2, "DHL", "https://www.dhl.com/track?id=@"),
    (3, "DPD", "https://tracking.dpd.de/parcelstatus?query=@"),
)
CONFIG = {
    "PS_OS_CHEQUE": 1,
    "PS_OS_PAYMENT": 2,
    "PS_OS_PREPARATION": 3,
    "PS_OS_SHIPPING": 4,
    "PS_OS_DELIVERED": 5,
    "PS_OS_CANCELED": 6,
    "PS_OS_REFUND": 7,
    "PS_OS_ERROR": 8,
    "PS_OS_OUTOFSTOCK_PAID": 9,
    "PS_OS_BANKWIRE": 10,
    "PS_OS_WS_PAYMENT": 11,
    "PS_OS_OUTOFSTOCK_UNPAID": 12,
    "PS_OS_COD_VALIDATION": 13,
    "PS_TIMEZONE": "Europe/Amsterdam",
    "PS_ORDER_OUT_OF_STOCK": 0,
    "PS_STOCK_MANAGEMENT": 1,
    "PS_SHOP_NAME": "PrestaShop Sandbox",
    "PS_LANG_DEFAULT": 1,
    "PS_COUNTRY_DEFAULT": 13,
    "PS_WEIGHT_UNIT": "kg",
}
# Tax rules group 1 (the products' group) is the Dutch standard rate in the Netherlands.
TAXES = ((1, "21.000", "BTW NL 21%"), (2, "9.000", "BTW NL 9%"))
TAX_RULES = ((1, 1, 13, 1), (2, 2, 13, 2))  # id, id_tax_rules_group, id_country, id_tax


def ps_bootstrap(tx: Tx) -> None:
    """Languages, shop, order states, countries, carriers and configuration of a stock shop."""
    ps_insert(
        tx,
        "languages",
        id=1,
        name="English (English)",
        iso_code="en",
        locale="en-US",
        language_code="en-us",
        active=1,
    )
    ps_insert(
        tx,
        "languages",
        id=2,
        name="Nederlands (Dutch)",
        iso_code="nl",
        locale="nl-NL",
        language_code="nl-nl",
        active=1,
    )
    ps_insert(
        tx,
        "shops",
        id=1,
        id_shop_group=1,
        id_category=2,
        active=1,
        name="PrestaShop Sandbox",
        theme_name="classic",
    )
    for id_, name, flags, color in ORDER_STATES:
        logable, paid, shipped, delivery, invoice, send_email = flags
        ps_insert(
            tx,
            "order_states",
            id=id_,
            name=ml(name),
            template=ml(""),
            color=color,
            logable=logable,
            paid=paid,
            shipped=shipped,
            delivery=delivery,
            invoice=invoice,
            send_email=send_email,
            unremovable=1,
        )
    for id_, iso, en, nl in COUNTRIES:
        ps_insert(
            tx,
            "countries",
            id=id_,
            iso_code=iso,
            name=ml(en, nl),
            active=1,
            id_zone=1,
            need_zip_code=1,
            display_tax_label=1,
        )
    for id_, name, url in CARRIERS:
        ps_insert(
            tx,
            "carriers",
            id=id_,
            id_reference=id_,
            name=name,
            url=url,
            active=1,
            delay=ml("Delivery next day", "Morgen in huis"),
            shipping_handling=1,
            range_behavior=0,
            shipping_method=1,
            grade=0,
            position=id_ - 1,
        )
    for name, value in CONFIG.items():
        ps_insert(tx, "configurations", name=name, value=value)
    for id_, rate, name in TAXES:
        ps_insert(tx, "taxes", id=id_, rate=rate, active=1, name=ml(name))
    for id_, group, country, tax in TAX_RULES:
        ps_insert(
            tx,
            "tax_rules",
            id=id_,
            id_tax_rules_group=group,
            id_country=country,
            id_state=0,
            zipcode_from=0,
            zipcode_to=0,
            id_tax=tax,
            behavior=0,
        )
