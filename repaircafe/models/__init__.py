"""All tables, imported here so Alembic and the app see one complete metadata."""

from repaircafe.models.accounts import ROLES, ApiToken, Owner, User
from repaircafe.models.base import UTCDateTime, utc_now
from repaircafe.models.circularity import MATERIALS, RecyclingLine, RecyclingRecord
from repaircafe.models.events import EVENT_KINDS, ImpactRecord, LifecycleEvent, ScanLog
from repaircafe.models.evidence import Photo
from repaircafe.models.followups import FOLLOW_UP_STATUSES, FollowUp
from repaircafe.models.interop import SheetMapping
from repaircafe.models.labelling import LabelBatch
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
from repaircafe.models.rollup import ReportFlow, ReportRollup, ReportRollupState, ReportVisit

__all__ = [
    "ROLES",
    "EVENT_KINDS",
    "ApiToken",
    "Category",
    "FactorSet",
    "FOLLOW_UP_STATUSES",
    "FollowUp",
    "ImpactRecord",
    "Item",
    "LabelBatch",
    "LifecycleEvent",
    "MATERIALS",
    "Owner",
    "Part",
    "Photo",
    "PrinterProfile",
    "Recycler",
    "RecyclingBatch",
    "RecyclingLine",
    "RecyclingRecord",
    "RepairGroup",
    "RepairSession",
    "ReportFlow",
    "ReportRollup",
    "ReportRollupState",
    "ReportRun",
    "ReportSubscription",
    "ReportVisit",
    "ScanLog",
    "SheetMapping",
    "Site",
    "StockBin",
    "Tag",
    "Territory",
    "User",
    "UTCDateTime",
    "utc_now",
]
