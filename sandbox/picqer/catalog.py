"""Picqer catalogue: products with stock per warehouse, warehouses, VAT groups, tags."""

from __future__ import annotations

from ..store import Tx
from ..util import now_local
from .hooks import event_emit
from .http import PAGE_SIZE, PicqerError, Req, bad_request, not_found, page, public

PRODUCTS = "picqer.products"
WAREHOUSES = "picqer.warehouses"
VATGROUPS = "picqer.vatgroups"
TAGS = "picqer.tags"
RESERVATIONS = ("reservedbackorders", "reservedpicklists", "reservedallocations")
# The shipping providers of the sandbox account (GET /shippingproviders). Shipments carry the
# `name` as `providername`; "PostNL" matches the sandbox shop's carrier of that name, "DHL
# Parcel" does not match its "DHL" (a tracking code that would never arrive).
SHIPPING_PROVIDERS = (
    {
        "idshippingprovider": 2,
        "name": "PostNL",
        "provider": "PostNL",
        "active": True,
        "created": "2024-01-08 10:00:00",
        "updated": "2024-01-08 10:00:00",
        "profiles": [
            {
                "idshippingprovider_profile": 2,
                "name": "Standaard",
                "standard": True,
                "active": True,
                "created": "2024-01-08 10:00:00",
                "updated": "2024-01-08 10:00:00",
            }
        ],
    },
    {
        "idshippingprovider": 3,
        "name": "DHL Parcel",
        "provider": "DHL",
        "active": True,
        "created": "2024-01-08 10:00:00",
        "updated": "2024-01-08 10:00:00",
        "profiles": [
            {
                "idshippingprovider_profile": 3,
                "name": "DHL Standaard",
                "standard": True,
                "active": True,
                "created": "2024-01-08 10:00:00",
                "updated": "2024-01-08 10:00:00",
            }
        ],
    },
)


def catalog_bootstrap(tx: Tx) -> None:
    """The base data every Picqer account has: a warehouse and the Dutch VAT groups."""
    tx.insert(
        WAREHOUSES,
        {
            "idwarehouse": 1,
            "name": "Main warehouse",
            "accept_orders": True,
            "counts_for_general_stock": True,
            "priority": 1,
            "active": True,
        },
        id_field="idwarehouse",
    )
    for idvatgroup, name, percentage in (
        (1464, "BTW Hoog", 21),
        (1465, "BTW Laag", 9),
        (1466, "Nultarief", 0),
    ):
        tx.insert(
            VATGROUPS,
            {"idvatgroup": idvatgroup, "name": name, "percentage": percentage},
            id_field="idvatgroup",
        )


# products ------------------------------------------------------------------------------------
def product_create_doc(tx: Tx, *, fields: dict, knobs: dict) -> dict:
    """Create a product (also used by the seed); productcode must be unique."""
    missing = [f for f in ("productcode", "name", "price") if fields.get(f) in (None, "")]
    if missing:
        raise bad_request(5, f"Missing parameters with POST or PUT: {', '.join(missing)}")
    if products_by_code(tx, code=str(fields["productcode"]), knobs=knobs, inactive=True):
        raise bad_request(40, "Productcode already exists")  # code invented: not documented
    idvatgroup = fields.get("idvatgroup") or tx.all(VATGROUPS)[0]["idvatgroup"]
    if tx.get(VATGROUPS, idvatgroup) is None:
        raise bad_request(14, "Unknown vatgroup")
    now = now_local()
    product = {
        "idproduct": None,
        "idvatgroup": idvatgroup,
        "idsupplier": fields.get("idsupplier"),
        "productcode": str(fields["productcode"]),
        "name": fields["name"],
        "price": float(fields["price"]),
        "fixedstockprice": fields.get("fixedstockprice", 0),
        "productcode_supplier": fields.get("productcode_supplier", ""),
        "barcode": fields.get("barcode", ""),
        "type": fields.get("type", "normal"),
        "unlimitedstock": fields.get("type") == "unlimited_stock",
        "weight": fields.get("weight", 0),
        "description": fields.get("description", ""),
        "active": fields.get("active", True),
        "tags": {},
        "productfields": [],
        "images": list(fields.get("images", [])),
        "stock": [_stock_row(w["idwarehouse"]) for w in tx.all(WAREHOUSES)],
        "created": now,
        "updated": now,
    }
    tx.insert(PRODUCTS, product, id_field="idproduct", start=101)
    event_emit(tx, event="products.created", data=public(product))
    return product


