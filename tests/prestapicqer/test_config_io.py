"""Configuration export/import: round trips, secrets handling, clear errors, all or nothing."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from prestapicqer.models import PicqerAccount, RemoteChoices, Shop, StatusMapping
from prestapicqer.services.config_io import (
    ConfigImportError,
    config_export,
    config_import,
    config_import_json,
)

from .conftest import PICQER_KEY, PS_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(shop):
    """A shop with every group filled in, a status mapping and a second shop."""
    Shop.objects.filter(pk=shop.pk).update(
        picqer_tag_ids=[41, 42],
        use_shop_price=True,
        allocate_concept=True,
        warehouse_ids=[10],
        full_sync_on_webhook=True,
        prestashop_shop_id=3,
        poll_interval_seconds=45,
    )
    StatusMapping.objects.create(
        shop=shop, position=0, from_state_id=None, picqer_status="completed", to_state_id=5
    )
    StatusMapping.objects.create(
        shop=shop, position=1, from_state_id=2, picqer_status="cancelled", to_state_id=6
    )
    Shop.objects.create(
        account=shop.account,
        name="B2B",
        prefix="B2B",
        prestashop_url="https://b2b.example.com",
        webservice_key="W" * 32,
    )
    PicqerAccount.objects.filter(pk=shop.account_id).update(orders_hook_id=30088)
    return shop


def wipe():
    Shop.objects.all().delete()
    PicqerAccount.objects.all().delete()


def test_export_leaves_secrets_out_by_default(configured):
    text = json.dumps(config_export())
    for secret in (PICQER_KEY, PS_KEY, "hook-secret-abc", configured.full_sync_token):
        assert secret not in text
    data = json.loads(text)
    shop = data["accounts"][0]["shops"][1]
    assert shop["prefix"] == "DEV" and shop["picqer_tag_ids"] == [41, 42]
    assert shop["status_mappings"] == [
        {"from_state_id": None, "picqer_status": "completed", "to_state_id": 5},
        {"from_state_id": 2, "picqer_status": "cancelled", "to_state_id": 6},
    ]


def installation_free(data: dict) -> dict:
    """`data` without what belongs to one installation (shop ids and their full-sync paths)."""
    for account in data["accounts"]:
        for shop in account["shops"]:
            del shop["id"], shop["full_sync_path"]
    return data


def test_export_names_each_shop_id_and_full_sync_path_and_the_token_only_with_secrets(configured):
    shop = config_export()["accounts"][0]["shops"][1]
    assert shop["id"] == configured.pk
    assert shop["full_sync_path"] == f"/stock-sync/{configured.pk}/"
    assert configured.full_sync_url.split("?")[0].endswith(shop["full_sync_path"])
    assert "full_sync_token" not in shop
    with_secrets = config_export(include_secrets=True)["accounts"][0]["shops"][1]
    assert with_secrets["full_sync_token"] == configured.full_sync_token


def test_import_accepts_the_ids_and_says_when_a_full_sync_path_moved(configured):
    data = config_export(include_secrets=True)
    wipe()
    summary = config_import(data=json.loads(json.dumps(data)))
    dev = Shop.objects.get(prefix="DEV")
    assert dev.pk != configured.pk  # ids are never taken from the file
    assert (
        f"shop Main/DEV: its full stock sync URL is /stock-sync/{dev.pk}/ here (the file's "
        f"/stock-sync/{configured.pk}/); update the cron job"
    ) in " ".join(summary.notes)
    # Importing the same installation's own export moves nothing.
    assert config_import(data=config_export()).notes == []


def test_round_trip_without_secrets(configured):
    """Secret-free files restore every setting and leave the stored keys alone."""
    before = config_export()
    Shop.objects.filter(pk=configured.pk).update(
        name="Changed", picqer_tag_ids=[], full_sync_on_webhook=False, enabled=False
    )
    configured.status_mappings.all().delete()
    PicqerAccount.objects.update(subdomain="other")
    summary = config_import(data=json.loads(json.dumps(before)))
    assert config_export() == before
    assert summary.created == [] and len(summary.updated) == 3
    assert Shop.objects.get(pk=configured.pk).webservice_key == PS_KEY
    assert PicqerAccount.objects.get().api_key == PICQER_KEY


def test_a_secret_free_file_cannot_create_what_does_not_exist(configured):
    data = config_export()
    wipe()
    with pytest.raises(
        ConfigImportError,
        match=r"accounts\[0\].api_key: the account Main does "
        "not exist here yet.*--include-secrets",
    ):
        config_import(data=data)
    assert not PicqerAccount.objects.exists()


def test_round_trip_with_secrets(configured):
    before = config_export(include_secrets=True)
    assert before["accounts"][0]["api_key"] == PICQER_KEY
    wipe()
    summary = config_import(data=json.loads(json.dumps(before)))
    assert installation_free(config_export(include_secrets=True)) == installation_free(before)
    assert len(summary.created) == 3
    assert Shop.objects.get(prefix="DEV").webservice_key == PS_KEY


def test_import_updates_in_place_replaces_mappings_and_keeps_absent_secrets(configured):
    data = config_export()
    shop_data = data["accounts"][0]["shops"][1]
    shop_data["name"] = "Renamed"
    shop_data["status_mappings"] = [
        {"from_state_id": None, "picqer_status": "completed", "to_state_id": 4}
    ]
    data["accounts"][0]["webhook_key"] = "00000000-0000-0000-0000-000000000000"
    summary = config_import(data=data)
    shop = Shop.objects.get(pk=configured.pk)
    assert summary.created == [] and len(summary.updated) == 3
    assert shop.name == "Renamed" and shop.webservice_key == PS_KEY
    assert list(shop.status_mappings.values_list("to_state_id", flat=True)) == [4]
    # The link with Picqer of an existing account is never changed by an import.
    assert str(shop.account.webhook_key) != "00000000-0000-0000-0000-000000000000"
    assert shop.account.api_key == PICQER_KEY


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="other"), "Not a PrestaPicqer configuration file"),
        (lambda d: d.update(version=99), "Unsupported configuration version 99"),
        (
            lambda d: d["accounts"][0]["shops"][0].update(prefix="TOOLONG"),
            "accounts[0].shops[0].prefix: The prefix is 1 to 3 letters or digits",
        ),
        (
            lambda d: d["accounts"][0]["shops"][0].update(prestashop_url="nope"),
            "accounts[0].shops[0].prestashop_url: Enter a valid URL.",
        ),
        (
            lambda d: d["accounts"][0]["shops"][0].update(picqer_tag_ids="41"),
            "accounts[0].shops[0].picqer_tag_ids: expected a list of numeric ids.",
        ),
        (
            lambda d: d["accounts"][0]["shops"][0].update(colour="red"),
            "accounts[0].shops[0]: unknown setting(s) colour.",
        ),
        (
            lambda d: d["accounts"][0]["shops"][1]["status_mappings"][0].update(picqer_status="x"),
            "accounts[0].shops[1].status_mappings[0].picqer_status",
        ),
        (lambda d: d["accounts"][0]["shops"][1].update(prefix="b2b"), "two shops share a prefix"),
        (lambda d: d["accounts"][0].update(subdomain="Your Company"), "Only the subdomain"),
    ],
)
def test_bad_input_raises_a_clear_error_and_changes_nothing(configured, mutate, message):
    data = config_export(include_secrets=True)
    data["accounts"][0]["name"] = "New account"  # would be created if the import went through
    del data["accounts"][0]["webhook_key"]
    mutate(data)
    with pytest.raises(ConfigImportError) as caught:
        config_import(data=data)
    assert message in str(caught.value)
    assert not PicqerAccount.objects.filter(name="New account").exists()
    assert Shop.objects.count() == 2


def test_malformed_json_gives_a_clear_error(db):
    with pytest.raises(ConfigImportError, match="The file is not valid JSON: Expecting"):
        config_import_json(text='{"format": "prestapicqer-config", "accounts": [')


def test_errors_never_contain_secrets(configured):
    data = config_export(include_secrets=True)
    data["accounts"][0]["shops"][0]["webservice_key"] = "S" * 300
    with pytest.raises(ConfigImportError) as caught:
        config_import(data=data)
    assert "S" * 50 not in str(caught.value)
    assert "webservice_key: expected text of at most 200 characters" in str(caught.value)
    # The refused key did not break decryption of the stored ones.
    assert Shop.objects.get(pk=configured.pk).webservice_key == PS_KEY


def test_the_commands_round_trip_through_a_file(configured, tmp_path, capsys):
    path = tmp_path / "config.json"
    call_command("config_export", "--include-secrets", "-o", str(path))
    before = json.loads(path.read_text())
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    wipe()
    call_command("config_import", str(path))
    out = capsys.readouterr().out
    assert "3 created" in out and "update the cron job" in out
    assert installation_free(config_export(include_secrets=True)) == installation_free(before)


def test_the_export_command_writes_to_stdout_without_secrets(configured, capsys):
    call_command("config_export")
    out = capsys.readouterr().out
    assert json.loads(out)["format"] == "prestapicqer-config"
    assert PICQER_KEY not in out


def test_the_import_command_refuses_malformed_json(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match=r"Nothing imported\. The file is not valid JSON"):
        call_command("config_import", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("config_import", str(tmp_path / "missing.json"))


@pytest.mark.parametrize("model", ["picqeraccount", "shop"])
def test_the_admin_action_downloads_the_selected_configuration(admin_client, configured, model):
    RemoteChoices.objects.all().delete()
    selected = configured.account if model == "picqeraccount" else configured
    response = admin_client.post(
        reverse(f"admin:prestapicqer_{model}_changelist"),
        {"action": "export_selected", "_selected_action": [selected.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode()
    data = json.loads(text)
    prefixes = [s["prefix"] for s in data["accounts"][0]["shops"]]
    assert prefixes == (["B2B", "DEV"] if model == "picqeraccount" else ["DEV"])
    assert PICQER_KEY not in text and PS_KEY not in text
