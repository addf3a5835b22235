"""Error reports to Sentry when SENTRY_DSN is set, with the same scrubbing as alert mails.

Reports carry no local variables (a frame may hold a decrypted key), no request bodies or
cookies, and every string left passes `credentials_scrub`.
"""

from typing import Any

from sync.scrub import credentials_scrub


def sentry_event_scrub(event: Any, hint: Any = None, *, secrets: tuple[str, ...] = ()) -> Any:
    """`before_send`: the event with every string scrubbed (nested dicts and lists too)."""
    if isinstance(event, str):
        return credentials_scrub(event, secrets=secrets)
    if isinstance(event, dict):
        return {key: sentry_event_scrub(value, secrets=secrets) for key, value in event.items()}
    if isinstance(event, list | tuple):
        return [sentry_event_scrub(value, secrets=secrets) for value in event]
    return event


def sentry_init(*, dsn: str, secrets: tuple[str, ...]) -> None:
    """Start the SDK for Django and Celery. `secrets`: values known at settings time
    (SECRET_KEY, FIELD_ENCRYPTION_KEY) that must never leave the process."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=lambda event, hint: sentry_event_scrub(event, hint, secrets=secrets),
        before_send_transaction=lambda event, hint: sentry_event_scrub(
            event, hint, secrets=secrets
        ),
    )
