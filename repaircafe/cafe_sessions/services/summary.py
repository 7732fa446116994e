"""One café session's story: its objects, what became of them, what that saved, who came.

The figures are the report's own: each object received at the session is one visit row of the
report rollup (`ReportVisit`), carrying the outcome of its latest attempt and the impact stored
for it under the central factor set, so the session's summary adds up to the same totals as
the circularity report for that day and site. Parts fitted at the session count with the
impact stored when they were installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from repaircafe import i18n
from repaircafe.cafe_sessions.services.schedule import READ, VISIT_KINDS
from repaircafe.core import access
from repaircafe.domain import lifecycle
from repaircafe.domain.actors import Actor
from repaircafe.models import (
    Category,
    ImpactRecord,
    Item,
    LifecycleEvent,
    RepairGroup,
    RepairSession,
    ReportVisit,
    Site,
    Tag,
)
from repaircafe.reporting.services import impact as impact_service
from repaircafe.reporting.services import rollup
from reports import session_summary


@dataclass(frozen=True)
class SessionObject:
    item_id: int
    code: str | None
    category: str | None  # the English name, as the catalogue knows it
    brand: str
    model: str
    weight_kg: float | None
    state: str


@dataclass(frozen=True)
class SessionDetail:
    """A session as its page shows it: when and where, attendance, and its objects."""

    repair_session: RepairSession
    site: Site
    group: RepairGroup
    objects: list[SessionObject]

    @property
    def id(self) -> int:
        return self.repair_session.id or 0


@dataclass(frozen=True)
class OutcomeLine:
    outcome: str
    objects: int
    kg_in_use: float
    co2e_avoided_kg: float


@dataclass(frozen=True)
class Summary:
    """Figures of one session (central factor set; the conservative figure beside it)."""

    repair_session_id: int
    site: str
    group: str
    held_on: date
    title: str
    opens_at: time | None
    closes_at: time | None
    visitors: int | None
    volunteers: int | None
    volunteer_hours: float | None
    notes: str
    lines: list[OutcomeLine] = field(default_factory=list)
    objects_with_weight: int = 0
    waste_prevented_kg: float = 0.0
    co2e_avoided_kg: float = 0.0
    co2e_avoided_conservative_kg: float = 0.0
    parts_reused: int = 0
    parts_reused_kg: float = 0.0
    parts_co2e_avoided_kg: float = 0.0

    @property
    def objects(self) -> int:
        return sum(line.objects for line in self.lines)

    @property
    def kg_in_use(self) -> float:
        return sum(line.kg_in_use for line in self.lines)

    @property
    def fixed(self) -> int:
        return sum(line.objects for line in self.lines if line.outcome == "fixed")

    @property
    def total_co2e_avoided_kg(self) -> float:
        return self.co2e_avoided_kg + self.parts_co2e_avoided_kg


def session_detail(session: Session, *, repair_session_id: int, actor: Actor) -> SessionDetail:
    """The session with the objects received at it, latest first."""
    access.require(actor, READ)
    found = access.load(session, RepairSession, repair_session_id, actor)
    site = session.get(Site, found.site_id)
    assert site is not None  # a foreign key
    group = session.get(RepairGroup, site.group_id)
    assert group is not None
    visits = select(LifecycleEvent.item_id).where(
        LifecycleEvent.repair_session_id == found.id, col(LifecycleEvent.kind).in_(VISIT_KINDS))
    rows = session.exec(
        select(Item, Category.name, Tag.code)
        .join(Category, col(Category.id) == Item.category_id, isouter=True)
        .join(Tag, (col(Tag.item_id) == Item.id) & (col(Tag.status) == "linked"), isouter=True)
        .where(col(Item.id).in_(visits))
        .order_by(col(Item.id).desc())
    ).all()
    objects = [SessionObject(item.id or 0, code, category, item.brand, item.model,
                             item.weight_kg, item.state) for item, category, code in rows]
    return SessionDetail(found, site, group, objects)


def summary(session: Session, *, repair_session_id: int, actor: Actor, now: datetime) -> Summary:
    """The session's figures, after folding the latest events into the report rollup."""
    detail = session_detail(session, repair_session_id=repair_session_id, actor=actor)
    rs = detail.repair_session
    rollup.fold(session, now=now)
    v, e = ReportVisit, LifecycleEvent
    visits = session.execute(
        sa_select(col(v.outcome), func.count(), func.sum(case((col(v.has_weight), 1), else_=0)),
                  func.sum(v.back_in_use_kg), func.sum(v.waste_prevented_kg),
                  func.sum(v.co2e_avoided_kg), func.sum(v.co2e_avoided_conservative_kg))
        .join(e, col(e.id) == v.event_id)
        .where(col(e.repair_session_id) == rs.id)
        .group_by(col(v.outcome))
    ).all()
    by_outcome = {outcome: row for outcome, *row in visits}
    lines = [OutcomeLine(outcome, int(row[0]), float(row[2] or 0.0), float(row[4] or 0.0))
             for outcome in lifecycle.OUTCOMES if (row := by_outcome.get(outcome))]
    r = ImpactRecord
    parts = session.exec(
        select(func.count(), func.sum(r.weight_kg), func.sum(r.co2e_avoided_kg))
        .join(e, col(e.id) == r.event_id)
        .where(e.repair_session_id == rs.id, r.kind == "part_reuse",
               col(r.is_void).is_(False))
    ).one()
    session.rollback()  # release the read snapshot
    return Summary(
        rs.id or 0, detail.site.name, detail.group.name, rs.held_on, rs.title, rs.opens_at,
        rs.closes_at, rs.visitors, rs.volunteers, rs.volunteer_hours, rs.notes, lines,
        objects_with_weight=sum(int(row[1] or 0) for row in by_outcome.values()),
        waste_prevented_kg=sum(float(row[3] or 0.0) for row in by_outcome.values()),
        co2e_avoided_kg=sum(float(row[4] or 0.0) for row in by_outcome.values()),
        co2e_avoided_conservative_kg=sum(float(row[5] or 0.0) for row in by_outcome.values()),
        parts_reused=int(parts[0] or 0), parts_reused_kg=float(parts[1] or 0.0),
        parts_co2e_avoided_kg=float(parts[2] or 0.0),
    )


