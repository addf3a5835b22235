"""The receiver's per-process account cache: cheap on the hot path, never wrong for long."""

import pytest

from prestapicqer.models import PicqerAccount
from webhooks import receiver
from webhooks.models import WebhookEvent

from .conftest import fixture_body, sign

pytestmark = pytest.mark.django_db

ORDER = "orders.status_changed__completed"


@pytest.fixture(autouse=True)
def empty_cache():
    receiver.webhook_accounts_forget()
    yield
    receiver.webhook_accounts_forget()


def test_a_known_account_is_read_once_then_served_from_the_cache(account):
    first = receiver.webhook_account_get(account.webhook_key)
    PicqerAccount.objects.filter(pk=account.pk).update(name="renamed")  # no signal: cache kept

    again = receiver.webhook_account_get(account.webhook_key)

    assert (first.pk, first.webhook_secret, first.cached) == (account.pk, "hook-secret-abc", False)
    assert (again.pk, again.webhook_secret, again.cached) == (account.pk, "hook-secret-abc", True)


def test_the_second_delivery_costs_one_insert_and_no_account_read(
    deliver, woken, django_assert_num_queries
):
    deliver(fixture_body(ORDER))
    body = fixture_body("picklists.shipments.created__single")

    # In the test transaction the insert sits in a savepoint: SAVEPOINT, INSERT, RELEASE.
    with django_assert_num_queries(3) as captured:
        assert deliver(body).status_code == 200

    assert [q["sql"].split()[0] for q in captured.captured_queries] == [
        "SAVEPOINT",
        "INSERT",
        "RELEASE",
    ]


def test_a_secret_rotated_in_another_process_works_at_once(deliver, account, woken):
    deliver(fixture_body(ORDER))  # caches the old secret
    # Another process rotated it: this one got no signal.
    PicqerAccount.objects.filter(pk=account.pk).update(
        webhook_secret=PicqerAccount._meta.get_field("webhook_secret").get_prep_value(
            "rotated-secret-xyz"
        )
    )
    body = fixture_body("picklists.shipments.created__single")

    response = deliver(body, signature=sign(body, "rotated-secret-xyz"))

    assert response.status_code == 200
    assert receiver.webhook_account_get(account.webhook_key).webhook_secret == "rotated-secret-xyz"


def test_a_saved_account_is_forgotten_in_this_process(account):
    receiver.webhook_account_get(account.webhook_key)
    account.webhook_secret = "new-secret-from-the-admin"
    account.save()

    assert receiver.webhook_account_get(account.webhook_key).cached is False


def test_unknown_keys_are_not_cached(db):
    import uuid

    key = uuid.uuid4()
    assert receiver.webhook_account_get(key) is None
    assert key not in receiver._cache


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_elsewhere_is_refused_not_counted_as_duplicate(
    client, account, woken, caplog
):
    receiver.webhook_account_get(account.webhook_key)
    # Deleted by another process (this one got no signal); keep the cached entry.
    cached = dict(receiver._cache)
    account.shops.all().delete()
    PicqerAccount.objects.filter(pk=account.pk).delete()
    receiver._cache.update(cached)
    body = fixture_body(ORDER)

    response = client.post(
        f"/webhooks/picqer/{account.webhook_key}/",
        data=body,
        content_type="application/json",
        HTTP_X_PICQER_SIGNATURE=sign(body),
    )

    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0
    assert receiver._cache == {}
    assert "webhooks.picqer.unknown_account" in caplog.text


def test_a_forged_delivery_is_judged_by_the_stored_secret_then_refused(
    deliver, account, woken, caplog, django_assert_num_queries
):
    deliver(fixture_body(ORDER))  # caches the account
    body = fixture_body("picklists.shipments.created__single")

    with django_assert_num_queries(1):  # the fresh read of the account, no write
        response = deliver(body, signature=sign(body, "not-the-secret"))

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 1
    assert f"webhooks.picqer.invalid_signature account={account.pk}" in caplog.text


def test_the_secret_never_shows_in_a_repr(account):
    assert "hook-secret-abc" not in repr(receiver.webhook_account_get(account.webhook_key))
