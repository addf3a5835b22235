"""sync.jobs names tasks by string: each name must be a task the worker registers."""

from unittest import mock

from celery import current_app

import sync.tasks  # noqa: F401 - registers the tasks, as the worker's autodiscovery does
from sync import jobs
from sync.tasks.stock import stock_sync_full_task


def test_every_job_name_is_a_registered_task():
    names = [value for key, value in vars(jobs).items() if key.isupper()]
    assert len(names) == 7
    assert all(name in current_app.tasks for name in names)


def test_a_registered_task_is_published_through_its_own_apply_async():
    with mock.patch.object(stock_sync_full_task, "apply_async") as apply_async:
        jobs.job_publish(jobs.STOCK_SYNC_FULL, 5, countdown=30)
    apply_async.assert_called_once_with((5,), {}, countdown=30)


def test_an_unregistered_task_is_sent_by_name():
    with mock.patch.object(current_app, "send_task") as send_task:
        jobs.job_publish("sync.tasks.nowhere.gone_task", 5)
    assert send_task.call_args.args == ("sync.tasks.nowhere.gone_task", (5,), {})
