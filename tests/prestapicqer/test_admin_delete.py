"""A shop whose orders were sent to Picqer cannot be deleted: its order links are the proof
that those Picqer orders belong to it (see sync.OrderLink)."""

import pytest
from django.urls import reverse

from prestapicqer.models import Shop
from sync.models import OrderLink

pytestmark = pytest.mark.django_db

BLOCKED = "Dev shop (prefix DEV): 2 order(s) sent to Picqer are linked to it"


@pytest.fixture
def linked(shop):
    for ps_order_id in (73, 74):
        OrderLink.objects.create(
            shop=shop,
            ps_order_id=ps_order_id,
            ps_reference="ITQRFWVHT",
            state=OrderLink.State.CREATED,
            picqer_idorder=240350427 + ps_order_id,
        )
    return shop


def test_the_delete_page_says_why_and_what_to_do_instead(admin_client, linked):
    url = reverse("admin:prestapicqer_shop_delete", args=[linked.pk])
    html = admin_client.get(url).content.decode()
    assert BLOCKED in html
    assert "Switch the shop off (untick &quot;Enabled&quot;) instead of deleting it." in html
    assert "DEV #73" not in html  # one line per shop, not every link

    admin_client.post(url, {"post": "yes"})
    assert Shop.objects.filter(pk=linked.pk).exists()
    assert OrderLink.objects.filter(shop=linked).count() == 2


def test_the_bulk_delete_action_is_refused_the_same_way(admin_client, linked):
    url = reverse("admin:prestapicqer_shop_changelist")
    response = admin_client.post(
        url, {"action": "delete_selected", "post": "yes", "_selected_action": [linked.pk]}
    )
    assert BLOCKED in response.content.decode()
    assert Shop.objects.filter(pk=linked.pk).exists()


def test_a_shop_that_sent_no_order_can_be_deleted(admin_client, shop):
    url = reverse("admin:prestapicqer_shop_delete", args=[shop.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Shop.objects.filter(pk=shop.pk).exists()
