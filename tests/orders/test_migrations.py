"""Moving the applied order statuses onto the order links keeps them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("sync", "0011_product_import_runs")]
AFTER = [("sync", "0012_order_status_onto_order_link")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_applied_statuses_move_onto_their_links_and_back(shop, capsys):
    applied_at = timezone.now() - timedelta(days=1)
    claimed_until = timezone.now() + timedelta(minutes=5)
    old_apps = migrate(BEFORE)
    OldLink = old_apps.get_model("sync", "OrderLink")
    OldState = old_apps.get_model("sync", "OrderStatusState")
    OldLink.objects.create(shop_id=shop.pk, ps_order_id=73, picqer_idorder=240350427)
    OldLink.objects.create(shop_id=shop.pk, ps_order_id=74)
    OldState.objects.create(
        shop_id=shop.pk,
        ps_order_id=73,
        picqer_idorder=240350427,
        applied_status="completed",
        applied_state_id=5,
        applied_at=applied_at,
        claimed_status="cancelled",
        claimed_until=claimed_until,
    )
    OldState.objects.create(shop_id=shop.pk, ps_order_id=99, applied_status="processing")
    try:
        new_apps = migrate(AFTER)
        links = new_apps.get_model("sync", "OrderLink").objects.order_by("ps_order_id")
        applied, untouched = links
        assert (applied.applied_status, applied.applied_state_id, applied.applied_at) == (
            "completed",
            5,
            applied_at,
        )
        # The claim in flight has no token: nobody can release it, it runs out by itself.
        assert (applied.claimed_status, applied.status_claimed_until) == (
            "cancelled",
            claimed_until,
        )
        assert applied.status_claim_token == ""
        assert (untouched.applied_status, untouched.applied_state_id) == ("", None)
        assert "1 copied, 1 without an order link" in capsys.readouterr().out

        back = migrate(BEFORE).get_model("sync", "OrderStatusState").objects.get()
        assert (back.ps_order_id, back.picqer_idorder, back.applied_status) == (
            73,
            240350427,
            "completed",
        )
        assert (back.applied_state_id, back.applied_at, back.claimed_until) == (
            5,
            applied_at,
            claimed_until,
        )
    finally:
        migrate(leaf_nodes())