def products_by_code(tx: Tx, *, code: str, knobs: dict, inactive: bool = False) -> list[dict]:
    """Products with this productcode (case rule from the knob; inactive ones only on request)."""
    if knobs.get("productcode_case_insensitive", True):
        found = [p for p in tx.all(PRODUCTS) if p["productcode"].lower() == code.lower()]
    else:
        found = tx.where(PRODUCTS, "productcode", code)
    return [p for p in found if inactive or p["active"]]


def products_list(tx: Tx, req: Req) -> tuple[int, list]:
    inactive = "inactive" in req.query
    code = req.query.get("productcode")
    if code is None and not req.query.get("idproducts") and not req.query.get("search"):
        # The plain listing pages in SQL: decoding every product per page would make a
        # 100,000-product catalogue cost the emulator seconds a page, which Picqer does not.
        offset = max(req.int_param("offset") or 0, 0)
        products = tx.slice_truthy(PRODUCTS, None if inactive else "active", offset, PAGE_SIZE)
        return 200, [public(p) for p in products]
    if code is not None:
        items = products_by_code(tx, code=code, knobs=req.knobs, inactive=inactive)
    else:
        items = [p for p in tx.all(PRODUCTS) if inactive or p["active"]]
    if req.query.get("idproducts"):
        wanted = {int(x) for x in req.query["idproducts"].split(",") if x.strip().isdigit()}
        items = [p for p in items if p["idproduct"] in wanted]
    if req.query.get("search"):
        term = req.query["search"].lower()
        items = [p for p in items if term in p["productcode"].lower() or term in p["name"].lower()]
    return 200, page([public(p) for p in items], req)


def product_get(tx: Tx, req: Req, idproduct: str) -> tuple[int, dict]:
    return 200, public(product_or_404(tx, idproduct))


def product_create(tx: Tx, req: Req) -> tuple[int, dict]:
    return 201, public(product_create_doc(tx, fields=req.json(), knobs=req.knobs))


def product_update(tx: Tx, req: Req, idproduct: str) -> tuple[int, dict]:
    product = product_or_404(tx, idproduct)
    body = req.json()
    code = body.get("productcode")
    if (
        code
        and code != product["productcode"]
        and products_by_code(tx, code=code, knobs=req.knobs, inactive=True)
    ):
        raise bad_request(40, "Productcode already exists")
    for key, value in body.items():
        if key not in ("idproduct", "stock", "created", "updated") and key in product:
            product[key] = value
    product["updated"] = now_local()
    tx.put(PRODUCTS, product["idproduct"], product)
    event_emit(tx, event="products.changed", data=public(product))
    return 200, public(product)


def product_set_active(tx: Tx, req: Req, idproduct: str, action: str) -> tuple[int, dict]:
    product = product_or_404(tx, idproduct)
    product["active"] = action == "activate"
    tx.put(PRODUCTS, product["idproduct"], product)
    event_emit(tx, event="products.changed", data=public(product))
    return 200, public(product)


def product_images(tx: Tx, req: Req, idproduct: str) -> tuple[int, list]:
    product = product_or_404(tx, idproduct)
    return 200, [{"idproduct_image": n, "url": url} for n, url in enumerate(product["images"], 1)]


def product_image_add(tx: Tx, req: Req, idproduct: str) -> tuple[int, dict]:
    """POST /products/{id}/images {"image": <base64>}: the file is not kept, only a URL."""
    product = product_or_404(tx, idproduct)
    image = req.json().get("image")
    if not image or not isinstance(image, str):
        raise bad_request(5, "Missing parameters with POST or PUT: image")
    product["images"].append(f"/files/sandbox/{product['idproduct']}-{len(product['images'])}.jpg")
    product["updated"] = now_local()
    tx.put(PRODUCTS, product["idproduct"], product)
    return 200, public(product)


def product_or_404(tx: Tx, idproduct: int | str) -> dict:
    product = tx.get(PRODUCTS, idproduct)
    if product is None:
        raise not_found("Product")
    return product


# stock -------------------------------------------------------------------------------------
def _stock_row(idwarehouse: int) -> dict:
    row = {
        "idwarehouse": idwarehouse,
        "stock": 0,
        "reserved": 0,
        "reservedbackorders": 0,
        "reservedpicklists": 0,
        "reservedallocations": 0,
        "freestock": 0,
        "freepickablestock": 0,
    }
    return row


