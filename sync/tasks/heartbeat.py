"""The worker proves it is alive by running this task; beat proves it by scheduling it."""

from celery import shared_task

from sync.health import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat_worker() -> None:
    heartbeat_record(name="worker")
