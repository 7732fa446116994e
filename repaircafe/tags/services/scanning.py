"""The scan lookup: what a scanned, typed or camera-read code leads to, logged every time.

The scan page and the API's scans go through `scan`, so a scan means the same wherever it
came from: the code is resolved, a label on another group's record is answered as unknown
(the access policy's "not found, never forbidden"), and the log records the result the
scanner was given.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import OutOfScope
from repaircafe.domain.messages import N_
from repaircafe.models import Item, Part, ScanLog, StockBin
from repaircafe.tags.services import tags
from repaircafe.tags.services.tags import Resolution

# The access policy's own words for a record outside the actor's scope.
_OTHER_ITEM = N_("That object does not exist or belongs to another group.")
_OTHER_PART = N_("That part does not exist or belongs to another group.")
_OTHER_BIN = N_("That bin does not exist or belongs to another group.")

# How a code reached us; anything else a page sends is logged as typed.
CHANNELS = ("camera", "scanner", "typed", "public", "api")


def scan(
    session: Session,
    *,
    raw: str,
    actor: Actor,
    channel: str,
    now: datetime,
    key: str | None = None,
) -> Resolution:
    """Resolve a code and log the scan (who, when, what, result), unknown codes included.

    A label on a record outside the actor's scope resolves to "unknown", and is logged so.
    With a key, a retried request is logged once and answers what the first one answered.
    """
    access.require(actor, "view_items")
    resolution = within_scope(session, actor, tags.resolve(session, raw))
    tags.log_scan(session, raw=raw, resolution=resolution, user_id=actor.id,
                  channel=channel if channel in CHANNELS else "typed", now=now, key=key)
    return resolution


def within_scope(session: Session, actor: Actor, resolution: Resolution) -> Resolution:
    """The resolution as the actor may see it: another group's object, part or bin is unknown."""
    for model, record_id, hidden in ((Item, resolution.item_id, _OTHER_ITEM),
                                     (Part, resolution.part_id, _OTHER_PART),
                                     (StockBin, resolution.bin_id, _OTHER_BIN)):
        if record_id is not None and not access.can_read(session, actor, model, record_id):
            refusal = OutOfScope(hidden)
            return Resolution("unknown", resolution.code, refusal.message, refusal)
    return resolution


def recent_scans(session: Session, *, user_id: int, limit: int = 5) -> list[tuple[str, str]]:
    """The user's last few lookups (code or raw text, result), newest first."""
    rows = session.exec(
        select(ScanLog.code, ScanLog.raw, ScanLog.result)
        .where(ScanLog.user_id == user_id)
        .order_by(col(ScanLog.id).desc()).limit(limit)
    ).all()
    return [(code or raw, result) for code, raw, result in rows]
