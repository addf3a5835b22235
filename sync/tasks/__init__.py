"""Celery tasks of the sync engine, one module per subject. Tasks are thin adapters: load by
id, call one service; the retrying ones share one policy (base.RetryingTask). Celery's
autodiscovery imports this package, so every module with tasks is imported here. Services
never import this package: they publish a task by its name (sync/jobs.py)."""

from . import alerts, catalogue, heartbeat, hooks, orders, stock  # noqa: F401
