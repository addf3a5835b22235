"""The thin hook watchdog task: it calls the service and returns its counts."""

from sync.tasks import hooks as hook_tasks


def test_the_watchdog_task_returns_the_counts(monkeypatch):
    monkeypatch.setattr(hook_tasks, "hooks_watchdog", lambda: {"accounts": 0})
    assert hook_tasks.hooks_watchdog_task() == {"accounts": 0}
