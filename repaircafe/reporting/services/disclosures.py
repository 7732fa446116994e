"""What a report states beside its figures, so that a council can forward it unchanged: the
categories scored through another category's row, the weight each credit rests on, recorded
weights that look like typing mistakes, whether the area records parts and recycling at all,
who supplied imported records (their licence asks for attribution), and the sources actually
behind the figures shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

import reports
from repaircafe.domain import codes
from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import impact as impact_rules
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import Period, Scope
from repaircafe.domain.plausibility import doubtful_weight
from repaircafe.models import Category, ImpactRecord, Item, ReportFlow, ReportVisit, Tag
from repaircafe.reporting.services.report_data import in_scope
from repaircafe.reporting.services.scopes import scope_sites

# Spreadsheet imports name their provider "sheet:<group id>": a café's own records, which carry
# no licence. Every other provider is an Open Repair Data Standard publisher (CC BY-SA 4.0).
SHEET_PROVIDER_PREFIX = "sheet:"
# More than this many doubtful weights in one report are counted but not all looked up.
MAX_DOUBTS = 500
# Factor-set rows that stand in for one of our categories without being a category name
# themselves (the others are): marked here so that a French report names them in French.
STAND_IN_ROWS = (N_("Laptop medium"), N_("Flat screen 22-24\""))


@dataclass(frozen=True)
class Disclosures:
    weight_basis: dict[str, int]
    doubtful_weights: tuple[reports.DoubtfulWeight, ...]
    data_providers: tuple[str, ...]
    recorded_flows: frozenset[str]


def _visits(session: Session, scope: Scope, period: Period, category_id: int | None) -> list:
    """The WHERE clauses of the report's visits: in scope, in period, in the category if any."""
    v = ReportVisit
    where = [col(v.occurred_on) >= period.start, col(v.occurred_on) <= period.end,
             in_scope(v, scope_sites(session, scope), scope)]
    if category_id is not None:
        where.append(col(v.category_id) == category_id)
    return where


def weight_basis(session: Session, where: list, factor_set: factor_set_files.FactorSet
                 ) -> dict[str, int]:
    """Credited visits by the weight their stored figure rests on: category_average, recorded
    (measured or estimated) or none."""
    v, r = ReportVisit, ImpactRecord
    rows = session.execute(
        sa_select(col(r.weight_source), func.count())
        .select_from(v)
        .join(r, and_(col(r.event_id) == col(v.attempt_event_id), col(r.kind) == "repair",
                      col(r.factor_set) == factor_set.name,
                      col(r.factor_version) == factor_set.version, col(r.is_void).is_(False)))
        .where(*where)
        .group_by(col(r.weight_source))
    ).all()
    basis = {"category_average": 0, "recorded": 0, "none": 0}
    for source, n in rows:
        key = ("category_average" if source == "category_average"
               else "recorded" if source in ("measured", "estimated") else "none")
        basis[key] += int(n)
    return basis


def doubtful_weights(session: Session, where: list, factor_set: factor_set_files.FactorSet
                     ) -> tuple[reports.DoubtfulWeight, ...]:
    """Objects of the report whose recorded weight looks like a typing mistake (see
    `plausibility.doubtful_weight`, the same rule intake uses), listed by label code.

    Distinct category x weight pairs are judged once: people type round numbers, so there are
    few of them even in a large report.
    """
    v = ReportVisit
    pairs = session.execute(
        sa_select(col(Item.category_id), col(Item.weight_kg))
        .select_from(v)
        .join(Item, col(Item.id) == col(v.item_id))
        .where(*where, col(Item.weight_kg) > 0)
        .group_by(col(Item.category_id), col(Item.weight_kg))
    ).all()
    categories = {c.id: c for c in session.exec(select(Category)).all()}
    doubtful = []
    for category_id, weight in pairs:
        category = categories.get(category_id)
        average = impact_rules.average_weight(category.slug if category else None, factor_set)
        if doubtful_weight(float(weight), average) is not None:
            doubtful.append((category_id, weight))
    if not doubtful:
        return ()
    match = or_(*(and_(col(Item.category_id).is_(None) if c is None
                       else col(Item.category_id) == c, col(Item.weight_kg) == w)
                  for c, w in doubtful))
    items = session.execute(
        sa_select(col(Item.id), col(Item.category_id), col(Item.weight_kg))
        .join(v, col(v.item_id) == col(Item.id))
        .where(*where, match)
        .group_by(col(Item.id), col(Item.category_id), col(Item.weight_kg))
        .order_by(col(Item.id))
        .limit(MAX_DOUBTS)
    ).all()
    labels = dict(session.execute(
        sa_select(col(Tag.item_id), col(Tag.code))
        .where(col(Tag.item_id).in_([i for i, _c, _w in items]), col(Tag.status) == "linked")
    ).all())
    out = []
    for item_id, category_id, weight in items:
        category = categories.get(category_id)
        slug = category.slug if category else None
        doubt = doubtful_weight(float(weight), impact_rules.average_weight(slug, factor_set))
        if doubt is None:
            continue
        code = labels.get(item_id)
        out.append(reports.DoubtfulWeight(
            code=codes.display(code) if code else f"#{item_id}",
            category_name=category.name if category else "",
            weight_kg=float(weight), typical_kg=doubt.typical_kg, kind=doubt.kind))
    return tuple(out)


