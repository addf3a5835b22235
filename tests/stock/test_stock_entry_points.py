"""The full stock sync URL, its status page, the admin button and manage.py sync_stock."""

from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sync.models.stock import SyncRun

from .conftest import seed_simple


@pytest.fixture(autouse=True)
def _no_broker():
    with mock.patch("sync.tasks.stock.stock_sync_full_task.apply_async") as delay:
        yield delay


def start_url(shop, token=None):
    return f"/stock-sync/{shop.pk}/?token={shop.full_sync_token if token is None else token}"


def test_curl_gets_202_with_run_id_and_status_url(
    client, shop, _no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(start_url(shop), HTTP_ACCEPT="*/*")
    assert response.status_code == 202
    body = response.json()
    run = SyncRun.objects.get(pk=body["run_id"])
    assert run.trigger == "url" and body["status"] == "queued"
    assert body["status_url"].endswith(
        f"/stock-sync/{shop.pk}/runs/{run.pk}/?token={shop.full_sync_token}"
    )
    _no_broker.assert_called_once_with((run.pk,), {})  # the task is published after the commit


def test_a_browser_gets_a_readable_page(client, shop):
    response = client.get(start_url(shop), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 202
    assert response["Content-Type"].startswith("text/html")
    assert b"Full stock sync of Dev shop" in response.content


def test_wrong_or_missing_token_is_403_and_starts_nothing(client, shop):
    assert client.get(start_url(shop, token="nope")).status_code == 403
    assert client.get(f"/stock-sync/{shop.pk}/").status_code == 403
    assert not SyncRun.objects.exists()


def test_unknown_shop_is_404(client, shop):
    assert client.get(f"/stock-sync/{shop.pk + 99}/?token=x").status_code == 404


def test_the_token_is_compared_in_constant_time(client, shop):
    with mock.patch(
        "prestapicqer.services.shops.hmac.compare_digest", return_value=False
    ) as compare:
        assert client.get(start_url(shop)).status_code == 403
    compare.assert_called_once()


def test_post_is_not_allowed(client, shop):
    assert client.post(start_url(shop)).status_code == 405


def test_shop_without_stock_updates_is_409(client, shop):
    shop.stock_enabled = False
    shop.save()
    assert client.get(start_url(shop)).status_code == 409


def test_status_page_shows_the_counts(client, shop, account):
    run = SyncRun.objects.create(shop=shop, state="done", checked=120, changed=7)
    url = f"/stock-sync/{shop.pk}/runs/{run.pk}/?token={shop.full_sync_token}"
    body = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (body["status"], body["checked"], body["changed"]) == ("done", 120, 7)
    html = client.get(url, HTTP_ACCEPT="text/html").content.decode()
    assert "120" in html and "Done" in html and 'http-equiv="refresh"' not in html
    other = account.shops.create(
        name="Other", prefix="OT", prestashop_url="https://o.example", webservice_key="K" * 32
    )
    foreign = f"/stock-sync/{other.pk}/runs/{run.pk}/?token={other.full_sync_token}"
    assert client.get(foreign).status_code == 404


def test_admin_button_queues_a_run(
    admin_client, shop, _no_broker, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("admin:sync_syncrun_changelist"))
    assert b"Run full sync now: Dev shop" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:sync_syncrun_run_now", args=[shop.pk]))
    assert response.status_code == 302
    assert SyncRun.objects.get(shop=shop).trigger == "admin"
    _no_broker.assert_called_once_with((SyncRun.objects.get(shop=shop).pk,), {})


def test_command_queues_by_default(shop, _no_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_stock", "--shop", str(shop.pk))
    assert SyncRun.objects.get(shop=shop).state == "queued"
    _no_broker.assert_called_once_with((SyncRun.objects.get(shop=shop).pk,), {})


def test_command_sync_runs_here_and_now(shop, ps, picqer, capsys):
    picqer.add_product("A", 1, 5)
    seed_simple(ps, 1, "A", 0)
    call_command("sync_stock", "--shop", str(shop.pk), "--sync")
    run = SyncRun.objects.get(shop=shop)
    assert (run.state, run.changed) == ("done", 1)
    assert "1 of 1 products changed" in capsys.readouterr().out


def test_command_without_matching_shop_fails(shop):
    with pytest.raises(CommandError):
        call_command("sync_stock", "--shop", str(shop.pk + 99))


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: publish at once
def test_with_the_broker_down_the_url_answers_503_and_keeps_the_run_queued(
    client, shop, _no_broker
):
    from kombu.exceptions import OperationalError

    _no_broker.side_effect = OperationalError("Error 111 connecting to redis://:pw@r:6379")
    response = client.get(start_url(shop), HTTP_ACCEPT="*/*")

    assert response.status_code == 503
    assert "task broker is unavailable" in response.json()["error"]
    assert "pw@" not in response.content.decode()
    assert SyncRun.objects.get(shop=shop).state == "queued"


# -- who may run a full sync, and of which shops (issue 9, finding 6) -----------------------


def test_view_only_staff_neither_see_nor_can_press_run_full_sync_now(
    client, django_user_model, shop, _no_broker
):
    from tests.prestapicqer.conftest import staff_login

    viewer = staff_login(client, django_user_model, "view")
    page = viewer.get(reverse("admin:sync_syncrun_changelist"))
    assert page.status_code == 200 and b"Run full sync now" not in page.content
    assert viewer.post(reverse("admin:sync_syncrun_run_now", args=[shop.pk])).status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("switch", ["enabled", "stock_enabled"])
def test_run_full_sync_now_refuses_a_switched_off_shop(admin_client, shop, _no_broker, switch):
    setattr(shop, switch, False)
    shop.save()
    response = admin_client.post(reverse("admin:sync_syncrun_run_now", args=[shop.pk]), follow=True)
    assert "so no full stock sync was started" in response.content.decode()
    assert not SyncRun.objects.exists()
    _no_broker.assert_not_called()


def test_the_full_sync_url_refuses_a_switched_off_shop_in_words(client, shop, _no_broker):
    shop.enabled = False
    shop.save()
    response = client.get(start_url(shop))
    assert response.status_code == 409
    assert 'switched off ("Enabled" is not ticked)' in response.json()["error"]
    assert not SyncRun.objects.exists()
