"""Recycling an object or part: the recycler, the mass split by material, batches and notes.

The mass recycled is what is left of the object once its parts are out, weighed per material
on a scale or split by the category's default shares (then marked estimated). Each material
earns its own recycling credit (design §6), stored as one impact row per material.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import factor_sets, impact, lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused, TransitionRefused
from repaircafe.domain.messages import N_
from repaircafe.models import (
    MATERIALS,
    Category,
    ImpactRecord,
    Item,
    LifecycleEvent,
    Part,
    Recycler,
    RecyclingBatch,
    RecyclingLine,
    RecyclingRecord,
    Site,
    Territory,
)
from repaircafe.objects.services.repairs import locked_item
from repaircafe.parts.services.parts import remaining_kg, take_out
from repaircafe.parts.services.stock import code_of, locked_part

# EU WEEE Directive 2012/19/EU, Annex III: the six collection categories.
WEEE_CATEGORIES = {
    1: N_("Temperature exchange equipment"),
    2: N_("Screens and monitors"),
    3: N_("Lamps"),
    4: N_("Large equipment"),
    5: N_("Small equipment"),
    6: N_("Small IT and telecommunication equipment"),
}


def parse_materials(readings: Mapping[str, str | float | None]) -> dict[str, float]:
    """Kilograms per material read off a scale; empty fields are left out."""
    split: dict[str, float] = {}
    for material, reading in readings.items():
        if material not in MATERIALS:
            raise Refused("Unknown material “%(material)s”.", material=material)
        if reading is None or (isinstance(reading, str) and not reading.strip()):
            continue
        kg = values.parse_weight(reading)
        if kg:
            split[material] = kg
    return split


def parse_weee(text: str | int | None) -> int | None:
    if text in (None, ""):
        return None
    try:
        number = int(str(text).strip())
    except ValueError:
        raise Refused("“%(text)s” is not a WEEE category (1 to 6).", text=text) from None
    if number not in WEEE_CATEGORIES:
        raise Refused("A WEEE category is a number from 1 to 6.")
    return number


def handled(recycler: Recycler) -> set[int]:
    """The WEEE categories a recycler's permit covers (none listed: any)."""
    return {int(x) for x in recycler.weee_categories.replace(" ", "").split(",") if x.isdigit()}


def _rounded(split: Mapping[str, float], total: float) -> dict[str, float]:
    """Shares rounded to grams, the largest absorbing the rounding so the sum stays exact."""
    out = {m: round(kg, 3) for m, kg in split.items() if kg > 0}
    if out:
        biggest = max(out, key=out.__getitem__)
        out[biggest] = round(out[biggest] + round(total, 3) - round(sum(out.values()), 3), 3)
    return out


def recyclers(session: Session, *, actor: Actor, territory_id: int | None = None) -> list[Recycler]:
    """The managed list of recyclers, per territory, within the actor's reach."""
    stmt = select(Recycler).where(access.scope_filter(actor, Recycler)).order_by(
        col(Recycler.name))
    if territory_id is not None:
        stmt = stmt.where(Recycler.territory_id == territory_id)
    return list(session.exec(stmt).all())


def add_recycler(
    session: Session, *, territory_id: int, name: str, permit_number: str = "",
    weee_categories: Sequence[int | str] | str = "", actor: Actor,
) -> Recycler:
    """A licensed recycler a territory's cafés may hand material to."""
    name = values.clean_text(name, limit=200, field=N_("Name"))
    permit = values.clean_text(permit_number, limit=120, field=N_("Permit number"))
    if not name:
        raise Refused("Give the recycler's name.")
    parsed = ([parse_weee(x) for x in weee_categories.split(",") if x.strip()]
              if isinstance(weee_categories, str) else [parse_weee(x) for x in weee_categories])
    numbers = [n for n in parsed if n is not None]
    with write_transaction(session):
        access.load(session, Territory, territory_id, actor, write=True)
        recycler = Recycler(territory_id=territory_id, name=name, permit_number=permit,
                            weee_categories=",".join(str(n) for n in sorted(set(numbers))))
        session.add(recycler)
    return recycler


@dataclass(frozen=True)
class Plan:
    """What the recycle form shows before anything is written."""

    mass_kg: float | None
    category_slug: str | None
    weee_category: int | None
    estimate: dict[str, float]


def category_of(session: Session, category_id: int | None) -> Category | None:
    return session.get(Category, category_id) if category_id else None


def _plan(mass_kg: float | None, category: Category | None) -> Plan:
    slug = category.slug if category else None
    mapping = factor_sets.load_category_map().get(slug or "")
    estimate: dict[str, float] = {}
    if mass_kg and slug in factor_sets.load_material_splits():
        estimate = _rounded(impact.default_material_split(slug, mass_kg), mass_kg)
    return Plan(mass_kg, slug, mapping.weee_category if mapping else None, estimate)


