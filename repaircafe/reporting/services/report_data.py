"""A report's figures as small frames: SQL over the rollup, visit and flow tables.

The heavy lifting is SQL over the rollup (one row per month x site x category x outcome x
barrier); pandas only shapes that small result and hands it to the pure `reports` package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import impact as impact_rules
from repaircafe.domain.periods import Period, Scope
from repaircafe.models import (
    Category,
    ImpactRecord,
    Item,
    ReportFlow,
    ReportRollup,
    ReportVisit,
    Site,
)
from repaircafe.reporting.services import rollup
from repaircafe.reporting.services.scopes import scope_sites


@dataclass(frozen=True)
class Frames:
    records: pd.DataFrame
    parts: pd.DataFrame
    recycling: pd.DataFrame


def in_scope(table: Any, scope_ids: list[int] | None, scope: Scope) -> Any:
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
               in_scope(r, scope_sites(session, scope), scope))
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
               in_scope(v, scope_sites(session, scope), scope))
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
               in_scope(v, scope_sites(session, scope), scope))
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
                   in_scope(f, scope_sites(session, scope), scope))
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
