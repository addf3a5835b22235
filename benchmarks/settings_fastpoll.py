"""Experiment settings for the webhooks benchmark (not used by the product).

The project's settings with kombu's file-system broker polled every 0.1 s instead of the
transport default of 1 s, to show how much of the embedded mode's processing lag is the
broker's polling interval. Only meaningful without REDIS_URL / CELERY_BROKER_URL.
"""

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "polling_interval": 0.1}
