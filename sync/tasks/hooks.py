"""Picqer webhook management tasks: the watchdog (beat) and "create the webhook" (admin)."""

from celery import shared_task

from prestapicqer.models import PicqerAccount
from sync.http.errors import ApiError
from sync.services.hooks import hook_ensure, hooks_watchdog


@shared_task(ignore_result=True)
def hooks_watchdog_task() -> dict[str, int]:
    """Reactivate deactivated Picqer hooks of every active account."""
    return hooks_watchdog()


@shared_task(bind=True, ignore_result=True, max_retries=5)
def hook_ensure_task(self, account_id: int, kind: str) -> None:
    """Create or reactivate one hook; retry what Picqer may accept later (429, 5xx, network).
    Creating is safe to repeat: a second create is adopted via "Hook already exists"."""
    account = PicqerAccount.objects.get(pk=account_id)
    try:
        hook_ensure(account=account, kind=kind)
    except ApiError as exc:
        if not exc.retryable:
            raise  # already in the activity log; retrying cannot fix a 4xx
        countdown = getattr(exc, "retry_after", None) or 30 * 2**self.request.retries
        raise self.retry(countdown=countdown, exc=exc) from None
