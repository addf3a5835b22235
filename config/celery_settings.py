"""Celery configuration (docs/sources.md#design-celery-settings). Imported into settings."""

from pathlib import Path

from .env import VAR_DIR, env

_REDIS_URL = env.str("REDIS_URL", default="")
_BROKER_DIR = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))

if env.str("CELERY_BROKER_URL", default=""):
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
elif _REDIS_URL:
    CELERY_BROKER_URL = _REDIS_URL
else:
    # Server-less default: kombu's file-system transport, made safe for several producers
    # (config/filesystem_broker.py). Real worker processes, no Redis needed; fine for one
    # machine, not for scaling out.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "config.filesystem_broker:Transport"
    for _sub in ("queue", "processed", "control"):
        (_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
        # kombu's default is 1 s between polls of an empty queue: a webhook would wait up to
        # a second for the worker. 0.1 s costs little on one machine.
        "polling_interval": 0.1,
    }

CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang on a dead broker (celery#4296): fail fast, the
# sweeper publishes what was stored.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The beat scheduler also records its own heartbeat (sync.beat.HeartbeatScheduler).
CELERY_BEAT_SCHEDULER = "sync.beat:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "heartbeat-worker": {"task": "sync.tasks.heartbeat.heartbeat_worker", "schedule": 10.0},
    "webhook-events-sweep": {"task": "webhooks.tasks.webhook_events_sweep", "schedule": 60.0},
    "stock-sync-sweep": {"task": "sync.tasks.stock.stock_sync_sweep_task", "schedule": 60.0},
    "product-import-sweep": {
        "task": "sync.tasks.catalogue.product_import_sweep_task",
        "schedule": 60.0,
    },
    "orders-poll-due": {"task": "sync.tasks.orders.orders_poll_due_task", "schedule": 5.0},
    "order-leases-sweep": {
        "task": "sync.tasks.orders.order_leases_expired_sweep_task",
        "schedule": 60.0,
    },
    "orders-reconcile": {"task": "sync.tasks.orders.orders_reconcile_task", "schedule": 600.0},
    "hooks-watchdog": {"task": "sync.tasks.hooks.hooks_watchdog_task", "schedule": 600.0},
}
