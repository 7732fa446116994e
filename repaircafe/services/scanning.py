"""The scan lookup: what a scanned, typed or camera-read code leads to, logged every time.

This is the hottest path volunteers hit, so it runs on the driver's connection (no ORM
session): one read of the tag and one insert into the scan log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from repaircafe.db import DriverStatement, driver_connection
from repaircafe.models import ScanLog, Tag
from repaircafe.services.tags import Resolution, describe, parse_scanned

CHANNELS = ("camera", "scanner", "typed", "public")

_TAG = Tag.__table__  # type: ignore[attr-defined]
_SCAN_LOG = ScanLog.__table__  # type: ignore[attr-defined]
_BY_CODE = DriverStatement(
    select(_TAG.c.id, _TAG.c.status, _TAG.c.item_id, _TAG.c.part_id, _TAG.c.bin_id)
    .where(_TAG.c.code == bindparam("code")))
_LOG_SCAN = DriverStatement(insert(_SCAN_LOG).values(
    {column: bindparam(column) for column in
     ("raw", "code", "result", "tag_id", "user_id", "channel", "scanned_at")}))


def lookup(
    engine: Engine, *, text: str, user_id: int | None, channel: str, now: datetime
) -> Resolution:
    """Resolve a code and log the scan (who, when, what, result), unknown codes included.

    The log row is written by a single-statement transaction of its own: on SQLite the write
    lock (one for the whole database) is held for that insert alone, so two tablets scanning
    at once rarely wait for each other; on PostgreSQL the commit does not wait for the disk.
    A log row lost in a server crash costs nothing; waiting for it on every scan would cost
    the volunteer.
    """
    parsed = parse_scanned(text)
    with driver_connection(engine) as connection:
        if isinstance(parsed, Resolution):
            resolution = parsed
        else:
            rows = connection.rows(_BY_CODE, {"code": parsed})
            resolution = describe(parsed, rows[0] if rows else None)
        connection.execute_unsynced(_LOG_SCAN, {
            "raw": text[:300], "code": resolution.code, "result": resolution.result,
            "tag_id": resolution.tag_id, "user_id": user_id,
            "channel": channel if channel in CHANNELS else "typed", "scanned_at": now,
        })
    return resolution


def recent_scans(session: Session, *, user_id: int, limit: int = 5) -> list[tuple[str, str]]:
    """The user's last few lookups (code or raw text, result), newest first."""
    rows = session.connection().execute(
        select(_SCAN_LOG.c.code, _SCAN_LOG.c.raw, _SCAN_LOG.c.result)
        .where(_SCAN_LOG.c.user_id == user_id)
        .order_by(_SCAN_LOG.c.id.desc()).limit(limit)
    ).all()
    return [(code or raw, result) for code, raw, result in rows]
