"""Impact computed when a repair is recorded and frozen with the factor set used (design §6)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlmodel import Session, select

from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import impact
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent, ReportSubscription

CENTRAL_SET = "restart-2021"
CONSERVATIVE_SET = "conservative-2021"


@lru_cache(maxsize=16)
def factor_set(name: str) -> factor_set_files.FactorSet:
    """Shipped factor sets are immutable data; load each once per process."""
    return factor_set_files.load_factor_set(name)


def needed_sets(session: Session) -> list[factor_set_files.FactorSet]:
    """Every set a figure is stored under: the central and conservative sets, the other sets
    shipped with the package, and any set an active report subscription asks for."""
    from repaircafe.reporting.services import factor_sets

    names = [CENTRAL_SET, CONSERVATIVE_SET, *factor_set_files.available_factor_sets()]
    names += session.exec(select(ReportSubscription.factor_set).where(
        ReportSubscription.is_active == True)).all()  # noqa: E712
    return [factor_sets.get_factor_set(session, name) for name in dict.fromkeys(names)]


def record_repair_impact(
    session: Session, *, item: Item, event: LifecycleEvent, now: datetime
) -> ImpactRecord | None:
    """Store the savings of a repair attempt under every needed factor set, each row naming its
    set and version; only a fixed outcome saves anything. Returns the central set's record,
    which also carries the conservative figure beside the central one."""
    if event.payload.get("outcome") != "fixed":
        return None
    assert event.id is not None  # the event is flushed before its savings are stored
    category = session.get(Category, item.category_id) if item.category_id else None
    slug = category.slug if category else None
    powered = category.is_powered if category else True
    conservative = impact.repair_savings(slug, powered, "fixed", item.weight_kg,
                                         item.weight_source, factor_set(CONSERVATIVE_SET))
    central_record: ImpactRecord | None = None
    for fs in needed_sets(session):
        savings = impact.repair_savings(slug, powered, "fixed", item.weight_kg,
                                        item.weight_source, fs)
        record = ImpactRecord(
            event_id=event.id,
            item_id=item.id,
            kind="repair",
            factor_set=savings.factor_set,
            factor_version=savings.factor_set_version,
            weight_kg=savings.weight_kg or 0.0,
            weight_source=savings.weight_source,
            waste_prevented_kg=savings.waste_prevented_kg,
            co2e_avoided_kg=savings.co2e_avoided_kg,
            co2e_avoided_conservative_kg=conservative.co2e_avoided_kg,
            computed_at=now,
        )
        session.add(record)
        if fs.name == CENTRAL_SET:
            central_record = record
    return central_record


def void_impact(session: Session, *, event_id: int) -> None:
    """A corrected repair no longer counts as it was first recorded."""
    query = select(ImpactRecord).where(
        ImpactRecord.event_id == event_id, ImpactRecord.is_void == False  # noqa: E712
    )
    for record in session.exec(query):
        record.is_void = True
        session.add(record)
