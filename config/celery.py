"""The Celery app. Tasks live in sync/tasks/ and webhooks/tasks.py (autodiscovered); the
settings and the beat schedule in celery_settings.py."""

import os

from celery import Celery

from sync.worker_liveness import WorkerLiveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("prestapicqer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker records its own sign of life, so /health knows a busy worker from a dead one.
app.steps["worker"].add(WorkerLiveness)
