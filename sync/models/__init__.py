"""State the engine keeps, one module per subject."""

from .activity import ActivityEntry, Heartbeat
from .alerts import Alert
from .catalogue import CatalogueReport, CatalogueReportRow, ProductImportItem, ProductImportRun
from .orders import OrderLink, OwnHistory, PollCursor
from .products import ProductIndex, ProductIndexEntry
from .reservations import PendingOrder, PendingOrderLine
from .stock import SyncRun, SyncRunItem

__all__ = [
    "ActivityEntry",
    "Alert",
    "CatalogueReport",
    "CatalogueReportRow",
    "Heartbeat",
    "OrderLink",
    "OwnHistory",
    "PendingOrder",
    "PendingOrderLine",
    "PollCursor",
    "ProductImportItem",
    "ProductImportRun",
    "ProductIndex",
    "ProductIndexEntry",
    "SyncRun",
    "SyncRunItem",
]
