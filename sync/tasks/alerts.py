"""The alerts evaluation, run by beat every minute (config/alert_settings.py)."""

from celery import shared_task

from sync.services.alerts import alerts_evaluate


@shared_task(ignore_result=True)
def alerts_evaluate_task() -> dict[str, int]:
    return alerts_evaluate()
