"""State the engine keeps, one module per subject."""

from .activity import ActivityEntry, Heartbeat
from .alerts import Alert
from .orders import OrderLink, OwnHistory, PollCursor
from .stock import OrderStatusState, SyncRun

__all__ = [
    "ActivityEntry",
    "Alert",
    "Heartbeat",
    "OrderLink",
    "OrderStatusState",
    "OwnHistory",
    "PollCursor",
    "SyncRun",
]
