"""State the engine keeps, one module per subject."""

from .activity import ActivityEntry, Heartbeat
from .orders import OrderLink, PollCursor
from .stock import SyncRun

__all__ = ["ActivityEntry", "Heartbeat", "OrderLink", "PollCursor", "SyncRun"]
