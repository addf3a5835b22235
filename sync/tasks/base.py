"""The one retry policy of the sync tasks: Celery's own autoretry, made visible.

A task built on `RetryingTask` is retried by Celery when it raises a RetryableError
(`autoretry_for`), after Celery's exponential backoff with full jitter (`retry_backoff`,
`retry_backoff_max`, `retry_jitter`), at most `max_retries` times. Celery's autoretry
draws the countdown (celery.utils.time.get_exponential_backoff_interval) and hands it to
`Task.retry`; this class's `retry` adds three things there, so what it records is the
countdown Celery schedules:

- an error that knows its wait (`retry_after`: a 429's Retry-After, a busy order) waits at
  least that long, and no retry comes sooner than RETRY_MIN_SECONDS;
- `retry_wait` records the retry on its waiting record before Celery schedules it (the
  reason, the next attempt time, the attempt count, one activity-log warning);
- when no retry is left, `give_up` records the final reason and the task ends quietly
  (Celery's Ignore: the failure is on its record and in the activity log, not a traceback).

A permanent ApiError (a refusal: retrying cannot fix it) that reaches the task goes to
`give_up` at once. Both hooks are keyword arguments of the task decorator; they get the
error and the task's own arguments by name:

    retry_wait(exc, *, countdown, attempt, max_attempts, **task_arguments)
    give_up(exc, *, attempts, **task_arguments) -> the task's result

The webhook inbox does not use this: its rows carry their own schedule (webhooks.processing).
"""

import inspect
from typing import Any

from celery import Task
from celery.exceptions import Ignore

from sync.backoff import BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS
from sync.http.errors import ApiError, RetryableError

MAX_RETRIES = 8
# A write whose answer was lost (a timeout, PrestaShop's 500 after saving) has landed by then,
# so the retry's re-read sees it (a Picqer order created by a timed-out POST is found by its
# reference instead of being created twice).
RETRY_MIN_SECONDS = 10


class RetryingTask(Task):
    autoretry_for = (RetryableError,)
    max_retries = MAX_RETRIES
    retry_backoff = BACKOFF_BASE_SECONDS
    retry_backoff_max = BACKOFF_MAX_SECONDS
    retry_jitter = True
    retry_wait = None
    give_up = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ApiError as exc:
            # A retryable error leaves here only when the task was called directly (no retry
            # possible there): it is raised as it is.
            if isinstance(exc, RetryableError) or self._hook("give_up") is None:
                raise
            return self._hook("give_up")(
                exc, attempts=self.request.retries + 1, **self._arguments(args, kwargs)
            )

    def retry(
        self,
        args=None,
        kwargs=None,
        exc=None,
        throw=True,
        eta=None,
        countdown=None,
        max_retries=None,
        **options,
    ):
        if isinstance(exc, RetryableError) and eta is None:
            countdown = max(countdown or 0, exc.retry_after or 0, RETRY_MIN_SECONDS)
            countdown = min(countdown, self.retry_backoff_max)
            attempt = self.request.retries + 1  # this try, counted from 1
            arguments = self._arguments(self.request.args or (), self.request.kwargs or {})
            if self.request.retries >= self.max_retries:
                if self._hook("give_up") is not None:
                    self._hook("give_up")(exc, attempts=attempt, **arguments)
                    raise Ignore()
            elif self._hook("retry_wait") is not None:
                self._hook("retry_wait")(
                    exc,
                    countdown=countdown,
                    attempt=attempt,
                    max_attempts=self.max_retries + 1,
                    **arguments,
                )
        return super().retry(
            args=args,
            kwargs=kwargs,
            exc=exc,
            throw=throw,
            eta=eta,
            countdown=countdown,
            max_retries=max_retries,
            **options,
        )

    def _hook(self, name: str):
        # Read off the class: a plain function stored there is not bound to the task.
        return getattr(type(self), name)

    def _arguments(self, args, kwargs) -> dict[str, Any]:
        """The task's arguments by name (its messages carry them positionally)."""
        return dict(inspect.signature(self.run).bind(*args, **kwargs).arguments)
