"""Issue 13 part 5: the activity log and the order links speak in names, not ids or codes.

The data is made the way the engine makes it (a real Picqer "completed" applied to order 73)
and the cached lists are the sandbox shop's own (sandbox.prestashop.data)."""

import html as htmllib
import re

import pytest
from django.urls import reverse

from prestapicqer.models import RemoteChoices, StatusMapping
from sandbox.prestashop.data import CARRIERS, ORDER_STATES
from sync.activity import activity_log
from sync.mappers.activity import ACTION_LABELS
from sync.models import ActivityEntry
from sync.services.order_status import order_status_sync

from .conftest import seed_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_lists(shop):
    RemoteChoices.objects.create(
        key=f"prestashop:{shop.pk}:order_states", items=[[i, name] for i, name, *_ in ORDER_STATES]
    )
    RemoteChoices.objects.create(
        key=f"prestashop:{shop.pk}:carriers", items=[[i, name] for i, name, _url in CARRIERS]
    )


@pytest.fixture
def engine_log(shop, link, ps, picqer_orders, sandbox_lists):
    """The log after Picqer completed order 73 (status 3 → 4 by the "Any" rule) and a few
    order steps; the link now reads Picqer status "completed"."""
    seed_order(ps, state=3)
    StatusMapping.objects.create(
        shop=shop, position=0, from_state_id=None, picqer_status="completed", to_state_id=4
    )
    picqer_orders.set_status("completed")
    assert order_status_sync(account=shop.account, idorder=240350427) == "status 3 → 4"
    for action in ("backref_note", "order_created", "tracking_written"):
        activity_log(action=action, shop=shop, ps_order_id=73, message="done.")
    link.picqer_status = "completed"
    link.save()
    return link


def visible_text(html: str) -> str:
    """The page as read: tags, scripts and attribute values (URLs, filters) left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


def assert_plain(html: str) -> None:
    text = visible_text(html)
    codes = [code for code in ACTION_LABELS if code in text]
    assert not codes, f"action codes shown: {codes}"
    assert not re.search(r"status \d|→ \d", text), "a PrestaShop status id is shown"
    assert "completed" not in text, "a Picqer status code is shown"


def test_the_activity_log_shows_labels_and_status_names(admin_client, engine_log):
    html = admin_client.get(reverse("admin:sync_activityentry_changelist")).content.decode()
    assert_plain(html)
    text = visible_text(html)
    assert 'PrestaShop status "Processing in progress" → "Shipped"' in text
    assert "Picqer status Completed" in text
    assert "Picqer order number written to the PrestaShop order" in text
    assert "PrestaShop order status changed" in text


def test_an_activity_entry_detail_shows_the_label_and_names(admin_client, engine_log):
    entry = ActivityEntry.objects.get(action="order_status_set")
    html = admin_client.get(reverse("admin:sync_activityentry_change", args=[entry.pk]))
    assert_plain(html.content.decode())
    assert '"Processing in progress" → "Shipped"' in visible_text(html.content.decode())


def test_the_order_link_list_and_detail_show_picqer_status_names(admin_client, engine_log):
    for url in (
        reverse("admin:sync_orderlink_changelist"),
        reverse("admin:sync_orderlink_change", args=[engine_log.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert_plain(html)
        assert "Completed" in visible_text(html)


def test_admin_lists_show_local_times_with_seconds(admin_client, engine_log, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    entry = ActivityEntry.objects.get(action="order_status_set")
    from django.utils import timezone

    expected = timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S")
    html = admin_client.get(reverse("admin:sync_activityentry_changelist")).content.decode()
    assert expected in html


def test_an_unknown_status_reads_as_status_n(admin_client, shop):
    activity_log(
        action="order_status_set",
        shop=shop,
        ps_order_id=73,
        message="Picqer status completed: PrestaShop status 3 → 4.",
    )
    text = visible_text(
        admin_client.get(reverse("admin:sync_activityentry_changelist")).content.decode()
    )
    assert "PrestaShop status 3 → 4." in text  # nothing cached: ids, said as statuses
    assert "Picqer status Completed" in text
