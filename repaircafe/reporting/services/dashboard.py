"""Figures for home pages: today's sessions for volunteers, totals for viewers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.domain import lifecycle
from repaircafe.domain.actors import Actor
from repaircafe.models import (
    ImpactRecord,
    Item,
    LifecycleEvent,
    RepairSession,
    Site,
)
from repaircafe.reporting.services import impact as impact_service
from repaircafe.reporting.services import reporting, scopes, subscriptions


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
    scope = access.scope_filter(actor, Item)
    objects = session.exec(select(func.count()).select_from(Item).where(scope)).one()
    # Grouping on a sub-query column: PostgreSQL will not match two copies of a JSON path
    # expression whose key is sent as a separate parameter.
    attempts = (
        select(LifecycleEvent.payload["outcome"].as_string().label("outcome"))
        .join(Item, col(Item.id) == LifecycleEvent.item_id)
        .where(LifecycleEvent.kind == "repair_attempted", scope)
        .subquery()
    )
    outcomes = dict(session.exec(
        select(attempts.c.outcome, func.count()).group_by(attempts.c.outcome)
    ).all())
    co2e, waste = session.exec(
        select(func.coalesce(func.sum(ImpactRecord.co2e_avoided_kg), 0.0),
               func.coalesce(func.sum(ImpactRecord.waste_prevented_kg), 0.0))
        .join(Item, col(Item.id) == ImpactRecord.item_id)
        .where(ImpactRecord.is_void == False, scope,  # noqa: E712
               ImpactRecord.kind == "repair",
               ImpactRecord.factor_set == impact_service.CENTRAL_SET)
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
    stmt = select(RepairSession, Site).join(Site, col(Site.id) == RepairSession.site_id).where(
        RepairSession.held_on == day, access.scope_filter(actor, RepairSession)
    )
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


def sites_for(session: Session, *, actor: Actor, without_session_on: date | None = None
              ) -> list[Site]:
    """Sites where the actor can open a session (leaving out those already open that day)."""
    stmt = select(Site).where(access.scope_filter(actor, Site))
    if without_session_on is not None:
        opened = select(RepairSession.site_id).where(RepairSession.held_on == without_session_on)
        stmt = stmt.where(col(Site.id).not_in(opened))
    return list(session.exec(stmt.order_by(col(Site.name))).all())


# --------------------------------------------------------------------------- impact dashboard


@dataclass(frozen=True)
class ImpactDashboard:
    """What the reports page shows: one report's figures plus the choices around it."""

    report: Any
    scope: reporting.Scope
    period: reporting.Period
    category: str | None
    choices: list[scopes.ScopeChoice]
    site_keys: dict[str, str]  # site name -> scope key, for drill-down
    presets: list[tuple[str, str]]  # (period key, label)
    archived: list[Any]  # the latest archived reports the actor can open


def default_period(today: date) -> reporting.Period:
    """The last twelve months, the current one included (whole months: read from the rollup)."""
    start = date(today.year, 1, 1)
    if today.month < 12:
        start = date(today.year - 1, today.month + 1, 1)
    end = reporting.period_of("month", today).end
    return reporting.Period("range", start, end)


def impact_dashboard(session: Session, *, actor: Actor, scope: str | None, period: str | None,
                     category: str | None, language: str, now: datetime) -> ImpactDashboard:
    """Figures and charts for a scope the actor may see; aggregates only, no personal data."""
    chosen = (scopes.check_scope(session, actor, scopes.parse_scope(session, scope))
              if scope else scopes.home_scope(session, actor))
    today = now.date()
    span = reporting.parse_period(period) if period else default_period(today)
    report = reporting.make_report(session, scope=chosen, period=span, now=now,
                                   language=language, category=category or None)
    ids = scopes.scope_sites(session, chosen)
    stmt = select(Site.id, Site.name)
    if ids is not None:
        stmt = stmt.where(col(Site.id).in_(ids))
    site_keys = {name: f"site:{i}" for i, name in session.exec(stmt).all()}
    this_year, last = str(today.year), reporting.previous_period("month", today)
    presets = [("", "12 months"), (this_year, this_year), (str(today.year - 1), str(today.year - 1)),
               (reporting.previous_period("quarter", today).key,
                reporting.previous_period("quarter", today).label(language)),
               (last.key, last.label(language))]
    archived = subscriptions.list_runs(session, actor=actor, limit=6, status="done")
    return ImpactDashboard(report, chosen, span, category or None,
                           scopes.scope_choices(session, actor=actor), site_keys, presets, archived)