def as_sheet(figures: Summary, *, now: datetime) -> session_summary.SessionSheet:
    """The summary as the plain data the PDF is drawn from."""
    return session_summary.SessionSheet(
        title=figures.title, site=figures.site, group=figures.group, held_on=figures.held_on,
        opens_at=figures.opens_at, closes_at=figures.closes_at,
        outcomes=tuple(session_summary.OutcomeRow(lifecycle.OUTCOME_LABELS[line.outcome],
                                                  line.objects, line.kg_in_use,
                                                  line.co2e_avoided_kg)
                       for line in figures.lines),
        kg_in_use=figures.kg_in_use, co2e_avoided_kg=figures.co2e_avoided_kg,
        co2e_avoided_conservative_kg=figures.co2e_avoided_conservative_kg,
        parts_reused=figures.parts_reused, parts_reused_kg=figures.parts_reused_kg,
        parts_co2e_avoided_kg=figures.parts_co2e_avoided_kg, visitors=figures.visitors,
        volunteers=figures.volunteers, volunteer_hours=figures.volunteer_hours,
        notes=figures.notes, factor_set=impact_service.CENTRAL_SET, generated_at=now,
        objects_with_weight=figures.objects_with_weight,
    )


def render_pdf(figures: Summary, *, language: str, now: datetime) -> bytes:
    """The summary as a printable PDF in the reader's language."""
    return session_summary.render_session_summary(
        as_sheet(figures, now=now), i18n.translations(language), language)


def pdf_name(figures: Summary) -> str:
    """A readable, filesystem-safe name: ``cathays-library_2025-06-14.pdf``."""
    base = re.sub(r"[^a-z0-9]+", "-", figures.site.lower()).strip("-") or "session"
    return f"{base}_{figures.held_on.isoformat()}.pdf"
