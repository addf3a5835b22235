"""The Picqer hook watchdog, run by beat every 10 minutes (config/celery_settings.py)."""

from celery import shared_task

from sync.services.hooks import hooks_watchdog


@shared_task(ignore_result=True)
def hooks_watchdog_task() -> dict[str, int]:
    """Reactivate deactivated Picqer hooks of every active account."""
    return hooks_watchdog()