def plan_for_item(session: Session, *, item_id: int, actor: Actor) -> Plan:
    item = access.load(session, Item, item_id, actor, write=True)
    return _plan(remaining_kg(session, item), category_of(session, item.category_id))


def plan_for_part(session: Session, *, part_id: int, actor: Actor) -> Plan:
    part = access.load(session, Part, part_id, actor, write=True)
    donor = session.get(Item, part.donor_item_id) if part.donor_item_id else None
    return _plan(part.weight_kg,
                 category_of(session, donor.category_id if donor else part.fits_category_id))


def _write_record(
    session: Session, *, event: LifecycleEvent, group_id: int, item_id: int | None,
    part_id: int | None, recycler: Recycler, batch: RecyclingBatch | None, weee: int | None,
    split: dict[str, float], estimated: bool, now: datetime,
) -> RecyclingRecord:
    session.flush()
    record = RecyclingRecord(
        event_id=event.id or 0, group_id=group_id, item_id=item_id, part_id=part_id,
        recycler_id=recycler.id or 0, batch_id=batch.id if batch else None, weee_category=weee,
        total_kg=round(sum(split.values()), 3), is_estimated=estimated, recycled_at=now,
    )
    session.add(record)
    session.flush()
    credits = factor_sets.load_material_credits()
    for material, kg in split.items():
        session.add(RecyclingLine(record_id=record.id or 0, material=material, kg=kg))
        central = impact.recycling_credit({material: kg}, credits, "central")
        low = impact.recycling_credit({material: kg}, credits, "low")
        session.add(ImpactRecord(
            event_id=event.id or 0, item_id=item_id, part_id=part_id, kind="recycling",
            factor_set="materials", factor_version="1", weight_kg=kg,
            weight_source="estimated" if estimated else "measured",
            co2e_avoided_kg=central.co2e_credit_kg, co2e_avoided_conservative_kg=low.co2e_credit_kg,
            material=material, computed_at=now,
        ))
    return record


def _recycle(
    session: Session, *, subject: Item | Part, group_id: int, territory_id: int | None,
    mass_kg: float | None, category: Category | None, recycler_id: int,
    materials: Mapping[str, str | float | None] | None, weee_category: str | int | None,
    batch_id: int | None, actor: Actor, now: datetime, key: str, item_id: int | None,
    part_id: int | None,
) -> RecyclingRecord:
    """Within the caller's transaction: check everything, then write the event and the split."""
    if recycler_id is None:
        raise Refused("Choose the recycler the material goes to.")
    recycler = access.load(session, Recycler, recycler_id, actor, write=True)
    if territory_id is not None and recycler.territory_id != territory_id:
        raise Refused("%(recycler)s is not on this territory's list of recyclers.",
                      recycler=recycler.name)
    plan = _plan(mass_kg, category)
    weee = parse_weee(weee_category) if weee_category not in (None, "") else plan.weee_category
    if weee is not None and handled(recycler) and weee not in handled(recycler):
        raise Refused("The permit of %(recycler)s does not cover WEEE category %(weee)d "
                      "(%(name)s).", recycler=recycler.name, weee=weee,
                      name=WEEE_CATEGORIES[weee])
    batch = None
    if batch_id is not None:
        batch = session.exec(select(RecyclingBatch).where(RecyclingBatch.id == batch_id)
                             .with_for_update()).one_or_none()
        if batch is None or batch.group_id != group_id:
            raise NotFound("That batch does not exist.")
        if batch.closed_at is not None:
            raise Refused("That batch is closed: open a new one.")
        if batch.recycler_id != recycler.id:
            raise Refused("That batch goes to another recycler.")
    weighed = parse_materials(materials or {})
    if weighed:
        total = round(sum(weighed.values()), 3)
        if mass_kg is not None and total > mass_kg + 1e-9:
            raise Refused("The materials weigh %(total)s kg but only %(left)s kg is left to "
                          "recycle: check the scale readings.",
                          total=f"{total:g}", left=f"{mass_kg:g}")
        split, estimated = weighed, False
    elif not mass_kg:
        raise Refused("There is no weight to split: weigh each material and enter the kilograms.")
    elif not plan.estimate:
        raise Refused("There is no default split for this category: weigh each material.")
    else:
        split, estimated = plan.estimate, True
    payload = {"materials_kg": split, "estimated": estimated, "recycler_id": recycler.id,
               "recycler": recycler.name, "weee_category": weee,
               "batch_id": batch.id if batch else None}
    if isinstance(subject, Item):
        event = ev.item_event(session, subject, kind="recycled", payload=payload, actor=actor,
                              now=now, key=key)
    else:
        event = ev.part_event(session, subject, kind="recycled", payload=payload, actor=actor,
                              now=now, key=key)
        subject.bin_id = None
    return _write_record(session, event=event, group_id=group_id, item_id=item_id,
                         part_id=part_id, recycler=recycler, batch=batch, weee=weee, split=split,
                         estimated=estimated, now=now)


