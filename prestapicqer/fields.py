"""The encrypted field every stored credential uses."""

from typing import Any

from encrypted_fields.fields import EncryptedCharField


class SecretField(EncryptedCharField):
    """`EncryptedCharField` whose validation cannot poison later reads.

    django-fernet-encrypted-fields 0.4.0 sets a "skip decryption" flag on the (shared) field
    during `clean()` and only removes it when validation passes: after one failed validation
    every later read in the process returned ciphertext, which would then be sent as the API
    key. Clearing the flag in `finally` keeps a failed form from breaking the engine.
    """

    def clean(self, value: Any, model_instance: Any) -> Any:
        try:
            return super().clean(value, model_instance)
        finally:
            self.__dict__.pop("_already_decrypted", None)
