"""The move from a jsonb payload to the signed body keeps the rows that were there."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from prestapicqer.models import PicqerAccount

BEFORE = [("webhooks", "0001_initial")]
AFTER = [("webhooks", "0002_event_body_as_signed_bytes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_payloads_become_bodies_and_back():
    # The account with today's model: migrating webhooks back leaves prestapicqer's table as is.
    account = PicqerAccount.objects.create(
        name="Old", subdomain="old", api_key="k", webhook_secret="s"
    )
    old_apps = migrate(BEFORE)
    payload = {"event": "orders.status_changed", "data": {"idorder": 7, "remarks": "Ça va"}}
    old_apps.get_model("webhooks", "WebhookEvent").objects.create(
        account_id=account.pk,
        event="orders.status_changed",
        dedupe_key="d1",
        object_ref="idorder=7",
        payload=payload,
        state="done",
    )
    try:
        new_apps = migrate(AFTER)
        event = new_apps.get_model("webhooks", "WebhookEvent").objects.get()
        assert json.loads(bytes(event.body)) == payload
        assert (event.dedupe_key, event.state) == ("d1", "done")

        back = migrate(BEFORE).get_model("webhooks", "WebhookEvent").objects.get()
        assert back.payload == payload
    finally:
        migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