def _record_of(session: Session, event: LifecycleEvent) -> RecyclingRecord:
    return session.exec(select(RecyclingRecord)
                        .where(RecyclingRecord.event_id == event.id)).one()


def _territory(session: Session, item: Item | None) -> int | None:
    site = session.get(Site, item.site_id) if item and item.site_id else None
    return site.territory_id if site else None


def recycle_item(
    session: Session, *, item_id: int, recycler_id: int,
    materials: Mapping[str, str | float | None] | None = None,
    weee_category: str | int | None = None, batch_id: int | None = None, actor: Actor,
    now: datetime, key: str,
) -> RecyclingRecord:
    """Send an object (what is left of it after harvesting) to a recycler."""

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            lifecycle.next_item_state(item.state, "recycled", {})
            record = _recycle(
                session, subject=item, group_id=item.group_id,
                territory_id=_territory(session, item), mass_kg=remaining_kg(session, item),
                category=category_of(session, item.category_id), recycler_id=recycler_id,
                materials=materials, weee_category=weee_category, batch_id=batch_id,
                actor=actor, now=now, key=key, item_id=item.id, part_id=None)
            return session.get(LifecycleEvent, record.event_id)  # type: ignore[return-value]

    return _record_of(session, ev.once(session, key, "recycled", act))


def recycle_part(
    session: Session, *, part_id: int, recycler_id: int,
    materials: Mapping[str, str | float | None] | None = None,
    weee_category: str | int | None = None, batch_id: int | None = None, reason: str = "",
    actor: Actor, now: datetime, key: str,
) -> RecyclingRecord:
    """Send a part to a recycler: from stock, after a write-off, or out of an object."""
    text = values.clean_text(reason, limit=500, field=N_("Reason"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            part = locked_part(session, part_id, actor)
            if part.state == "installed":
                take_out(session, part, reason=text or "sent to recycling", actor=actor,
                         now=now, key=f"{key}:out")
            elif part.state not in ("in_stock", "written_off"):
                lifecycle.next_part_state(part.state, "recycled", {})
                raise TransitionRefused("Cannot recycle this part.")
            donor = session.get(Item, part.donor_item_id) if part.donor_item_id else None
            record = _recycle(
                session, subject=part, group_id=part.group_id,
                territory_id=_territory(session, donor), mass_kg=part.weight_kg,
                category=category_of(session, donor.category_id if donor
                                   else part.fits_category_id),
                recycler_id=recycler_id, materials=materials, weee_category=weee_category,
                batch_id=batch_id, actor=actor, now=now, key=key,
                item_id=donor.id if donor else None, part_id=part.id)
            return session.get(LifecycleEvent, record.event_id)  # type: ignore[return-value]

    return _record_of(session, ev.once(session, key, "recycled", act))


def record_for(session: Session, *, item_id: int | None = None,
               part_id: int | None = None) -> tuple[RecyclingRecord, list[RecyclingLine]] | None:
    """How an object's own mass (or a part's) was recycled, if it was."""
    stmt = select(RecyclingRecord)
    stmt = (stmt.where(RecyclingRecord.part_id == part_id) if part_id is not None
            else stmt.where(RecyclingRecord.item_id == item_id,
                            col(RecyclingRecord.part_id).is_(None)))
    record = session.exec(stmt).first()
    if record is None:
        return None
    lines = session.exec(select(RecyclingLine).where(RecyclingLine.record_id == record.id)
                         .order_by(col(RecyclingLine.kg).desc())).all()
    return record, list(lines)


def material_label(material: str) -> str:
    row = factor_sets.load_material_credits().rows.get(material)
    return row.label if row else material.replace("_", " ")


def code_for(session: Session, record: RecyclingRecord) -> str | None:
    """The label code of what a record recycled."""
    if record.part_id is not None:
        return code_of(session, part_id=record.part_id)
    return code_of(session, item_id=record.item_id)



def territories_for(session: Session, *, actor: Actor) -> list[Territory]:
    """Territories whose recycler list the actor looks after (where the group has sites)."""
    stmt = select(Territory).where(access.scope_filter(actor, Territory)).order_by(
        col(Territory.name))
    return list(session.exec(stmt).all())
