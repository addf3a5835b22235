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
        cursor.execute("SELECT api_key FROM prestapicqer_picqeraccount WHERE id = %s",
                       [account.pk])
        stored = cursor.fetchone()[0]
    assert "picqer-test-key-123456" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
