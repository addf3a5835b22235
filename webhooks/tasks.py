"""Celery tasks of the inbox: thin adapters over webhooks.processing."""

from celery import shared_task

from . import processing


@shared_task(bind=True, ignore_result=True, max_retries=None)
def webhook_event_process(self, event_id: int) -> None:
    """Process one stored event. The retry schedule lives on the row (`available_at`,
    `next_attempt_at`, `attempts`: it survives lost messages and sweeper re-publishes), so
    this task is not a sync.tasks.base.RetryingTask: it only republishes itself with the
    countdown the row recorded, and Celery's own retry counter is unbounded here."""
    countdown = processing.webhook_event_run(event_id=event_id)
    if countdown is not None:
        raise self.retry(countdown=countdown)


@shared_task(ignore_result=True)
def webhook_events_drain() -> int:
    """Process the inbox's pending events (woken by the receiver after each burst)."""
    return processing.webhook_events_drain()


@shared_task(ignore_result=True)
def webhook_events_sweep() -> dict[str, int]:
    """Re-publish lost events, release expired leases, purge old rows (beat, every minute)."""
    return processing.webhook_events_sweep()
