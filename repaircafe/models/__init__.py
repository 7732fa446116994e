"""All tables, imported here so Alembic and the app see one complete metadata."""

from repaircafe.models.accounts import ROLES, ApiToken, Owner, User
from repaircafe.models.base import UTCDateTime, utc_now
from repaircafe.models.events import EVENT_KINDS, ImpactRecord, LifecycleEvent, ScanLog
from repaircafe.models.objects import Item, Part, StockBin, Tag
from repaircafe.models.organisation import Category, RepairGroup, RepairSession, Site, Territory
from repaircafe.models.reporting import (
    FactorSet,
    PrinterProfile,
    Recycler,
    RecyclingBatch,
    ReportRun,
    ReportSubscription,
)

__all__ = [
    "ROLES",
    "EVENT_KINDS",
    "ApiToken",
    "Category",
    "FactorSet",
    "ImpactRecord",
    "Item",
    "LifecycleEvent",
    "Owner",
    "Part",
    "PrinterProfile",
    "Recycler",
    "RecyclingBatch",
    "RepairGroup",
    "RepairSession",
    "ReportRun",
    "ReportSubscription",
    "ScanLog",
    "Site",
    "StockBin",
    "Tag",
    "Territory",
    "User",
    "UTCDateTime",
    "utc_now",
]
