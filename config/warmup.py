"""Warm a web process up before its first request (gunicorn's post_worker_init hook).

A fresh process paid ~270 ms on its first webhook: importing the Redis client (~110 ms),
deriving the field-encryption keys (PBKDF2, 100,000 rounds, ~35 ms), finalizing the Celery
app (~35 ms), importing the inbox code, and opening the database, cache and broker
connections. Under Picqer's
steady stream every delivery queued behind that one, which alone broke the p99 target
after each deploy (docs/benchmarks.md, Webhooks). Paying it at boot costs nothing.

Each step is best effort: a service that is down at boot is logged and left to the first
request, which reports it properly (a 503 the sender retries).
"""

import logging
from collections.abc import Callable

logger = logging.getLogger("config.warmup")


def web_process_warm() -> None:
    """Run every warm-up step; never raises."""
    for name, step in (
        ("code", _code_load),
        ("cache", _cache_warm),
        ("encryption keys", _encryption_keys_derive),
        ("database", _database_connect),
        ("broker", _broker_connect),
    ):
        _best_effort(name, step)


def _best_effort(name: str, step: Callable[[], object]) -> None:
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - a warm-up must never stop the process
        # The class name only: connection errors can embed URLs with passwords.
        logger.warning("warmup.skipped step=%s error=%s", name, type(exc).__name__)


def _code_load() -> None:
    from django.urls import get_resolver

    # Registers the inbox tasks: the receiver publishes them by name (webhooks/receiver.py),
    # which takes the task's own apply_async once it is registered.
    import webhooks.tasks  # noqa: F401

    get_resolver().url_patterns  # noqa: B018 - imports every view module


def _cache_warm() -> None:
    from django.core.cache import cache

    cache.get("warmup")  # imports the backend and opens its connection


def _encryption_keys_derive() -> None:
    from django.apps import apps
    from encrypted_fields.fields import EncryptedFieldMixin

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedFieldMixin):
                field.keys  # noqa: B018 - a cached_property: derived once per process


def _database_connect() -> None:
    from prestapicqer.models import PicqerAccount
    from webhooks.models import WebhookEvent

    # Connects, and loads the server's catalog entries of the receiver's two tables.
    PicqerAccount.objects.filter(pk=0).exists()
    WebhookEvent.objects.filter(pk=0).exists()


def _broker_connect() -> None:
    from config.celery import app

    app.finalize(auto=True)
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1)
        producer.connection.default_channel  # noqa: B018 - opens the channel publishing uses
