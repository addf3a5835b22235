"""The encrypted fields every stored credential uses."""

from typing import Any

from django.conf import settings
from django.db.models.query_utils import DeferredAttribute
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
        material = (
            settings.SECRET_KEY,
            tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
            str(settings.SALT_KEY),
        )
        if material not in _DERIVED_KEYS:
            _DERIVED_KEYS[material] = EncryptedFieldMixin.keys.func(self)
        return _DERIVED_KEYS[material]


class AddressBoundSecret(DeferredAttribute):
    """Reading the key gives None while its object points at an address the key was not
    saved for (`KeyBoundToAddress.key_is_for_address`).

    Every client, task and admin page reads the key through this attribute, so none of them
    can send it to an address edited in memory (a form being validated) or saved without it.
    A data descriptor (it defines __set__), so the check runs on every read; the value stays
    in the instance's __dict__, where Django's deferred-field bookkeeping expects it.
    """

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        # Historical models in migrations have no methods: they read the stored value.
        is_for_address = getattr(instance, "key_is_for_address", None)
        return value if is_for_address is None or is_for_address() else None

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class AddressBoundSecretField(SecretField):
    """The key of a `KeyBoundToAddress` model: only readable at the address it was saved for."""

    descriptor_class = AddressBoundSecret
