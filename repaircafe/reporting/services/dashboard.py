"""Figures for home pages (today's sessions for volunteers, the home scope's figures for
everyone) and the impact dashboard of the reports page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

import reports
from repaircafe import i18n
from repaircafe.core import access
from repaircafe.domain import lifecycle, periods
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import Period, Scope
from repaircafe.models import (
    Item,
    RepairSession,
    ReportVisit,
    Site,
    utc_now,
)
from repaircafe.reporting.services import report_data, reporting, rollup, scopes, subscriptions


@dataclass(frozen=True)
class Figures:
    """Headline figures of one scope and period, read as a report reads them."""

    scope: Scope
    scope_label: str
    period: Period | None  # None: everything recorded so far
    period_label: str
    objects: int
    success: reports.SuccessRate
    co2e_avoided_kg: float
    waste_prevented_kg: float

    @property
    def fixed(self) -> int:
        return self.success.fixed

    @property
    def success_rate(self) -> float | None:
        return self.success.rate


def figures(session: Session, *, actor: Actor, period: Period | None = None,
            language: str = "en", now: datetime | None = None) -> Figures | None:
    """The actor's home scope over a period (everything when None), from the same visit rows
    and the same success-rate rule as the reports page: a viewer reads the same figures on the
    home page and on the dashboard. None for an account attached to no group or territory."""
    try:
        scope = scopes.home_scope(session, actor)
    except NotFound:
        return None
    rollup.fold(session, now=now or utc_now())
    v = ReportVisit
    where = [report_data.in_scope(v, scopes.scope_sites(session, scope), scope)]
    if period is not None:
        where += [col(v.occurred_on) >= period.start, col(v.occurred_on) <= period.end]
    rows = session.execute(
        sa_select(col(v.outcome), func.count(), func.sum(v.waste_prevented_kg),
                  func.sum(v.co2e_avoided_kg))
        .where(*where).group_by(col(v.outcome))
    ).all()
    session.rollback()  # release the read snapshot
    counts = {outcome: int(n) for outcome, n, _w, _c in rows}
    label = default_period_label(period, language) if period is not None else ""
    return Figures(
        scope=scope, scope_label=scopes.scope_label(scope, language), period=period,
        period_label=label, objects=sum(counts.values()),
        success=reports.success_rate(*(counts.get(o, 0) for o in lifecycle.OUTCOMES)),
        co2e_avoided_kg=float(sum(c or 0.0 for _o, _n, _w, c in rows)),
        waste_prevented_kg=float(sum(w or 0.0 for _o, _n, w, _c in rows)),
    )


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
    period_error: Refused | None = None  # the typed period could not be read


TWELVE_MONTHS = N_("Last 12 months")
TWELVE_MONTHS_LABEL = N_("Last 12 months, ending today (%(range)s)")


def default_period(today: date) -> Period:
    """The twelve months ending today (not the calendar year)."""
    return periods.last_twelve_months(today)


def default_period_label(period: Period, language: str) -> str:
    """How the default period is named: it says that it ends today, and which days it covers."""
    text = i18n.translations(language).gettext(TWELVE_MONTHS_LABEL)
    return text % {"range": period.label(language)}


def impact_dashboard(session: Session, *, actor: Actor, scope: str | None, period: str | None,
                     category: str | None, language: str, now: datetime) -> ImpactDashboard:
    """Figures and charts for a scope the actor may see; aggregates only, no personal data.

    A period that cannot be read is not a dead end: the dashboard shows the default period and
    says what was wrong beside the period field (`period_error`), keeping what was typed.
    """
    chosen = (scopes.check_scope(session, actor, scopes.parse_scope(session, scope))
              if scope else scopes.home_scope(session, actor))
    today = now.date()
    period_error: Refused | None = None
    span: Period | None = None
    if period:
        try:
            span = reporting.parse_period(period)
        except Refused as exc:
            period_error = exc
    label = None
    if span is None:
        span = default_period(today)
        label = default_period_label(span, language)
    report = reporting.make_report(session, scope=chosen, period=span, now=now,
                                   language=language, category=category or None,
                                   period_label=label)
    ids = scopes.scope_sites(session, chosen)
    stmt = select(Site.id, Site.name)
    if ids is not None:
        stmt = stmt.where(col(Site.id).in_(ids))
    site_keys = {name: f"site:{i}" for i, name in session.exec(stmt).all()}
    this_year, last = str(today.year), reporting.previous_period("month", today)
    quarter = reporting.previous_period("quarter", today)
    presets = [("", TWELVE_MONTHS), (this_year, this_year),
               (str(today.year - 1), str(today.year - 1)),
               (quarter.key, quarter.label(language)), (last.key, last.label(language))]
    archived = subscriptions.list_runs(session, actor=actor, limit=6, status="done")
    return ImpactDashboard(report, chosen, span, category or None,
                           scopes.scope_choices(session, actor=actor), site_keys, presets, archived,
                           period_error)
