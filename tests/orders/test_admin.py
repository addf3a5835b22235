"""The OrderLink admin: find an order by either side's number, open it in Picqer, push again."""

import re

import pytest
from django.urls import reverse

from sync.models.orders import OrderLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(shop):
    created = OrderLink.objects.create(
        shop=shop,
        ps_order_id=73,
        ps_reference="ITQRFWVHT",
        state=OrderLink.State.CREATED,
        picqer_idorder=240350427,
        picqer_orderid="O2026-1002",
    )
    failed = OrderLink.objects.create(
        shop=shop,
        ps_order_id=74,
        ps_reference="KHWLILZLL",
        state=OrderLink.State.FAILED,
        last_error="Picqer refused the order: Invalid country code",
    )
    return created, failed


def changelist(admin_client, **params):
    return admin_client.get(reverse("admin:sync_orderlink_changelist"), params)


@pytest.mark.parametrize("query", ["ITQRFWVHT", "73", "O2026-1002"])
def test_it_finds_a_link_by_prestashop_id_reference_or_picqer_number(admin_client, links, query):
    page = changelist(admin_client, q=query).content.decode()
    assert "ITQRFWVHT" in page and "KHWLILZLL" not in page


def test_it_links_to_the_picqer_order(admin_client, links):
    page = changelist(admin_client).content.decode()
    assert 'href="https://example.picqer.com/orders/240350427"' in page


def test_it_filters_by_state(admin_client, links):
    page = changelist(admin_client, state__exact="failed").content.decode()
    assert "KHWLILZLL" in page and "ITQRFWVHT" not in page


def test_push_again_requeues_only_failed_links(
    admin_client, links, enqueued, shop, django_capture_on_commit_callbacks
):
    created, failed = links
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:sync_orderlink_changelist"),
            {"action": "push_again", "_selected_action": [created.pk, failed.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert enqueued == [("order_sync_task", (shop.pk, 74))]
    failed.refresh_from_db()
    assert (failed.state, failed.last_error) == (OrderLink.State.PENDING, "")
    created.refresh_from_db()
    assert created.state == OrderLink.State.CREATED


def test_an_order_link_links_to_that_orders_activity_log(admin_client, shop):
    from sync.activity import activity_log

    link = OrderLink.objects.create(shop=shop, ps_order_id=73, ps_reference="ITQRFWVHT")
    activity_log(action="order_created", message="Created DEV #73", shop=shop, ps_order_id=73)
    activity_log(action="order_created", message="Created DEV #74", shop=shop, ps_order_id=74)
    page = admin_client.get(f"/admin/sync/orderlink/{link.pk}/change/").content.decode()
    url = re.search(r'href="(/admin/sync/activityentry/\?[^"]+)"', page).group(1)

    log = admin_client.get(url.replace("&amp;", "&")).content.decode()
    assert "Created DEV #73" in log
    assert "Created DEV #74" not in log


def test_push_again_from_the_failed_list_reports_no_skipped_orders(
    admin_client, links, enqueued, django_capture_on_commit_callbacks
):
    """The "failed" list no longer holds the row once it is pending: count the selection."""
    _created, failed = links
    url = reverse("admin:sync_orderlink_changelist") + "?state__exact=failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "push_again", "_selected_action": [failed.pk]}, follow=True
        )
    content = response.content.decode()
    assert "1 order queued again." in content
    assert " skipped:" not in content


def test_view_only_staff_cannot_push_again_or_give_up(client, django_user_model, links):
    """Acting on an order is a change: a user who may only view gets no action, and a
    posted one does nothing (docs/security.md)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_orderlink"))
    client.force_login(user)
    _created, failed = links
    url = reverse("admin:sync_orderlink_changelist")

    page = client.get(url).content.decode()
    assert "push_again" not in page and "give_up" not in page
    for action in ("push_again", "give_up"):
        client.post(url, {"action": action, "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.state == OrderLink.State.FAILED

    user.user_permissions.add(Permission.objects.get(codename="change_orderlink"))
    user = django_user_model.objects.get(pk=user.pk)  # drop the permission cache
    client.force_login(user)
    assert "push_again" in client.get(url).content.decode()


def test_the_link_shows_the_stock_its_order_holds_back(admin_client, links):
    from sync.models import PendingOrder, PendingOrderLine

    created, failed = links
    held = PendingOrder.objects.create(shop=failed.shop, ps_order_id=failed.ps_order_id)
    PendingOrderLine.objects.create(order=held, reference="demo_1", units=2)
    PendingOrderLine.objects.create(order=held, reference="MUG-9", units=1)
    PendingOrder.objects.create(
        shop=created.shop, ps_order_id=created.ps_order_id, state=PendingOrder.State.IN_PICQER
    )

    page = admin_client.get(reverse("admin:sync_orderlink_change", args=[failed.pk]))
    assert "3 units held back (MUG-9 × 1, demo_1 × 2)" in page.content.decode()
    page = admin_client.get(reverse("admin:sync_orderlink_change", args=[created.pk]))
    assert "none now (Counted by Picqer)" in page.content.decode()


def test_the_link_names_its_done_steps_in_words(admin_client, links):
    created, _ = links
    created.done_steps = ["tags", "backref", "message:0123456789abcdef"]
    created.save(update_fields=["done_steps"])

    page = admin_client.get(reverse("admin:sync_orderlink_change", args=[created.pk]))

    text = page.content.decode()
    assert "Picqer tags, Picqer order number in PrestaShop, a private PrestaShop message" in text
    assert "0123456789abcdef" not in text  # the mark's hash means nothing to an operator
