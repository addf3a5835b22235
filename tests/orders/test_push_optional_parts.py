"""Optional parts of an order that PrestaShop answers 404 for never fail the push."""

from sync.models import ActivityEntry, OrderLink

from .test_push import configure, run


def test_a_state_the_shop_no_longer_serves_leaves_the_region_out(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    ps.add_history(100, 73, 2)
    del ps.records["states"]["9"]  # states/9 answers 404

    assert run(shop) == OrderLink.State.CREATED

    (order,) = picqer.created
    assert order["invoicecountry"] == "US" and not order.get("invoiceregion")
    warning = ActivityEntry.objects.get(action="order_part_missing")
    assert warning.level == "warning" and warning.ps_order_id == 73
    assert "State 9 of the invoice address" in warning.message


def test_a_deleted_customer_leaves_the_email_out(shop, ps, picqer):
    configure(shop, processing_state_ids=[])
    ps.add_history(100, 73, 2)
    del ps.records["customers"]["4"]

    assert run(shop) == OrderLink.State.CREATED

    (order,) = picqer.created
    assert not order.get("emailaddress")
    assert "Customer 4" in ActivityEntry.objects.get(action="order_part_missing").message
