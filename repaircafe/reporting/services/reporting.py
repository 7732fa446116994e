"""Reports from the database: scope and period parsing, the small frames, and the rendering.

The heavy lifting is SQL over the rollup (one row per month x site x category x outcome x
barrier); pandas only shapes that small result and hands it to the pure `reports` package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

import reports
from repaircafe import i18n
from repaircafe.core import access
from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import impact as impact_rules
from repaircafe.domain import lifecycle, periods, vocabulary
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, OutOfScope, Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import PERIOD_KINDS as PERIOD_KINDS
from repaircafe.domain.periods import Period as Period
from repaircafe.domain.periods import Scope as Scope
from repaircafe.domain.periods import parse_period as parse_period
from repaircafe.domain.periods import period_of as period_of
from repaircafe.domain.periods import previous_period as previous_period
from repaircafe.models import (
    Category,
    ImpactRecord,
    Item,
    RepairGroup,
    ReportFlow,
    ReportRollup,
    ReportVisit,
    Site,
    Territory,
)
from repaircafe.reporting.services import factor_sets, rollup
from repaircafe.reporting.services import impact as impact_service

FORMATS = ("pdf", "csv", "xlsx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --------------------------------------------------------------------------- scope


_SCOPE_MODELS: dict[str, Any] = {"territory": Territory, "group": RepairGroup, "site": Site}
# The scope kinds as refusals name them (the ORDS export's scopes too).
SCOPE_KIND_NAMES = {"territory": N_("territory"), "group": N_("group"), "site": N_("site")}


def parse_scope(session: Session, value: str) -> Scope:
    """The scope a user wrote (see `periods.parse_scope`), looked up by name or id: the one
    reader of scopes for reports, dashboards, subscriptions and exports."""
    ref = periods.parse_scope(value)
    if ref.kind == "all":
        return periods.ALL
    model = _SCOPE_MODELS[ref.kind]
    if ref.id is not None:
        row = session.get(model, ref.id)
        rows = [row] if row is not None else []
    else:
        rows = list(session.exec(select(model).where(model.name == ref.name)).all())
    if not rows:
        raise NotFound("No %(kind)s named “%(name)s”.", kind=SCOPE_KIND_NAMES[ref.kind],
                       name=ref.name or f"#{ref.id}")
    if len(rows) > 1:
        ids = ", ".join(f"{ref.kind}:#{r.id}" for r in rows)
        raise Refused("More than one %(kind)s is named “%(name)s”; use one of %(ids)s.",
                      kind=SCOPE_KIND_NAMES[ref.kind], name=ref.name, ids=ids)
    return Scope(ref.kind, rows[0].id, rows[0].name)


def scope_sites(session: Session, scope: Scope) -> list[int] | None:
    """Site ids inside a scope (None: no restriction)."""
    if scope.kind == "all":
        return None
    if scope.kind == "site":
        return [scope.id or 0]
    column = Site.territory_id if scope.kind == "territory" else Site.group_id
    ids = session.exec(select(col(Site.id)).where(col(column) == scope.id)).all()
    return [site_id for site_id in ids if site_id is not None]  # ids are never NULL


def check_scope(session: Session, actor: Actor, scope: Scope) -> Scope:
    """The scope itself, if the actor may read its figures (see core.access)."""
    if not access.report_scope_allowed(session, actor, scope.kind, scope.id):
        raise OutOfScope("This report is outside your area.")
    return scope


def home_scope(session: Session, actor: Actor) -> Scope:
    """The widest scope an actor may see: theirs, or everything for an admin."""
    kind = access.scope_kind(actor)
    if kind == "territory" and actor.territory_id:
        return parse_scope(session, f"territory:#{actor.territory_id}")
    if kind == "group" and actor.group_id:
        return parse_scope(session, f"group:#{actor.group_id}")
    if kind == "all":
        return periods.ALL
    raise NotFound("Your account is not attached to a group or territory.")


@dataclass(frozen=True)
class ScopeChoice:
    key: str  # as parse_scope reads it: ``territory:3``
    label: str
    depth: int  # 0 = the actor's own scope, 1 = inside it


def scope_choices(session: Session, *, actor: Actor) -> list[ScopeChoice]:
    """The scopes an actor may choose, for reports, subscriptions and exports alike: their own
    first, then what lies inside it (sites; for admins, every territory and group too)."""
    home = home_scope(session, actor)
    choices = [ScopeChoice(home.key, home.name or vocabulary.ALL_GROUPS, 0)]
    if home.kind == "all":
        choices += [ScopeChoice(f"territory:{t.id}", t.name, 1)
                    for t in session.exec(select(Territory).order_by(col(Territory.name))).all()]
        choices += [ScopeChoice(f"group:{g.id}", g.name, 1)
                    for g in session.exec(select(RepairGroup).order_by(col(RepairGroup.name)))]
    ids = scope_sites(session, home)
    sites = select(Site).order_by(col(Site.name))
    if ids is not None:
        sites = sites.where(col(Site.id).in_(ids))
    choices += [ScopeChoice(f"site:{s.id}", s.name, 1) for s in session.exec(sites).all()]
    return choices


def scope_label(scope: Scope, language: str) -> str:
    """The scope's name in a report or a mail: a place's own name, or "All groups" translated."""
    if scope.kind == "all":
        return i18n.translations(language).gettext(vocabulary.ALL_GROUPS)
    return scope.name


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Frames:
    records: pd.DataFrame
    parts: pd.DataFrame
    recycling: pd.DataFrame


def _in_scope(table: Any, scope_ids: list[int] | None, scope: Scope) -> Any:
    """Rows of a report table inside the scope: its group, or its sites."""
    if scope.kind == "group":
        return col(table.group_id) == scope.id
    if scope_ids is None:
        return true()
    return col(table.site_id).in_(scope_ids)


# Keyed by id as SQLModel types it (never None once stored).
def _names(session: Session) -> tuple[dict[int | None, str],
                                      dict[int | None, tuple[str, str, bool]]]:
    sites = {s.id: s.name for s in session.exec(select(Site)).all()}
    categories = {c.id: (c.slug, c.name, c.is_powered)
                  for c in session.exec(select(Category).order_by(col(Category.id))).all()}
    return sites, categories


def _records_frame(rows: list[Any], session: Session) -> pd.DataFrame:
    sites, categories = _names(session)
    eu = {slug: m.eu_reuse_category for slug, m in factor_set_files.load_category_map().items()}
    columns = ["month", "site_id", "category_id", "outcome", "barrier", "objects",
               "objects_with_weight", "waste_prevented_kg", "co2e_avoided_kg",
               "co2e_avoided_conservative_kg", "back_in_use_objects", "back_in_use_kg"]
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)
    cats = frame["category_id"].map(lambda c: categories.get(c, (None, None, True)))
    frame["site"] = frame["site_id"].map(lambda s: sites.get(s, "–"))
    frame["category"] = cats.map(lambda c: c[0])
    frame["category_name"] = cats.map(lambda c: c[1])
    frame["barrier"] = frame["barrier"].where(frame["barrier"] > 0, None)
    frame["back_in_use"] = frame["back_in_use_objects"] > 0
    frame["eu_reuse_category"] = frame["category"].map(lambda s: eu.get(s, "other_products"))
    frame["month"] = _as_months(frame["month"])
    return frame.drop(columns=["site_id", "category_id"])


def _as_months(months: pd.Series) -> pd.Series:
    """'YYYY-MM' text as datetimes: the reports package then reads months vectorised."""
    return pd.to_datetime(months, format="%Y-%m")


def _rollup_rows(session: Session, scope: Scope, period: Period) -> list[Any]:
    first, last = period.months
    r = ReportRollup
    keys = (col(r.month), col(r.site_id), col(r.category_id), col(r.outcome), col(r.barrier))
    stmt = (
        sa_select(*keys, func.sum(r.objects), func.sum(r.objects_with_weight),
                  func.sum(r.waste_prevented_kg), func.sum(r.co2e_avoided_kg),
                  func.sum(r.co2e_avoided_conservative_kg), func.sum(r.back_in_use_objects),
                  func.sum(r.back_in_use_kg))
        .where(col(r.month) >= first, col(r.month) <= last,
               _in_scope(r, scope_sites(session, scope), scope))
        .group_by(*keys)
        .having(func.sum(r.objects) > 0)
    )
    return list(session.execute(stmt).all())


def _visit_rows(session: Session, scope: Scope, period: Period) -> list[Any]:
    """The same figures for a period that is not whole months, from the visit rows."""
    v = ReportVisit
    keys = (col(v.month), col(v.site_id), col(v.category_id), col(v.outcome), col(v.barrier))
    stmt = (
        sa_select(*keys, func.count(), func.sum(case((col(v.has_weight), 1), else_=0)),
                  func.sum(v.waste_prevented_kg), func.sum(v.co2e_avoided_kg),
                  func.sum(v.co2e_avoided_conservative_kg), func.sum(v.back_in_use_objects),
                  func.sum(v.back_in_use_kg))
        .where(col(v.occurred_on) >= period.start, col(v.occurred_on) <= period.end,
               _in_scope(v, scope_sites(session, scope), scope))
        .group_by(*keys)
    )
    return list(session.execute(stmt).all())


def _recomputed_rows(session: Session, scope: Scope, period: Period,
                     factor_set: factor_set_files.FactorSet) -> list[Any]:
    """Visits under another factor set: stored figures for that set where they exist, else
    computed now from the object's category and weight (grouped in SQL, so each distinct
    category x weight is computed once). A visit back in use without a fixed outcome (refurbished
    and handed over) is credited under that set as refurbish.py credits it."""
    v, r = ReportVisit, ImpactRecord
    stored = case((col(r.id).is_(None), 0), else_=1)
    keys = (col(v.month), col(v.site_id), col(v.category_id), col(v.outcome), col(v.barrier),
            col(Item.weight_kg), col(Item.weight_source), stored, col(v.back_in_use_objects))
    stmt = (
        sa_select(*keys, func.count(), func.sum(case((col(v.has_weight), 1), else_=0)),
                  func.sum(r.waste_prevented_kg), func.sum(r.co2e_avoided_kg),
                  func.sum(v.co2e_avoided_conservative_kg))
        .join(Item, col(Item.id) == col(v.item_id))
        .join(r, and_(col(r.event_id) == col(v.attempt_event_id), col(r.kind) == "repair",
                      col(r.factor_set) == factor_set.name,
                      col(r.factor_version) == factor_set.version, col(r.is_void).is_(False)),
              isouter=True)
        .where(col(v.occurred_on) >= period.start, col(v.occurred_on) <= period.end,
               _in_scope(v, scope_sites(session, scope), scope))
        .group_by(*keys)
    )
    rows = session.execute(stmt).all()
    _sites, categories = _names(session)
    out: dict[tuple[Any, ...], list[float]] = {}
    for (month, site, cat, outcome, barrier, weight, source, stored, back_in_use, n,
         with_weight, waste, co2e, conservative) in rows:
        if stored:
            waste_kg, co2e_kg = float(waste or 0.0), float(co2e or 0.0)
        else:
            slug, _name, powered = categories.get(cat, (None, None, True))
            known = source if source in ("measured", "estimated") else None
            savings = impact_rules.repair_savings(
                slug, powered, outcome, weight if known else None, known, factor_set,
                back_in_use=bool(back_in_use))
            waste_kg, co2e_kg = savings.waste_prevented_kg * n, savings.co2e_avoided_kg * n
        sums = out.setdefault((month, site, cat, outcome, barrier),
                              [0, 0, 0.0, 0.0, 0.0, 0, 0.0])
        in_use = (n, waste_kg) if back_in_use else (0, 0.0)
        for i, value in enumerate((n, with_weight, waste_kg, co2e_kg, conservative or 0.0,
                                   *in_use)):
            sums[i] += value
    return [(*key, *sums) for key, sums in out.items()]


def _flow_frames(session: Session, scope: Scope, period: Period) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    sites, _categories = _names(session)
    rows: Sequence[Sequence[Any]]
    if period.is_whole_months:
        first, last = period.months
        f = ReportFlow
        keys = (col(f.month), col(f.site_id), col(f.flow), col(f.material))
        rows = session.execute(
            sa_select(*keys, func.sum(f.count), func.sum(f.kg), func.sum(f.co2e_kg),
                      func.sum(f.co2e_low_kg))
            .where(col(f.month) >= first, col(f.month) <= last,
                   _in_scope(f, scope_sites(session, scope), scope))
            .group_by(*keys)
        ).all()
    else:
        ids = scope_sites(session, scope)
        rows = [r for r in rollup.flows_between(session, period.start, period.end)
                if (scope.kind != "group" or r[-1] == scope.id)
                and (ids is None or scope.kind == "group" or r[1] in ids)]
        rows = [r[:-1] for r in rows]
    parts = pd.DataFrame(
        [(m, sites.get(s, "–"), flow, int(n), kg, co2e, low)
         for m, s, flow, _mat, n, kg, co2e, low in rows if flow in ("harvested", "installed")],
        columns=["month", "site", "event", "parts", "weight_kg", "co2e_avoided_kg",
                 "co2e_avoided_conservative_kg"])
    recycling = pd.DataFrame(
        [(m, sites.get(s, "–"), mat, kg, co2e, low)
         for m, s, flow, mat, _n, kg, co2e, low in rows if flow == "recycled"],
        columns=["month", "site", "material", "kg", "co2e_credit_central_kg",
                 "co2e_credit_low_kg"])
    parts["month"] = _as_months(parts["month"])
    recycling["month"] = _as_months(recycling["month"])
    return parts, recycling


def report_frames(session: Session, *, scope: Scope, period: Period,
                  factor_set: factor_set_files.FactorSet | None = None) -> Frames:
    """The three frames for `reports.build_report`; the rollup must be folded first."""
    if factor_set is not None:
        rows = _recomputed_rows(session, scope, period, factor_set)
    elif period.is_whole_months:
        rows = _rollup_rows(session, scope, period)
    else:
        rows = _visit_rows(session, scope, period)
    parts, recycling = _flow_frames(session, scope, period)
    return Frames(_records_frame(rows, session), parts, recycling)


# --------------------------------------------------------------------------- reports

TITLE = N_("Circularity report")
RECOMPUTED = N_("%(label)s (recomputed on %(day)s; the published figures use %(central)s)")
# The vocabulary's English names, which the report translates through the same catalogue.
NAMES = reports.Names(outcomes=lifecycle.OUTCOME_LABELS, barriers=lifecycle.BARRIERS,
                      materials=vocabulary.MATERIAL_NAMES)


def report_meta(*, scope: Scope, period: Period, language: str, now: datetime,
                central: factor_set_files.FactorSet, conservative: factor_set_files.FactorSet,
                recomputed: bool, title: str | None = None) -> reports.ReportMeta:
    credits = factor_set_files.load_material_credits()
    sources = dict.fromkeys([*central.sources, *conservative.sources, *credits.sources])
    label = None
    if recomputed:
        label = i18n.translations(language).gettext(RECOMPUTED) % {
            "label": central.label, "day": now.date().isoformat(),
            "central": impact_service.CENTRAL_SET}
    return reports.ReportMeta(
        title=title or i18n.translations(language).gettext(TITLE),
        scope_label=scope_label(scope, language),
        period_label=period.label(language),
        period_start=period.start,
        period_end=period.end,
        language=language,
        factor_set_name=central.name,
        factor_set_version=central.version,
        displacement=central.displacement,
        conservative_set_name=conservative.name,
        conservative_displacement=conservative.displacement,
        sources=tuple(s for s in sources if s),
        generated_at=now,
        recomputed_label=label,
        names=NAMES,
    )


def make_report(
    session: Session, *, scope: Scope, period: Period, now: datetime, language: str = "en",
    factor_set: str | None = None, title: str | None = None, category: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> reports.Report:
    """Fold the rollup, read the frames and build the report.

    With `factor_set` naming a set other than the published one, the figures are recomputed
    under it and the report says so; otherwise they are the stored (published) figures.
    `category` (a slug) narrows the report to one product category; parts and recycling,
    which belong to no category, are left out then.
    """
    if language not in ("en", "fr"):
        raise Refused("Reports exist in English (en) and French (fr).")
    rollup.fold(session, now=now, progress=progress)
    recompute = factor_set not in (None, "", impact_service.CENTRAL_SET)
    central = (factor_sets.get_factor_set(session, factor_set) if recompute and factor_set
               else impact_service.factor_set(impact_service.CENTRAL_SET))
    frames = report_frames(session, scope=scope, period=period,
                           factor_set=central if recompute else None)
    if category:
        records = frames.records[frames.records["category"] == category]
        frames = Frames(records, frames.parts.iloc[0:0], frames.recycling.iloc[0:0])
    meta = report_meta(scope=scope, period=period, language=language, now=now, central=central,
                       conservative=impact_service.factor_set(impact_service.CONSERVATIVE_SET),
                       recomputed=recompute, title=title)
    session.rollback()  # release the read snapshot
    return reports.build_report(frames.records, frames.parts, frames.recycling, meta,
                                i18n.translations(language))


def render(report: reports.Report, fmt: str) -> bytes:
    """The report as PDF, CSV or XLSX bytes."""
    if fmt == "pdf":
        return reports.render_pdf(report)
    if fmt == "csv":
        return reports.render_csv(report)
    if fmt == "xlsx":
        return reports.render_xlsx(report)
    raise Refused("Unknown format “%(format)s”: use pdf, csv or xlsx.", format=fmt)


def file_name(scope: Scope, period: Period, fmt: str) -> str:
    """A readable, filesystem-safe name: ``cardiff_2025-05.pdf``."""
    base = re.sub(r"[^a-z0-9]+", "-", (scope.name or "all").lower()).strip("-") or "report"
    return f"{base}_{period.key.replace('..', '_')}.{fmt}"


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
