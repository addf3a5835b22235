import pytest
from django.core.exceptions import ValidationError

from prestapicqer.models import PicqerAccount


def test_a_failed_validation_does_not_make_later_reads_return_ciphertext(account):
    account.api_key = "x" * 500  # longer than max_length: validation fails
    with pytest.raises(ValidationError):
        account.full_clean()

    reread = PicqerAccount.objects.get(pk=account.pk)
    assert reread.api_key == "picqer-test-key-123456"


def test_it_stores_ciphertext_not_the_key(account):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM prestapicqer_picqeraccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert "picqer-test-key-123456" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_every_secret_field_shares_keys_derived_once():
    from prestapicqer import fields
    from prestapicqer.models import PicqerAccount, Shop

    secret_fields = [
        PicqerAccount._meta.get_field("api_key"),
        PicqerAccount._meta.get_field("webhook_secret"),
        Shop._meta.get_field("webservice_key"),
        Shop._meta.get_field("full_sync_token"),
    ]
    for field in secret_fields:
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)
    fields._DERIVED_KEYS.clear()

    keys = [field.keys for field in secret_fields]

    assert len(fields._DERIVED_KEYS) == 1  # one PBKDF2 derivation, not one per field
    assert all(k is keys[0] for k in keys)
