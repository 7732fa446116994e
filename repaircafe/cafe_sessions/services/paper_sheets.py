"""Objects of a past session typed in from its paper sheet: one row per object.

Each row is an intake and a repair attempt dated on the session's day, recorded through the
same services as at the door and the bench, so impact, the rollup and the history come out as
if the tablets had been there. Rows stand alone: a refused row is reported beside itself and
the others are saved. Every row carries its own request key, so sending the sheet again
(a double tap, a retry after fixing one row) records nothing twice.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from sqlmodel import Session

from repaircafe.cafe_sessions.services.schedule import WRITE
from repaircafe.core import access
from repaircafe.domain import lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import OutOfScope, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import RepairSession
from repaircafe.objects.services import intake, repairs
from repaircafe.tags.services import tags as tag_service

MAX_ROWS = 60
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class SheetRow:
    """One line of the paper sheet, as typed."""

    key: str = ""
    category: str = ""
    brand: str = ""
    model: str = ""
    problem: str = ""
    weight: str = ""
    outcome: str = ""
    barrier: str = ""
    tag_code: str = ""

    @property
    def is_blank(self) -> bool:
        return not any(v.strip() for v in (self.category, self.brand, self.model, self.problem,
                                           self.weight, self.outcome, self.barrier,
                                           self.tag_code))


@dataclass(frozen=True)
class RowResult:
    """What became of one row: saved (with the object's label code) or refused (with why)."""

    row: SheetRow
    item_id: int | None = None
    code: str | None = None
    refusal: Refused | None = None

    @property
    def saved(self) -> bool:
        return self.item_id is not None


def row_key(text: str) -> str:
    """The row's request key as the form sent it, or a fresh one if it is missing or odd."""
    return text if _KEY.fullmatch(text or "") else uuid.uuid4().hex


def held_at(repair_session: RepairSession) -> datetime:
    """When the session's objects are recorded as received: its opening time, else midday."""
    return datetime.combine(repair_session.held_on, repair_session.opens_at or time(12),
                            tzinfo=UTC)


def check_row(row: SheetRow) -> None:
    """Refuse a row the services would refuse half-way, before anything is written."""
    intake.check_described(row.category.strip() or None, row.brand, row.model, row.problem)
    if row.outcome not in lifecycle.OUTCOMES:
        raise Refused("Choose an outcome: Fixed, Repairable, End of life or Unknown.")
    barrier = values.parse_barrier(row.barrier)
    if barrier is None and row.outcome == "end_of_life":
        raise Refused("Choose the barrier that made it end of life.")
    if barrier is not None and row.outcome != "end_of_life":
        raise Refused("A barrier can only be given when the outcome is End of life.")
    if barrier is not None and barrier not in lifecycle.BARRIERS:
        raise Refused("“%(text)s” is not a barrier code.", text=row.barrier.strip())
    values.parse_weight(row.weight)
    values.clean_text(row.brand, limit=120, field=N_("Brand"))
    values.clean_text(row.model, limit=120, field=N_("Model"))
    values.clean_text(row.problem, limit=2000, field=N_("Problem"))


def enter_objects(session: Session, *, repair_session_id: int, rows: list[SheetRow],
                  actor: Actor, now: datetime, today: date) -> list[RowResult]:
    """Record each non-blank row as an object received and tried at the session's day."""
    access.require(actor, WRITE)
    found = access.load(session, RepairSession, repair_session_id, actor, write=True)
    if found.held_on > today:
        raise Refused("This session has not taken place yet: enter its objects on the day or "
                      "after it.")
    if len(rows) > MAX_ROWS:
        raise Refused("At most %(limit)d rows at a time.", limit=MAX_ROWS)
    when = held_at(found)
    session.rollback()  # the services below write in their own transactions
    results = []
    for row in rows:
        row = replace(row, key=row_key(row.key))
        if row.is_blank:
            results.append(RowResult(row))
            continue
        try:
            results.append(_enter(session, found.id or 0, row, actor=actor, now=now, when=when))
        except OutOfScope:
            raise
        except Refused as refusal:
            session.rollback()
            results.append(RowResult(row, refusal=refusal))
    return results


def _enter(session: Session, repair_session_id: int, row: SheetRow, *, actor: Actor,
           now: datetime, when: datetime) -> RowResult:
    check_row(row)
    item = intake.register_item(
        session, repair_session_id=repair_session_id, category=row.category.strip() or None,
        brand=row.brand, model=row.model, problem=row.problem, weight=row.weight,
        tag_code=row.tag_code.strip() or None, actor=actor, now=now, key=f"{row.key}:in",
        occurred_at=when, require_description=True)
    repairs.record_repair_attempt(
        session, item_id=item.id or 0, outcome=row.outcome, barrier=row.barrier or None,
        actor=actor, now=now, key=f"{row.key}:out", occurred_at=when, require_barrier=True)
    tag = tag_service.current_tag(session, item_id=item.id)
    return RowResult(row, item.id, tag.code if tag else None)
