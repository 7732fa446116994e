"""Impact computed when a repair is recorded and frozen with the factor set used (design §6)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlmodel import Session, select

from repaircafe.domain import impact
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent

CENTRAL_SET = "restart-2021"
CONSERVATIVE_SET = "conservative-2021"


@lru_cache(maxsize=16)
def factor_set(name: str) -> impact.FactorSet:
    """Shipped factor sets are immutable data; load each once per process."""
    return impact.load_factor_set(name)


def record_repair_impact(
    session: Session, *, item: Item, event: LifecycleEvent, now: datetime
) -> ImpactRecord | None:
    """Store the savings of a repair attempt; only a fixed outcome saves anything."""
    if event.payload.get("outcome") != "fixed":
        return None
    category = session.get(Category, item.category_id) if item.category_id else None
    slug = category.slug if category else None
    powered = category.is_powered if category else True
    central = impact.repair_savings(slug, powered, "fixed", item.weight_kg, item.weight_source,
                                    factor_set(CENTRAL_SET))
    conservative = impact.repair_savings(slug, powered, "fixed", item.weight_kg,
                                         item.weight_source, factor_set(CONSERVATIVE_SET))
    record = ImpactRecord(
        event_id=event.id,
        item_id=item.id,
        kind="repair",
        factor_set=central.factor_set,
        factor_version=central.factor_set_version,
        weight_kg=central.weight_kg or 0.0,
        weight_source=central.weight_source,
        waste_prevented_kg=central.waste_prevented_kg,
        co2e_avoided_kg=central.co2e_avoided_kg,
        co2e_avoided_conservative_kg=conservative.co2e_avoided_kg,
        computed_at=now,
    )
    session.add(record)
    return record


def void_impact(session: Session, *, event_id: int) -> None:
    """A corrected repair no longer counts as it was first recorded."""
    query = select(ImpactRecord).where(
        ImpactRecord.event_id == event_id, ImpactRecord.is_void == False  # noqa: E712
    )
    for record in session.exec(query):
        record.is_void = True
        session.add(record)
