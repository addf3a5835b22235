"""Celery tasks of the sync engine, one module per subject. Tasks are thin adapters:
load by id, call one service, map errors to retries. Celery's autodiscovery imports this
package, so every module with tasks is imported here."""

from . import alerts, catalogue, heartbeat, hooks, orders, stock  # noqa: F401