def data_providers(session: Session, where: list) -> tuple[str, ...]:
    """Providers of imported Open Repair Data Standard records among the report's visits."""
    v = ReportVisit
    rows = session.execute(
        sa_select(col(Item.source_provider))
        .join(v, col(v.item_id) == col(Item.id))
        .where(*where, col(Item.source_provider).is_not(None),
               col(Item.source_provider).not_like(SHEET_PROVIDER_PREFIX + "%"))
        .group_by(col(Item.source_provider))
        .order_by(col(Item.source_provider))
    ).all()
    return tuple(str(p) for (p,) in rows if p)


def recorded_flows(session: Session, scope: Scope, until: date) -> frozenset[str]:
    """Whether the area has ever recorded parts and recycling (up to the period's end): where it
    never has, a report says "Not recorded" instead of a zero that reads as a fact."""
    f = ReportFlow
    flows = session.execute(
        sa_select(col(f.flow))
        .where(in_scope(f, scope_sites(session, scope), scope), col(f.month) <= f"{until:%Y-%m}",
               col(f.count) > literal(0))
        .group_by(col(f.flow))
    ).scalars().all()
    found = set()
    if {"harvested", "installed"} & set(flows):
        found.add("parts")
    if "recycled" in flows:
        found.add("recycling")
    return frozenset(found)


def disclosures(session: Session, *, scope: Scope, period: Period,
                factor_set: factor_set_files.FactorSet, category: str | None = None
                ) -> Disclosures:
    """Everything `report_meta` states beside the figures, for one report."""
    category_id = None
    if category:
        category_id = session.exec(select(Category.id).where(Category.slug == category)).first()
    where = _visits(session, scope, period, category_id)
    return Disclosures(
        weight_basis=weight_basis(session, where, factor_set),
        doubtful_weights=doubtful_weights(session, where, factor_set),
        data_providers=data_providers(session, where),
        recorded_flows=recorded_flows(session, scope, period.end),
    )


def assumptions(factor_set: factor_set_files.FactorSet) -> tuple[reports.CategoryAssumption, ...]:
    """Our categories scored through another category's row under this set (a set that keys a
    row by our own slug scores that category as itself)."""
    return tuple(
        reports.CategoryAssumption(slug, m.assumption, m.restart_category)
        for slug, m in factor_set_files.load_category_map().items()
        if m.assumption and slug not in factor_set.categories
    )


def sources_used(categories: Iterable[str | None], materials: Iterable[str],
                 central: factor_set_files.FactorSet,
                 conservative: factor_set_files.FactorSet) -> tuple[str, ...]:
    """The sources behind the figures shown: each set's displacement, the rows of the report's
    categories (and the per-kg ratios where a recorded weight is scored with them), and the
    recycling credits of the materials recycled. Notes are not sources."""
    slugs = {s if isinstance(s, str) and s else None for s in categories}
    found: dict[str, None] = {}
    for fs in (central, conservative):
        found.setdefault(fs.meta_sources.get("displacement", ""), None)
        for slug in sorted(s for s in slugs if s):
            row = impact_rules.category_row(slug, fs)
            if row is not None and not row.is_misc:
                found.setdefault(row.source, None)
        if any(impact_rules.uses_per_kg_ratio(s, fs) for s in slugs):
            for key in ("ratio_powered_kg_co2e_per_kg", "ratio_unpowered_kg_co2e_per_kg"):
                found.setdefault(fs.meta_sources.get(key, ""), None)
    credits = factor_set_files.load_material_credits()
    for source in credits.sources_for(sorted({m for m in materials if isinstance(m, str)})):
        found.setdefault(source, None)
    return tuple(s for s in found if s)
