"""Tracking codes from Picqer shipments to the PrestaShop order carrier, before the status."""

import pytest

from prestapicqer.models import StatusMapping
from sync.mappers.status import shipment_tracking_codes, tracking_number_join
from sync.models import ActivityEntry
from sync.picqer.records import shipment_parse
from sync.services.order_status import order_status_sync

from .conftest import seed_order

pytestmark = pytest.mark.usefixtures("link")  # tracking reaches linked orders only


@pytest.fixture
def completed_rule(shop):
    StatusMapping.objects.create(
        shop=shop, from_state_id=None, picqer_status="completed", to_state_id=5
    )


def sync(account):
    return order_status_sync(account=account, idorder=240350427)


def tracking_writes(ps):
    return [w for w in ps.writes if w[1] == "order_carriers"]


def test_tracking_is_written_before_the_status_is_posted(
    shop, ps, picqer_orders, completed_rule, rsps
):
    seed_order(ps, state=3)
    assert sync(shop.account) == "status 3 → 5"
    assert ps.get("order_carriers", 2)["tracking_number"] == "3SDEVC931341234"
    writes = [
        (c.request.method, c.request.url.split("/api/")[1].split("?")[0])
        for c in rsps.calls
        if c.request.method in ("PATCH", "PUT", "POST")
    ]
    assert writes == [("PATCH", "order_carriers/2"), ("POST", "order_histories")]


def test_every_live_shipment_of_every_picklist_is_kept(shop, ps, picqer_orders, completed_rule):
    seed_order(ps, state=3)
    picqer_orders.order["picklists"].append(
        {"idpicklist": 440, "picklistid": "P2026-2", "idorder": 240350427, "status": "closed"}
    )
    picqer_orders.shipments = [
        picqer_orders.shipment(idshipment=19, trackingcode="3SAAA1"),
        picqer_orders.shipment(idshipment=20, trackingcode="3SCANCELLED", cancelled=True),
        picqer_orders.shipment(idshipment=21, idpicklist=440, trackingcode="3SBBB2"),
    ]
    sync(shop.account)
    assert ps.get("order_carriers", 2)["tracking_number"] == "3SAAA1, 3SBBB2"


def test_parcel_codes_are_used_when_the_shipment_has_none(shop, ps, picqer_orders, completed_rule):
    seed_order(ps, state=3)
    parcels = [
        {
            "idparcel": 1,
            "idpackaging": None,
            "weight": 900,
            "tracking_code": "3SPARCEL1",
            "tracking_url": "https://example.com/t/1",
            "documents": [],
        },
        {
            "idparcel": 2,
            "idpackaging": None,
            "weight": 800,
            "tracking_code": "3SPARCEL2",
            "tracking_url": "https://example.com/t/2",
            "documents": [],
        },
    ]
    picqer_orders.shipments = [picqer_orders.shipment(trackingcode=None, parcels=parcels)]
    sync(shop.account)
    assert ps.get("order_carriers", 2)["tracking_number"] == "3SPARCEL1, 3SPARCEL2"


def test_carrier_names_must_match_exactly(shop, ps, picqer_orders, completed_rule):
    seed_order(ps, state=3, carrier="postnl")
    assert sync(shop.account) == "status 3 → 5"  # the status is still set
    assert tracking_writes(ps) == []
    warning = ActivityEntry.objects.get(action="tracking_no_carrier")
    assert warning.level == "warning" and "PostNL" in warning.message


def test_public_provider_name_is_the_fallback(shop, ps, picqer_orders, completed_rule):
    seed_order(ps, state=3, carrier="PostNL")
    picqer_orders.shipments = [picqer_orders.shipment(providername="PostNL pakket (eigen)")]
    sync(shop.account)
    assert ps.get("order_carriers", 2)["tracking_number"] == "3SDEVC931341234"


def test_unchanged_tracking_is_not_written_again(shop, ps, picqer_orders, completed_rule):
    seed_order(ps, state=3, tracking="3SDEVC931341234")
    sync(shop.account)
    assert tracking_writes(ps) == []


def test_a_later_shipment_reaches_an_order_whose_status_is_applied(
    shop, ps, picqer_orders, completed_rule
):
    seed_order(ps, state=3)
    sync(shop.account)
    picqer_orders.shipments.append(picqer_orders.shipment(idshipment=22, trackingcode="3SNEW"))
    assert sync(shop.account).startswith("ignored: Picqer status completed already applied")
    assert ps.get("order_carriers", 2)["tracking_number"] == "3SDEVC931341234, 3SNEW"


def test_prestashop_17_gets_a_full_put_that_keeps_other_fields(
    shop, ps17, picqer_orders, completed_rule
):
    seed_order(ps17, state=3)
    sync(shop.account)
    method, _, sent = tracking_writes(ps17)[0]
    assert method == "PUT"
    assert sent["shipping_cost_tax_incl"] == "2.000000" and sent["id_order_invoice"] == "2"
    assert ps17.get("order_carriers", 2)["weight"] == "0.000000"


def test_tracking_number_join_keeps_whole_codes_within_64_characters():
    codes = [f"3SCODE{i:020d}" for i in range(4)]
    value, dropped = tracking_number_join(codes)
    assert len(value) <= 64 and value.split(", ") == codes[:2] and dropped == codes[2:]


def test_shipment_codes_prefer_the_top_level_code():
    top = shipment_parse({"trackingcode": "A", "parcels": [{"tracking_code": "B"}]})
    assert shipment_tracking_codes(top) == ["A"]
    assert shipment_tracking_codes(shipment_parse({"trackingcode": "", "parcels": None})) == []
