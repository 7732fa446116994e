"""The scan lookup: what a scanned, typed or camera-read code leads to, logged every time.

This is the hottest path volunteers hit, so it reads the tag with one Core query (no ORM
objects) and writes the scan log row with one Core insert.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from repaircafe.domain import codes
from repaircafe.domain.errors import CheckCharacterError, CodeError, NotFound
from repaircafe.models import ScanLog, Tag
from repaircafe.services.tags import Resolution
from repaircafe.services.transactions import write_transaction

CHANNELS = ("camera", "scanner", "typed", "public")

_TAG = Tag.__table__  # type: ignore[attr-defined]
_SCAN_LOG = ScanLog.__table__  # type: ignore[attr-defined]
_BY_CODE = select(_TAG.c.id, _TAG.c.status, _TAG.c.item_id, _TAG.c.part_id,
                  _TAG.c.bin_id).where(_TAG.c.code == bindparam("code"))
_LOG_SCAN = insert(_SCAN_LOG).values(
    {column: bindparam(column) for column in
     ("raw", "code", "result", "tag_id", "user_id", "channel", "scanned_at")})


def resolve(session: Session, text: str) -> Resolution:
    """Read a label URL or a bare code (any case, hyphens or not) and say what it points at.

    A wrong check character is reported as a typo, a well-formed code we never issued as
    unknown: the two need different advice at the table.
    """
    try:
        code = codes.parse(text)
    except CheckCharacterError as exc:
        return Resolution("typo", codes.normalise(codes.extract(text))[:16], exc.message, exc)
    except CodeError as exc:
        return Resolution("invalid", None, exc.message, exc)
    row = session.connection().execute(_BY_CODE, {"code": code}).first()
    if row is None:
        problem = NotFound("Label %(code)s was never issued by this system.",
                           code=codes.display(code))
        return Resolution("unknown", code, problem.message, problem)
    tag_id, status, item_id, part_id, bin_id = row
    common = dict(code=code, tag_id=tag_id, item_id=item_id, part_id=part_id, bin_id=bin_id)
    if status == "issued":
        return Resolution("blank", message="This label is not attached to anything yet.",
                          **common)
    if status == "retired":
        return Resolution("retired", message="This label was replaced by a new one.", **common)
    kind = "item" if item_id else "part" if part_id else "bin"
    return Resolution(kind, **common)


def lookup(
    session: Session, *, text: str, user_id: int | None, channel: str, now: datetime
) -> Resolution:
    """Resolve a code and log the scan (who, when, what, result), unknown codes included.

    The tag is read inside the logging transaction: one transaction per scan, not two.
    """
    with write_transaction(session):
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # A log row lost in a server crash costs nothing; waiting for its fsync on every
            # scan would cost the volunteer (and the whole lookup's throughput).
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        resolution = resolve(session, text)
        connection.execute(_LOG_SCAN, {
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
