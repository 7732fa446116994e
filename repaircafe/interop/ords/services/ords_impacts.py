"""The categories of imported ORDS records and the repair savings of the fixed ones, computed
once per category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from repaircafe.domain import impact
from repaircafe.models import Category
from repaircafe.reporting.services import impact as impact_service


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    slug: str
    powered: bool


def ords_categories(session: Session) -> dict[int, CategoryInfo]:
    """The categories that have an ORDS id, by that id."""
    rows = session.execute(select(col(Category.ords_id), col(Category.id), col(Category.slug),
                                  col(Category.is_powered)).where(col(Category.ords_id).is_not(None)))
    return {ords_id: CategoryInfo(cid, slug, powered) for ords_id, cid, slug, powered in rows}


class Impacts:
    """Repair savings of fixed imported objects (no weight: category figures), per category.

    Like services.impact.record_repair_impact: one record per factor set a figure is stored
    under, each carrying the conservative figure beside its own. The figures depend on the
    category alone, so they are computed once per category and kept as the middle of an
    IMPACT_COLUMNS row (from ``kind`` to ``is_void``).
    """

    def __init__(self, session: Session) -> None:
        self.sets = impact_service.needed_sets(session)
        self.low = impact_service.factor_set(impact_service.CONSERVATIVE_SET)
        self.cache: dict[tuple[str | None, bool], list[tuple[Any, ...]]] = {}

    def values(self, category: CategoryInfo | None) -> list[tuple[Any, ...]]:
        key = (category.slug if category else None, category.powered if category else True)
        if key not in self.cache:
            low = impact.repair_savings(key[0], key[1], "fixed", None, None, self.low)
            self.cache[key] = [
                ("repair", savings.factor_set, savings.factor_set_version,
                 savings.weight_kg or 0.0, savings.weight_source, savings.waste_prevented_kg,
                 savings.co2e_avoided_kg, low.co2e_avoided_kg, None, False)
                for savings in (impact.repair_savings(key[0], key[1], "fixed", None, None, fs)
                                for fs in self.sets)
            ]
        return self.cache[key]
