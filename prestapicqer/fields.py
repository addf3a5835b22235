"""The encrypted field every stored credential uses."""

from typing import Any

from django.conf import settings
from django.utils.functional import cached_property
from encrypted_fields.fields import EncryptedCharField, EncryptedFieldMixin

# Derived keys by key material. The library derives them per field (PBKDF2, 100,000 rounds,
# ~35 ms each), although every field derives the same keys from the same settings.
_DERIVED_KEYS: dict[tuple, list[bytes]] = {}


class SecretField(EncryptedCharField):
    """`EncryptedCharField` whose validation cannot poison later reads, and whose keys are
    derived once per process rather than once per field.

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

    @cached_property
    def keys(self) -> list[bytes]:
        material = (settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
                    str(settings.SALT_KEY))
        if material not in _DERIVED_KEYS:
            _DERIVED_KEYS[material] = EncryptedFieldMixin.keys.func(self)
        return _DERIVED_KEYS[material]

