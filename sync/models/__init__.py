"""State the engine keeps, one module per subject."""

from .activity import ActivityEntry, Heartbeat
from .orders import OrderLink, OwnHistory, PollCursor
from .products import ProductIndex, ProductIndexEntry
from .stock import OrderStatusState, SyncRun

__all__ = [
    "ActivityEntry",
    "Heartbeat",
    "OrderLink",
    "OrderStatusState",
    "OwnHistory",
    "PollCursor",
    "ProductIndex",
    "ProductIndexEntry",
    "SyncRun",
]