def stock_adjust(tx: Tx, *, product: dict, idwarehouse: int = 1, **deltas: int) -> None:
    """Apply deltas to a product's warehouse row, recompute free stock, fire the events.

    Free stock is stock minus all reservations, never below zero.
    """
    row = next(r for r in product["stock"] if r["idwarehouse"] == idwarehouse)
    before_stock, before_free = row["stock"], row["freestock"]
    for key, delta in deltas.items():
        row[key] = max(row[key] + delta, 0)
    row["reserved"] = sum(row[k] for k in RESERVATIONS)
    row["freestock"] = max(row["stock"] - row["reserved"], 0)
    row["freepickablestock"] = max(row["stock"] - row["reservedpicklists"], 0)
    product["updated"] = now_local()
    tx.put(PRODUCTS, product["idproduct"], product)
    if row["stock"] != before_stock:
        event_emit(tx, event="products.stock_changed", data=public(product))
    if row["freestock"] != before_free:
        event_emit(tx, event="products.free_stock_changed", data=public(product))


def stock_set(tx: Tx, *, product: dict, idwarehouse: int, body: dict) -> dict:
    """POST /products/{id}/stock/{idwarehouse}: absolute `amount` or relative `change`."""
    row = next((r for r in product["stock"] if r["idwarehouse"] == idwarehouse), None)
    if row is None:
        raise not_found("Warehouse")
    if body.get("amount") is not None:
        target = int(body["amount"])
    elif body.get("change") is not None:
        target = row["stock"] + int(body["change"])
    else:
        raise bad_request(5, "Missing parameters with POST or PUT: amount or change")
    if target < row["reservedpicklists"]:
        # Picqer: stock cannot go negative or below what picklists already reserved.
        raise bad_request(16, "Stock cannot be lower than the amount reserved for picklists")
    stock_adjust(tx, product=product, idwarehouse=idwarehouse, stock=target - row["stock"])
    return row


def product_stock(tx: Tx, req: Req, idproduct: str, idwarehouse: str | None = None):
    product = product_or_404(tx, idproduct)
    if idwarehouse is None:
        return 200, product["stock"]
    row = next((r for r in product["stock"] if r["idwarehouse"] == int(idwarehouse)), None)
    if row is None:
        raise not_found("Warehouse")
    return 200, {**row, "locations": []}


def product_stock_change(tx: Tx, req: Req, idproduct: str, idwarehouse: str):
    product = product_or_404(tx, idproduct)
    row = stock_set(tx, product=product, idwarehouse=int(idwarehouse), body=req.json())
    return 200, row


# warehouses, vat groups, tags ---------------------------------------------------------------
def warehouses_list(tx: Tx, req: Req):
    return 200, page(tx.all(WAREHOUSES), req)


def warehouse_get(tx: Tx, req: Req, idwarehouse: str):
    return 200, _or_404(tx, WAREHOUSES, idwarehouse, "Warehouse")


def warehouse_stock(tx: Tx, req: Req, idwarehouse: str):
    """Products with stock or reservations in the warehouse ("ideal for syncing all stock")."""
    wid = int(_or_404(tx, WAREHOUSES, idwarehouse, "Warehouse")["idwarehouse"])
    items = []
    for product in tx.all(PRODUCTS):
        row = next((r for r in product["stock"] if r["idwarehouse"] == wid), None)
        if row and (row["stock"] or row["reserved"]):
            items.append(
                {
                    "idproduct": product["idproduct"],
                    "productcode": product["productcode"],
                    "stock": row,
                }
            )
    return 200, page(items, req)


def shippingproviders_list(tx: Tx, req: Req):
    return 200, page([dict(p) for p in SHIPPING_PROVIDERS], req)


def vatgroups_list(tx: Tx, req: Req):
    return 200, page(tx.all(VATGROUPS), req)


def vatgroup_get(tx: Tx, req: Req, idvatgroup: str):
    return 200, _or_404(tx, VATGROUPS, idvatgroup, "Vatgroup")


def tags_list(tx: Tx, req: Req):
    return 200, page(tx.all(TAGS), req)


def tag_get(tx: Tx, req: Req, idtag: str):
    return 200, _or_404(tx, TAGS, idtag, "Tag")


def tag_create(tx: Tx, req: Req):
    body = req.json()
    if not body.get("title"):
        raise bad_request(5, "Missing parameters with POST or PUT: title")
    tag = tx.insert(
        TAGS,
        {
            "idtag": None,
            "title": body["title"],
            "color": body.get("color", "#823882"),
            "inherit": bool(body.get("inherit", False)),
            "textColor": "#ffffff",
        },
        id_field="idtag",
        start=11,
    )
    return 201, tag


def tag_delete(tx: Tx, req: Req, idtag: str):
    _or_404(tx, TAGS, idtag, "Tag")
    tx.delete(TAGS, int(idtag))
    return 204, None


def _or_404(tx: Tx, kind: str, id_: str, what: str) -> dict:
    doc = tx.get(kind, id_)
    if doc is None:
        raise not_found(what)
    return doc


__all__ = ["PicqerError"]
