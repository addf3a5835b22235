"""Showing secrets without revealing them (docs/sources.md#design-secrets-write-only)."""

from collections.abc import Iterable

MASK = "••••"
# Below this length the last four characters would give away too much of the secret.
_MIN_LEN_FOR_HINT = 12


def secret_mask(*, value: str | None) -> str:
    """Return "•••• 1234" for a stored secret, "••••" for a short one, "" when none is set."""
    if not value:
        return ""
    if len(value) < _MIN_LEN_FOR_HINT:
        return MASK
    return f"{MASK} {value[-4:]}"


def secrets_scrub(*, text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of the given secrets in `text` by their mask.

    A last line of defence for messages built from remote answers or exception text, which
    end up in admin pages and logs.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, secret_mask(value=secret) or MASK)
    return text
