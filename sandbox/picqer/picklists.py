"""Picqer picklists and shipments (created when an order is processed / shipped)."""

from __future__ import annotations

from datetime import datetime

from ..store import Tx
from ..util import LOCAL_TZ, now_local
from .catalog import product_or_404, stock_adjust
from .hooks import event_emit
from .http import Req, not_found, page, public

PICKLISTS = "picqer.picklists"
SHIPMENTS = "picqer.shipments"
ADDRESS_KEYS = (
    "deliveryname",
    "deliverycontactname",
    "deliveryaddress",
    "deliveryaddress2",
    "deliveryzipcode",
    "deliverycity",
    "deliveryregion",
    "deliverycountry",
    "telephone",
    "emailaddress",
    "reference",
    "preferred_delivery_date",
)


def picklists_of_order(tx: Tx, order: dict) -> list[dict]:
    return tx.where(PICKLISTS, "idorder", order["idorder"])


def picklist_create(tx: Tx, *, order: dict) -> dict:
    """One picklist for all lines in warehouse 1; its products are reserved."""
    now = now_local()
    products = []
    for line in order["products"]:
        products.append(
            {
                "idpicklist_product": tx.next_id("picqer.picklist_products", 70001),
                "idproduct": line["idproduct"],
                "idorder_product": line["idorder_product"],
                "productcode": line["productcode"],
                "name": line["name"],
                "remarks": line["remarks"],
                "amount": line["amount"],
                "amount_picked": 0,
            }
        )
        stock_adjust(
            tx, product=product_or_404(tx, line["idproduct"]), reservedpicklists=line["amount"]
        )
    number = tx.next_id("picqer.picklistid", 1)
    picklist = {
        "idpicklist": None,
        "picklistid": f"P{datetime.now(LOCAL_TZ).year}-{number:04d}",
        "idcustomer": order["idcustomer"],
        "idorder": order["idorder"],
        "idreturn": None,
        "idwarehouse": 1,
        "idtemplate": order["idtemplate"],
        "idpicklist_batch": None,
        "idshippingprovider_profile": order["idshippingprovider_profile"],
        **{key: order.get(key) for key in ADDRESS_KEYS},
        "assigned_to_iduser": None,
        "invoiced": order["invoiced"],
        "urgent": False,
        "status": "new",
        "paused_reason": None,
        "totalproducts": sum(p["amount"] for p in products),
        "totalpicked": 0,
        "weight": 0,
        "snoozed_until": None,
        "closed_by_iduser": None,
        "closed_at": None,
        "created": now,
        "updated": now,
        "products": products,
        "tags": [],
    }
    tx.insert(PICKLISTS, picklist, id_field="idpicklist", start=7001)
    event_emit(tx, event="picklists.created", data=public(picklist))
    return picklist


def picklists_release(tx: Tx, *, order: dict) -> None:
    """Cancel the order's open picklists and free what they reserved (force cancel)."""
    for picklist in picklists_of_order(tx, order):
        if picklist["status"] in ("closed", "cancelled"):
            continue
        for line in picklist["products"]:
            stock_adjust(
                tx, product=product_or_404(tx, line["idproduct"]), reservedpicklists=-line["amount"]
            )
        picklist["status"], picklist["updated"] = "cancelled", now_local()
        tx.put(PICKLISTS, picklist["idpicklist"], picklist)
        event_emit(tx, event="picklists.cancelled", data=public(picklist))


def picklist_close_with_shipment(
    tx: Tx, *, picklist: dict, trackingcode: str, carrier: str
) -> dict:
    """Pick everything, take the stock out, close the picklist and book one shipment."""
    for line in picklist["products"]:
        stock_adjust(
            tx,
            product=product_or_404(tx, line["idproduct"]),
            stock=-line["amount"],
            reservedpicklists=-line["amount"],
        )
        line["amount_picked"] = line["amount"]
    now = now_local()
    picklist.update(
        status="closed",
        totalpicked=picklist["totalproducts"],
        closed_at=now,
        closed_by_iduser=1,
        updated=now,
    )
    tx.put(PICKLISTS, picklist["idpicklist"], picklist)
    shipment = _shipment(tx, picklist=picklist, trackingcode=trackingcode, carrier=carrier)
    event_emit(tx, event="picklists.closed", data=public(picklist))
    event_emit(tx, event="picklists.shipments.created", data=public(shipment))
    return shipment


def _shipment(tx: Tx, *, picklist: dict, trackingcode: str, carrier: str) -> dict:
    key = carrier.lower().replace(" ", "")
    tracking_url = f"https://tracking.example.com/{key}/{trackingcode}"
    now = now_local()
    shipment = {
        "idshipment": None,
        "idpicklist": picklist["idpicklist"],
        "idorder": picklist["idorder"],
        "idreturn": None,
        "idpackaging": None,
        "idshippingprovider": 2,
        "idcompany_shippingprovider": 2,
        "idcompany_shippingprovider_profile": 2,
        "provider": carrier,
        "providername": carrier,
        "public_providername": carrier,
        "profile_name": "Standaard",
        "carrier_key": key,
        "labelurl": "https://example.com/label.pdf",
        "labelurl_pdf": "https://example.com/label.pdf",
        "labelurl_zpl": "https://example.com/label.zpl",
        "trackingcode": trackingcode,
        "trackingurl": tracking_url,
        "tracktraceurl": tracking_url,
        "weight": 1000,
        "created_by_iduser": 1,
        "cancelled": False,
        "created": now,
        "updated": now,
    }
    tx.insert(SHIPMENTS, shipment, id_field="idshipment", start=9001)
    shipment["parcels"] = [
        {
            "idparcel": shipment["idshipment"],
            "idpackaging": None,
            "weight": 1000,
            "tracking_code": trackingcode,
            "tracking_url": tracking_url,
            "documents": [],
        }
    ]
    tx.put(SHIPMENTS, shipment["idshipment"], shipment)
    return shipment


def picklists_list(tx: Tx, req: Req):
    items = tx.all(PICKLISTS)
    for name in ("idorder", "status", "picklistid"):
        if req.query.get(name):
            items = [p for p in items if str(p.get(name)) == req.query[name]]
    if req.int_param("beforeid") is not None:
        items = [p for p in items if p["idpicklist"] < req.int_param("beforeid")]
    return 200, page([public(p) for p in items], req)


def picklist_get(tx: Tx, req: Req, idpicklist: str):
    picklist = tx.get(PICKLISTS, idpicklist)
    if picklist is None:
        raise not_found("Picklist")
    return 200, public(picklist)


def picklist_shipments(tx: Tx, req: Req, idpicklist: str):
    picklist_get(tx, req, idpicklist)
    return 200, page([public(s) for s in tx.where(SHIPMENTS, "idpicklist", int(idpicklist))], req)


def shipments_list(tx: Tx, req: Req):
    return 200, page([public(s) for s in tx.all(SHIPMENTS)], req)
