"""Writing to the activity log: the one function every service uses. How the admin reads
it back in plain words is sync/mappers/activity.py."""

import logging

from .models import ActivityEntry

logger = logging.getLogger("prestapicqer.activity")

_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def activity_log(*, action: str, message: str, level: str = "info", **fields) -> ActivityEntry:
    """Record an action or error (also to the process log). `fields` are ActivityEntry columns:
    account, shop, ps_order_id, ps_reference, picqer_orderid, product_reference, details."""
    entry = ActivityEntry.objects.create(action=action, message=message, level=level, **fields)
    logger.log(_LOG_LEVELS.get(level, logging.INFO), "%s: %s", action, message)
    return entry
