"""The thin hook tasks: they call the service and map Picqer errors to retries."""

import pytest
from celery.exceptions import Retry

from sync.http.errors import ApiAuthError, ApiRateLimitedError
from sync.tasks import hooks as hook_tasks

pytestmark = pytest.mark.django_db


def test_it_retries_a_rate_limited_ensure_after_the_pause(account, monkeypatch):
    def limited(**kwargs):
        raise ApiRateLimitedError("Rate limit exceeded", retry_after=40, status=429)

    countdowns = []

    def retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        raise Retry()

    monkeypatch.setattr(hook_tasks, "hook_ensure", limited)
    monkeypatch.setattr(hook_tasks.hook_ensure_task, "retry", retry)
    with pytest.raises(Retry):
        hook_tasks.hook_ensure_task(account.pk, "orders")
    assert countdowns == [40]


def test_it_does_not_retry_a_refusal(account, monkeypatch):
    def refused(**kwargs):
        raise ApiAuthError("wrong API key", status=401)

    monkeypatch.setattr(hook_tasks, "hook_ensure", refused)
    monkeypatch.setattr(hook_tasks.hook_ensure_task, "retry", pytest.fail)
    with pytest.raises(ApiAuthError):
        hook_tasks.hook_ensure_task(account.pk, "orders")


def test_the_watchdog_task_returns_the_counts(monkeypatch):
    monkeypatch.setattr(hook_tasks, "hooks_watchdog", lambda: {"accounts": 0})
    assert hook_tasks.hooks_watchdog_task() == {"accounts": 0}
