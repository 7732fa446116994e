"""What the JSON API reads and writes, always within the token owner's role and scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

import reports
from repaircafe.core import access
from repaircafe.domain.actors import Actor
from repaircafe.domain.periods import Period
from repaircafe.models import (
    ImpactRecord,
    Item,
    LifecycleEvent,
    Part,
    RepairSession,
    Site,
    utc_now,
)
from repaircafe.objects.services import corrections, intake, repairs
from repaircafe.reporting.services import dashboard
from repaircafe.reporting.services.impact import CENTRAL_SET
from repaircafe.tags.services import scanning
from repaircafe.tags.services import tags as tag_service


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    total: int


def sessions(session: Session, *, actor: Actor, start: date | None, end: date | None,
             limit: int, offset: int) -> Page:
    """Café sessions at sites the actor may see, newest first."""
    access.require(actor, "view_items")
    stmt = (select(RepairSession, Site).join(Site, col(Site.id) == RepairSession.site_id)
            .where(access.scope_filter(actor, RepairSession)))
    if start:
        stmt = stmt.where(col(RepairSession.held_on) >= start)
    if end:
        stmt = stmt.where(col(RepairSession.held_on) <= end)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(RepairSession.held_on).desc(),
                                      col(RepairSession.id).desc())
                        .limit(limit).offset(offset)).all()
    return Page(rows, total)


def parts(session: Session, *, actor: Actor, state: str | None, limit: int,
          offset: int) -> Page:
    """Harvested parts the actor may see, newest first."""
    access.require(actor, "view_items")
    stmt = select(Part).where(access.scope_filter(actor, Part))
    if state:
        stmt = stmt.where(Part.state == state)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Part.id).desc()).limit(limit).offset(offset)).all()
    return Page(rows, total)


def _within(stmt: Any, start: date | None, end: date | None) -> Any:
    """Events on the days from `start` to `end` included (either may be open)."""
    if start:
        stmt = stmt.where(col(LifecycleEvent.occurred_at) >= datetime.combine(start, time(), UTC))
    if end:
        after = datetime.combine(end, time(), UTC) + timedelta(days=1)
        stmt = stmt.where(col(LifecycleEvent.occurred_at) < after)
    return stmt


def outcome_counts(session: Session, *, actor: Actor, start: date | None,
                   end: date | None) -> dict[str, int]:
    """Repair attempts by outcome within scope and dates (as recorded, before corrections)."""
    access.require(actor, "view_items")
    outcome = LifecycleEvent.payload["outcome"].as_string()
    attempts = _within(
        select(outcome.label("outcome")).join(Item, col(Item.id) == LifecycleEvent.item_id)
        .where(LifecycleEvent.kind == "repair_attempted", access.scope_filter(actor, Item)),
        start, end).subquery()
    counted = select(attempts.c.outcome, func.count()).group_by(attempts.c.outcome)
    return {k or "unknown": n for k, n in session.exec(counted).all()}


@dataclass(frozen=True)
class Totals:
    objects: int
    by_outcome: dict[str, int]  # repair attempts, by their outcome
    co2e_avoided_kg: float
    waste_prevented_kg: float
    factor_set: str
    # The one success rate (fixed objects / objects with a known outcome), read as the reports
    # and dashboards read it; None for a token whose account has no scope.
    success: reports.SuccessRate | None = None

    @property
    def repair_attempts(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def fixed(self) -> int:
        return self.by_outcome.get("fixed", 0)

    @property
    def success_rate(self) -> float | None:
        return self.success.rate if self.success is not None else None

    @property
    def outcome_known_share(self) -> float | None:
        return self.success.known_share if self.success is not None else None


def totals(session: Session, *, actor: Actor, start: date | None, end: date | None) -> Totals:
    """Objects, attempts by outcome and stored savings within the actor's scope.

    Each saving is stored once per factor set (central, conservative, ...): the totals add
    up the central set's records only, for the events on the requested days.
    """
    scope = access.scope_filter(actor, Item)
    objects = session.exec(select(func.count()).select_from(Item).where(scope)).one()
    co2e, waste = session.exec(_within(
        select(func.coalesce(func.sum(ImpactRecord.co2e_avoided_kg), 0.0),
               func.coalesce(func.sum(ImpactRecord.waste_prevented_kg), 0.0))
        .join(Item, col(Item.id) == ImpactRecord.item_id)
        .join(LifecycleEvent, col(LifecycleEvent.id) == ImpactRecord.event_id)
        .where(col(ImpactRecord.is_void).is_(False), ImpactRecord.factor_set == CENTRAL_SET,
               scope), start, end)
    ).one()
    period = None
    if start or end:
        period = Period("range", start or date.min, end or utc_now().date())
    figures = dashboard.figures(session, actor=actor, period=period)
    return Totals(objects, outcome_counts(session, actor=actor, start=start, end=end),
                  float(co2e), float(waste), CENTRAL_SET,
                  figures.success if figures is not None else None)


def register_item(session: Session, *, repair_session_id: int, actor: Actor, now: datetime,
                  key: str, **fields: Any) -> Item:
    """Intake through the API: only into a session at one of the actor's sites."""
    access.require(actor, "register_items")
    return intake.register_item(session, repair_session_id=repair_session_id, actor=actor,
                                now=now, key=key, **fields)


def correct_intake(session: Session, *, item_id: int, actor: Actor, now: datetime, key: str,
                   **fields: Any) -> LifecycleEvent | None:
    """Intake details corrected through the API: only on an object in the actor's scope."""
    access.require(actor, "record_repairs")
    return corrections.correct_intake(session, item_id=item_id, actor=actor, now=now, key=key,
                                      **fields)


def record_repair_attempt(session: Session, *, item_id: int, actor: Actor, now: datetime,
                          key: str, **fields: Any) -> LifecycleEvent:
    """A repair attempt through the API: only on an object in the actor's scope."""
    access.require(actor, "record_repairs")
    return repairs.record_repair_attempt(session, item_id=item_id, actor=actor, now=now,
                                         key=key, **fields)


def scan(
    session: Session, *, raw: str, actor: Actor, now: datetime, key: str | None = None,
) -> tag_service.Resolution:
    """Resolve a scanned code and log it, by the scan page's rules; a retried key logs once."""
    return scanning.scan(session, raw=raw, actor=actor, channel="api", now=now, key=key)
