"""Where an object's kilograms ended up, and the checks that none is counted twice (design §6).

Each kilogram of an object ends in one fate: returned to use, reused as parts, recycled (by
material) or residual waste. Parts still on the shelf are not a fate yet; they are shown apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.domain import codes, lifecycle
from repaircafe.maintenance.integrity import Problem
from repaircafe.models import ImpactRecord, Item, Part, RecyclingLine, RecyclingRecord, Tag

TOLERANCE_KG = 0.0005
_IN_USE = ("in_use", "with_owner")


@dataclass(frozen=True)
class Fates:
    mass_kg: float | None
    returned_to_use_kg: float = 0.0
    reused_as_parts_kg: float = 0.0
    recycled_kg: dict[str, float] = field(default_factory=dict)
    residual_kg: float = 0.0
    in_stock_kg: float = 0.0

    @property
    def recycled_total_kg(self) -> float:
        return round(sum(self.recycled_kg.values()), 3)

    @property
    def settled_kg(self) -> float:
        """Kilograms that have reached their final fate."""
        return round(self.returned_to_use_kg + self.reused_as_parts_kg + self.recycled_total_kg
                     + self.residual_kg, 3)

    @property
    def open_kg(self) -> float | None:
        """Kilograms of the object itself with no fate yet (it is still at the café)."""
        if self.mass_kg is None:
            return None
        return round(self.mass_kg - self.settled_kg - self.in_stock_kg, 3)


def fates(session: Session, *, item_id: int) -> Fates:
    """The fates of one object's mass, from its parts and its recycling records."""
    item = session.get(Item, item_id)
    if item is None:
        return Fates(None)
    by_state: dict[str, float] = defaultdict(float)
    for state, weight in session.exec(select(Part.state, Part.weight_kg)
                                      .where(Part.donor_item_id == item_id)):
        by_state[state] += weight or 0.0
    harvested = sum(by_state.values())
    recycled: dict[str, float] = defaultdict(float)
    own_recycled = 0.0
    for record_part, material, kg in session.exec(
        select(RecyclingRecord.part_id, RecyclingLine.material, RecyclingLine.kg)
        .join(RecyclingLine, col(RecyclingLine.record_id) == RecyclingRecord.id)
        .where(RecyclingRecord.item_id == item_id)
    ):
        recycled[material] += kg
        if record_part is None:
            own_recycled += kg
    residual = by_state.get("written_off", 0.0)
    returned = 0.0
    if item.weight_kg is not None:
        rest = max(item.weight_kg - harvested, 0.0)
        if item.state in _IN_USE:
            returned = rest
        elif item.state == "recycled":
            residual += max(rest - own_recycled, 0.0)
    return Fates(
        mass_kg=item.weight_kg, returned_to_use_kg=round(returned, 3),
        reused_as_parts_kg=round(by_state.get("installed", 0.0), 3),
        recycled_kg={m: round(kg, 3) for m, kg in sorted(recycled.items(), key=lambda x: -x[1])},
        residual_kg=round(residual, 3), in_stock_kg=round(by_state.get("in_stock", 0.0), 3),
    )


def _label(session: Session, *, item_id: int | None = None, part_id: int | None = None) -> str:
    query = select(Tag.code).where(Tag.status == "linked")
    query = query.where(Tag.item_id == item_id) if item_id else query.where(Tag.part_id == part_id)
    code = session.exec(query).first()
    noun = "object" if item_id else "part"
    return f"{noun} {codes.display(code)}" if code else f"{noun} {item_id or part_id}"


def _over_mass(session: Session) -> list[Problem]:
    harvested = dict(session.exec(
        select(Part.donor_item_id, func.sum(Part.weight_kg))
        .where(col(Part.donor_item_id).is_not(None)).group_by(col(Part.donor_item_id))).all())
    recycled = dict(session.exec(
        select(RecyclingRecord.item_id, func.sum(RecyclingRecord.total_kg))
        .where(col(RecyclingRecord.part_id).is_(None), col(RecyclingRecord.item_id).is_not(None))
        .group_by(col(RecyclingRecord.item_id))).all())
    problems = []
    # The queries leave NULL ids out; the filter only tells the type checker.
    ids = sorted(i for i in set(harvested) | set(recycled) if i is not None)
    for start in range(0, len(ids), 1000):
        for item_id, weight in session.exec(
            select(Item.id, Item.weight_kg).where(col(Item.id).in_(ids[start:start + 1000]),
                                                  col(Item.weight_kg).is_not(None))
        ):
            total = (harvested.get(item_id) or 0.0) + (recycled.get(item_id) or 0.0)
            if total > (weight or 0.0) + TOLERANCE_KG:
                problems.append(Problem(
                    "mass", _label(session, item_id=item_id),
                    f"its fates add up to {total:g} kg, more than its {weight:g} kg"))
    for part_id, weight, total in session.exec(
        select(Part.id, Part.weight_kg, RecyclingRecord.total_kg)
        .join(RecyclingRecord, col(RecyclingRecord.part_id) == Part.id)
        .where(col(Part.weight_kg).is_not(None))
    ):
        if total > (weight or 0.0) + TOLERANCE_KG:
            problems.append(Problem("mass", _label(session, part_id=part_id),
                                    f"{total:g} kg recycled from a part of {weight:g} kg"))
    return problems


def _credited_twice(session: Session) -> list[Problem]:
    reuse = dict(session.exec(
        select(ImpactRecord.part_id, func.count())
        .where(ImpactRecord.kind == "part_reuse", ImpactRecord.is_void == False,  # noqa: E712
               col(ImpactRecord.part_id).is_not(None))
        .group_by(col(ImpactRecord.part_id))).all())
    recycled = dict(session.exec(
        select(RecyclingRecord.part_id, func.count())
        .where(col(RecyclingRecord.part_id).is_not(None))
        .group_by(col(RecyclingRecord.part_id))).all())
    states = dict(session.exec(select(Part.id, Part.state)
                               .where(col(Part.id).in_(set(reuse) | set(recycled)))).all())
    problems = []
    for part_id in sorted(i for i in set(reuse) | set(recycled) if i is not None):
        n_reuse, n_recycled = reuse.get(part_id, 0), recycled.get(part_id, 0)
        why = None
        if n_reuse > 1:
            why = f"credited as reused {n_reuse} times"
        elif n_recycled > 1:
            why = f"recycled {n_recycled} times"
        elif n_reuse and n_recycled:
            why = "credited both as reused and as recycled"
        elif n_reuse and states.get(part_id) != "installed":
            why = "credited as reused but no longer installed"
        if why:
            problems.append(Problem("credit", _label(session, part_id=part_id), why))
    return problems


def _cycles(session: Session) -> list[Problem]:
    edges = session.exec(
        select(Part.donor_item_id, Part.installed_item_id)
        .where(Part.state == "installed", col(Part.donor_item_id).is_not(None))).all()
    loop = lifecycle.find_cycle((d, r) for d, r in edges if d and r)
    if loop is None:
        return []
    path = " → ".join(_label(session, item_id=i) for i in loop)
    return [Problem("lineage", _label(session, item_id=loop[0]), f"parts go round in a circle: {path}")]


def check(session: Session) -> list[Problem]:
    """Objects whose fates exceed their mass, parts credited twice, and lineage loops."""
    return [*_over_mass(session), *_credited_twice(session), *_cycles(session)]
