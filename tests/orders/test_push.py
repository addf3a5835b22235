"""The order rules against fake PrestaShop and Picqer APIs: content, rules, exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sync.http.errors import ApiTimeoutError, ApiTransportError
from sync.models import ActivityEntry
from sync.models.orders import OrderLink, OwnHistory
from sync.services.orders import OrderBusyError, order_links_retry, order_sync
from sync.services.orders.context import OrderContext
from sync.services.orders.push import order_message_add_once

pytestmark = pytest.mark.django_db


def configure(shop, **settings):
    for name, value in settings.items():
        setattr(shop, name, value)
    shop.save()
    return shop


def run(shop, order=73):
    return order_sync(shop_id=shop.pk, ps_order_id=order)


def link_of(shop, order=73) -> OrderLink:
    return OrderLink.objects.get(shop=shop, ps_order_id=order)


def requests_to(rsps, method, fragment):
    return [c for c in rsps.calls if c.request.method == method and fragment in c.request.url]


def actions(**filters):
    return list(ActivityEntry.objects.filter(**filters).values_list("action", flat=True))


def test_create_status_creates_one_concept_order_with_the_full_content(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    ps.add_history(100, 73, 2)

    assert run(shop) == OrderLink.State.CREATED

    (order,) = picqer.created
    assert order["reference"] == "DEV #73 / ITQRFWVHT"
    assert order["status"] == "concept"
    assert order["deliveryname"] == "Geest & Zonen B.V."
    assert order["deliverycontactname"] == "Amelia van Geest"
    assert order["deliverycountry"] == "NL"
    assert (order["invoicecountry"], order["invoiceregion"]) == ("US", "Florida")
    assert order["emailaddress"] == "amelia@example.nl"
    assert order["telephone"] == "+31612345678"
    assert order["customer_remarks"] == "Please ring twice & leave it at the back door"
    codes = {p["productcode"]: p["idproduct"] for p in picqer.products}
    assert order["products"] == [
        {"idproduct": codes["demo_1"], "amount": 2},
        {"idproduct": codes["TSHIRT-RED-S"], "amount": 1},
        {"idproduct": codes["MUG-9"], "amount": 2},
    ]
    link = link_of(shop)
    assert (link.picqer_idorder, link.picqer_orderid) == (order["idorder"], order["orderid"])
    assert link.last_history_id == 100
    assert "order_created" in actions(ps_order_id=73, picqer_orderid=order["orderid"])


def test_allocation_and_tags_follow_the_create(shop, ps, picqer):
    configure(shop, processing_state_ids=[], allocate_concept=True, picqer_tag_ids=[12, 13])
    ps.add_history(100, 73, 2)

    run(shop)

    (order,) = picqer.created
    assert order["allocated"] is True
    assert sorted(t["idtag"] for t in order["tags"].values()) == [12, 13]


def test_a_status_in_create_and_processing_creates_then_processes(shop, ps, picqer, rsps):
    ps.add_history(100, 73, 2)  # state 2 is in both lists of the shop fixture

    run(shop)

    (order,) = picqer.created
    assert order["status"] == "processing"
    writes = [
        c.request.url
        for c in rsps.calls
        if c.request.method == "POST" and "picqer" in c.request.url
    ]
    assert writes.index("https://example.picqer.com/api/v1/orders") < writes.index(
        f"https://example.picqer.com/api/v1/orders/{order['idorder']}/process"
    )
    assert link_of(shop).picqer_status == "processing"


def test_processing_status_creates_the_order_first_when_needed(shop, ps, picqer):
    configure(shop, create_state_ids=[10], processing_state_ids=[2])
    ps.add_history(100, 73, 2)

    run(shop)

    (order,) = picqer.created
    assert order["status"] == "processing"


def test_cancel_status_force_cancels_even_a_processing_order(shop, ps, picqer, rsps):
    ps.add_history(100, 73, 2)
    run(shop)
    ps.add_history(101, 73, 6)

    run(shop)

    (order,) = picqer.created
    assert order["status"] == "cancelled"
    (delete,) = requests_to(rsps, "DELETE", "/orders/")
    assert "force=true" in delete.request.url
    assert link_of(shop).last_history_id == 101


def test_an_order_cancelled_before_it_was_sent_never_reaches_picqer(shop, ps, picqer):
    ps.add_history(100, 73, 2)
    ps.add_history(101, 73, 6)  # both rows arrive together, e.g. after downtime

    assert run(shop) == OrderLink.State.SKIPPED

    assert picqer.created == []
    assert "before it was sent" in link_of(shop).last_error


def test_partial_match_sends_the_matched_lines_and_warns_on_both_sides(shop, ps, picqer):
    picqer.products = [p for p in picqer.products if p["productcode"] == "demo_1"]
    ps.add_history(100, 73, 2)

    run(shop)

    (order,) = picqer.created
    assert [p["amount"] for p in order["products"]] == [2]
    (comment,) = picqer.comments[order["idorder"]]
    assert "TSHIRT-RED-S" in comment["body"] and "MUG-9" in comment["body"]
    assert comment["body"] in ps.private_messages()
    assert "order_partial" in actions(level="warning", ps_order_id=73)


def test_no_match_writes_only_the_prestashop_message(shop, ps, picqer):
    picqer.products = []
    ps.add_history(100, 73, 2)

    assert run(shop) == OrderLink.State.SKIPPED

    assert picqer.created == []
    (message,) = ps.private_messages()
    assert "no Picqer order was created" in message and "demo_1" in message
    assert picqer.comments == {}


def test_product_match_ignores_picqer_products_that_differ_in_case(shop, ps, picqer):
    picqer.products = []
    picqer.add_product("DEMO_1")  # the fake's search is case-insensitive, like Picqer's may be
    ps.add_history(100, 73, 2)

    assert run(shop) == OrderLink.State.SKIPPED


def test_missing_products_are_created_first_when_configured(shop, ps, picqer, rsps):
    configure(shop, create_missing_products=True)
    picqer.products = [p for p in picqer.products if p["productcode"] == "demo_1"]
    ps.records["products"]["2"] = {"id": "2", "id_default_image": "15", "reference": "TSHIRT"}
    ps.add_history(100, 73, 2)

    run(shop)

    created = {p["productcode"]: p for p in picqer.products if p["productcode"] != "demo_1"}
    assert created["TSHIRT-RED-S"]["name"] == "Faded T-shirt - Color : Red, Size : S"
    assert created["TSHIRT-RED-S"]["price"] == 16.5289
    assert created["TSHIRT-RED-S"]["idvatgroup"] == 1464
    assert created["MUG-9"]["idvatgroup"] == 1465
    (order,) = picqer.created
    assert len(order["products"]) == 3
    assert picqer.comments == {}
    picqer_posts = [
        c.request.url
        for c in rsps.calls
        if c.request.method == "POST" and "picqer" in c.request.url
    ]
    assert picqer_posts.index("https://example.picqer.com/api/v1/products") < picqer_posts.index(
        "https://example.picqer.com/api/v1/orders"
    )
    assert len(requests_to(rsps, "POST", "/products/")) == 1  # the image of product 2 only
    assert "product_image_failed" in actions(level="warning")  # product 3 has no record


def test_shop_prices_carry_the_price_excluding_vat_and_the_matching_vat_group(shop, ps, picqer):
    configure(shop, use_shop_price=True)
    row = ps.order["associations"]["order_rows"][2]
    row["unit_price_tax_incl"] = "9.520000"  # 19 %: no Picqer VAT group has that
    ps.add_history(100, 73, 2)

    run(shop)

    lines = picqer.created[0]["products"]
    assert [(line["price"], line.get("idvatgroup")) for line in lines] == [
        (10.0, 1464),
        (16.5289, 1464),
        (8.0, None),
    ]
    (warning,) = ActivityEntry.objects.filter(action="vat_group_missing")
    assert "19.00 %" in warning.message and warning.level == "warning"


def test_picqer_order_number_goes_into_the_prestashop_note(shop, ps, picqer):
    ps.order["note"] = "Gift wrap please"
    ps.add_history(100, 73, 2)

    run(shop)

    orderid = picqer.created[0]["orderid"]
    assert ps.order["note"] == f"Gift wrap please\nPicqer order: {orderid}"
    assert ps.private_messages() == []
    assert "backref_note" in actions()


def test_note_is_written_by_full_put_before_prestashop_8(shop, rsps, picqer):
    from .conftest import shop_with_order_73

    ps = shop_with_order_73(rsps, version="1.7.8.11")
    ps.add_history(100, 73, 2)

    run(shop)

    assert [m for m, resource, _ in ps.writes if resource == "orders"] == ["PUT"]
    assert "Picqer order: " in ps.order["note"]


def test_without_an_order_note_field_it_writes_a_private_message_and_no_put(shop, rsps, picqer):
    from .conftest import shop_with_order_73

    ps = shop_with_order_73(rsps, version="1.7.6.9")
    del ps.order["note"]  # orders have no note before 1.7.8
    ps.add_history(100, 73, 2)

    run(shop)

    assert [w for w in ps.writes if w[1] == "orders"] == []
    assert ps.private_messages() == [f"Picqer order: {picqer.created[0]['orderid']}"]
    (entry,) = ActivityEntry.objects.filter(action="backref_message")
    assert "no order note" in entry.message


def test_on_16_the_push_asks_for_no_messages_and_reads_no_threads_on_its_first_try(
    shop, rsps, picqer
):
    from .conftest import shop_with_order_73

    ps = shop_with_order_73(rsps, version="1.6.1.23")
    del ps.order["note"]  # orders have no note before 1.7.8
    ps.add_history(100, 73, 2)

    run(shop)

    paths = [call.request.url.split("/api/")[-1] for call in rsps.calls]
    assert ps.private_messages() == [f"Picqer order: {picqer.created[0]['orderid']}"]
    assert not [p for p in paths if p.startswith("messages")]  # no such resource on 1.6
    # No earlier attempt got as far as the message, so there is nothing to look for.
    assert not [p for p in paths if p.startswith("customer_threads?")]


def test_a_retry_after_the_message_went_out_looks_for_it_and_never_writes_it_twice(
    shop, rsps, picqer
):
    from .conftest import shop_with_order_73

    ps = shop_with_order_73(rsps, version="1.6.1.23")
    del ps.order["note"]
    ps.add_history(100, 73, 2)
    run(shop)
    orderid = picqer.created[0]["orderid"]
    link = OrderLink.objects.get(shop=shop)
    # The attempt crashed after the message was posted, before the step was recorded done.
    link.done_steps = [s for s in link.done_steps if s == "process" or s.startswith("message:")]
    link.save(update_fields=["done_steps"])
    rsps.calls.reset()

    link.refresh_from_db()
    ctx = OrderContext.for_link(link)
    order_message_add_once(ctx, f"Picqer order: {orderid}")

    paths = [call.request.url.split("/api/")[-1] for call in rsps.calls]
    assert ps.private_messages() == [f"Picqer order: {orderid}"]
    assert [p for p in paths if p.startswith("customer_threads?")]  # it looked, then kept still


def test_a_note_the_shop_does_not_keep_falls_back_to_a_private_message(shop, ps, picqer):
    ps.keeps_note = False  # PrestaShop#37255
    ps.add_history(100, 73, 2)

    run(shop)

    orderid = picqer.created[0]["orderid"]
    assert ps.order["note"] == ""
    assert ps.private_messages() == [f"Picqer order: {orderid}"]
    (entry,) = ActivityEntry.objects.filter(action="backref_message")
    assert "did not keep the note" in entry.message


def test_a_held_lease_keeps_a_second_worker_from_creating(shop, ps, picqer):
    ps.add_history(100, 73, 2)
    OrderLink.objects.create(
        shop=shop, ps_order_id=73, claimed_until=timezone.now() + timedelta(minutes=5)
    )

    with pytest.raises(OrderBusyError):
        run(shop)

    assert picqer.created == []


def test_running_the_rules_again_never_creates_a_second_order(shop, ps, picqer, rsps):
    ps.add_history(100, 73, 2)
    run(shop)
    OrderLink.objects.filter(shop=shop).update(last_history_id=0)  # as if the row came again

    run(shop)

    assert len(picqer.created) == 1
    assert len(requests_to(rsps, "POST", "v1/orders")) == 1 + 1  # create + process


def test_timeout_on_create_then_retry_adopts_the_order_found_by_reference(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    picqer.timeouts_after_create = 1  # Picqer creates it, the answer never arrives
    ps.add_history(100, 73, 2)

    with pytest.raises(ApiTimeoutError):
        run(shop)
    link = link_of(shop)
    assert (link.state, link.attempts, link.last_history_id) == (OrderLink.State.PUSHING, 1, 0)

    run(shop)

    (order,) = picqer.created
    link.refresh_from_db()
    assert (link.state, link.picqer_idorder) == (OrderLink.State.CREATED, order["idorder"])
    assert link.last_history_id == 100
    assert "order_adopted" in actions()
    assert f"Picqer order: {order['orderid']}" in ps.order["note"]


def test_a_crashed_push_with_an_expired_lease_is_looked_up_before_creating(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    picqer.drops_before_create = 1  # nothing reached Picqer
    ps.add_history(100, 73, 2)
    with pytest.raises(ApiTransportError):
        run(shop)
    OrderLink.objects.filter(shop=shop).update(  # the worker died holding the lease
        claimed_until=timezone.now() - timedelta(seconds=1), claim_token="dead"
    )

    run(shop)

    assert len(picqer.created) == 1
    assert "order_adopted" not in actions()


def test_split_cart_orders_each_get_their_own_picqer_order(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    ps.add_order(80, reference="KHWLILZLL")
    ps.add_order(81, reference="KHWLILZLL")
    ps.add_history(100, 80, 2)
    ps.add_history(101, 81, 2)

    run(shop, 80)
    run(shop, 81)

    assert sorted(o["reference"] for o in picqer.created) == [
        "DEV #80 / KHWLILZLL",
        "DEV #81 / KHWLILZLL",
    ]


def test_multistore_shop_sends_id_shop_on_every_prestashop_call(shop, ps, picqer, rsps):
    configure(shop, prestashop_shop_id=2, processing_state_ids=[])
    ps.add_order(90, id_shop=2)
    ps.add_history(100, 90, 2)

    run(shop, 90)

    assert len(picqer.created) == 1
    shop_calls = [c.request.url for c in rsps.calls if "shop.example.com" in c.request.url]
    assert shop_calls and all("id_shop=2" in url for url in shop_calls)


def test_multistore_order_of_another_shop_is_refused(shop, ps, picqer):
    configure(shop, prestashop_shop_id=2)
    ps.add_history(100, 73, 2)  # order 73 is in shop 1

    assert run(shop) == OrderLink.State.FAILED
    assert picqer.created == []


def test_picqer_refusal_fails_the_link_and_push_again_retries_it(
    shop, ps, picqer, enqueued, django_capture_on_commit_callbacks
):
    configure(shop, processing_state_ids=[])
    picqer.refuse_create = {"error": True, "error_code": 9, "error_message": "Invalid country code"}
    ps.add_history(100, 73, 2)

    assert run(shop) == OrderLink.State.FAILED
    link = link_of(shop)
    assert "Invalid country code" in link.last_error
    assert ActivityEntry.objects.filter(action="order_failed", level="error").exists()
    assert run(shop) == OrderLink.State.FAILED  # stays put until the operator acts

    picqer.refuse_create = None
    with django_capture_on_commit_callbacks(execute=True):
        assert order_links_retry(link_ids=[link.pk]) == 1
    assert enqueued == [("order_sync_task", (shop.pk, 73))]
    assert run(shop) == OrderLink.State.CREATED
    assert len(picqer.created) == 1


def test_the_middlewares_own_status_change_does_not_trigger_the_rules(shop, ps, picqer):
    OwnHistory.record(shop_id=shop.pk, ps_order_id=73, state_id=2)
    ps.add_history(100, 73, 2)

    run(shop)

    assert picqer.created == []
    assert link_of(shop).last_history_id == 100


def test_country_codes_are_read_once_per_country_not_per_order(shop, ps, picqer, rsps):
    configure(shop, processing_state_ids=[])
    ps.add_history(100, 73, 2)
    run(shop)
    first = len(requests_to(rsps, "GET", "/api/countries/"))

    OrderLink.objects.all().delete()
    picqer.orders.clear()  # so the second run builds and creates the order again
    ps.add_history(101, 73, 2)
    run(shop)

    assert first == 2  # delivery NL, invoice BE
    assert len(requests_to(rsps, "GET", "/api/countries/")) == 2  # the second order: cached
    assert len(picqer.created) == 1
    assert picqer.created[0]["deliverycountry"] == "NL"
