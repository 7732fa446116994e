"""Figures for home pages: today's sessions for volunteers, totals for viewers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.domain import lifecycle, permissions
from repaircafe.domain.actors import Actor
from repaircafe.models import ImpactRecord, Item, LifecycleEvent, RepairSession, Site
from repaircafe.services.items import scope_filter


@dataclass(frozen=True)
class Figures:
    objects: int
    repair_attempts: int
    fixed: int
    co2e_avoided_kg: float
    waste_prevented_kg: float

    @property
    def success_rate(self) -> float | None:
        return self.fixed / self.repair_attempts if self.repair_attempts else None


def figures(session: Session, *, actor: Actor) -> Figures:
    """Headline totals within the actor's scope, from stored impact records."""
    scope = scope_filter(actor)
    objects = session.exec(select(func.count()).select_from(Item).where(scope)).one()
    outcomes = dict(session.exec(
        select(LifecycleEvent.payload["outcome"].as_string(), func.count())
        .join(Item, Item.id == LifecycleEvent.item_id)
        .where(LifecycleEvent.kind == "repair_attempted", scope)
        .group_by(LifecycleEvent.payload["outcome"].as_string())
    ).all())
    co2e, waste = session.exec(
        select(func.coalesce(func.sum(ImpactRecord.co2e_avoided_kg), 0.0),
               func.coalesce(func.sum(ImpactRecord.waste_prevented_kg), 0.0))
        .join(Item, Item.id == ImpactRecord.item_id)
        .where(ImpactRecord.is_void == False, scope)  # noqa: E712
    ).one()
    return Figures(objects, sum(outcomes.values()), outcomes.get("fixed", 0), float(co2e),
                   float(waste))


@dataclass(frozen=True)
class SessionSummary:
    id: int
    site: str
    held_on: date
    waiting: int
    at_bench: int
    done: int


def sessions_on(session: Session, *, actor: Actor, day: date) -> list[SessionSummary]:
    """The café sessions held on a day within the actor's scope, with board counts."""
    stmt = select(RepairSession, Site).join(Site, Site.id == RepairSession.site_id).where(
        RepairSession.held_on == day
    )
    kind = permissions.scope_kind(actor.role)
    if kind == "group":
        stmt = stmt.where(Site.group_id == actor.group_id)
    elif kind == "territory":
        stmt = stmt.where(Site.territory_id == actor.territory_id)
    result = []
    for repair_session, site in session.exec(stmt.order_by(col(Site.name))).all():
        counts = {"waiting": 0, "at_bench": 0, "done": 0}
        for state, n in session.exec(
            select(Item.state, func.count()).where(Item.current_session_id == repair_session.id)
            .group_by(Item.state)
        ).all():
            counts[lifecycle.board_column(state)] += n
        result.append(SessionSummary(repair_session.id or 0, site.name, repair_session.held_on,
                                     **counts))
    return result


def sites_for(session: Session, *, actor: Actor) -> list[Site]:
    """Sites where the actor can open a session."""
    stmt = select(Site)
    if permissions.scope_kind(actor.role) == "group":
        stmt = stmt.where(Site.group_id == actor.group_id)
    elif permissions.scope_kind(actor.role) == "territory":
        stmt = stmt.where(Site.territory_id == actor.territory_id)
    return list(session.exec(stmt.order_by(col(Site.name))).all())
