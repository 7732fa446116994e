"""The public page of a part's or a bin's label, for anyone who scans it with a phone camera.

Part labels and object labels share one code space, so a phone that scans a part lands on the
same address as an object's passport. A part's page tells its journey: the kind of object it
came from, its time in stock, the objects it went into (each linked to their own public page),
and its end. Nothing personal is shown: no owner, no fixer names, no internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from repaircafe.domain import codes
from repaircafe.domain.errors import CodeError, NotFound
from repaircafe.models import (
    Category,
    Item,
    LifecycleEvent,
    Part,
    RepairGroup,
    RepairSession,
    Site,
    StockBin,
    Tag,
)

# The part events a stranger may see; shelf moves stay inside the café.
_PUBLIC_KINDS = ("harvested", "installed", "removed", "written_off", "recycled")


@dataclass(frozen=True)
class PublicObject:
    """An object at the other end of a step: its label (for its public page) and its kind."""

    code: str | None
    category: str | None


@dataclass(frozen=True)
class JourneyStep:
    kind: str
    on: date
    cafe: str | None
    obj: PublicObject | None = None
    materials_kg: dict[str, float] | None = None


@dataclass(frozen=True)
class PartPassport:
    code: str
    is_current_code: bool
    name: str
    part_type: str
    state: str
    weight_kg: float | None
    keeper: str | None
    donor: PublicObject | None
    installed_in: PublicObject | None
    journey: list[JourneyStep]


@dataclass(frozen=True)
class BinPage:
    code: str
    name: str
    keeper: str | None
    parts_in_stock: int


def _tag(session: Session, text: str) -> Tag:
    try:
        code = codes.parse(text)
    except CodeError as exc:
        raise NotFound(exc.message) from None
    tag = session.exec(select(Tag).where(Tag.code == code)).one_or_none()
    if tag is None or (tag.part_id is None and tag.bin_id is None):
        raise NotFound("No object or part carries label %(code)s.", code=codes.display(code))
    return tag


def _public_object(session: Session, item_id: int | None) -> PublicObject | None:
    item = session.get(Item, item_id) if item_id else None
    if item is None:
        return None
    category = session.get(Category, item.category_id) if item.category_id else None
    current = session.exec(
        select(Tag.code).where(Tag.item_id == item.id, Tag.status == "linked")
        .order_by(col(Tag.id).desc())
    ).first()
    return PublicObject(current, category.name if category else None)


def _group_name(session: Session, group_id: int | None) -> str | None:
    group = session.get(RepairGroup, group_id) if group_id else None
    return group.name if group else None


def part_passport(session: Session, part_id: int, *, code: str, is_current: bool) -> PartPassport:
    """One part's public journey, oldest step first."""
    part = session.get(Part, part_id)
    if part is None:
        raise NotFound("That part does not exist.")
    rows = session.exec(
        select(LifecycleEvent, col(RepairSession.held_on), col(Site.name))
        .join(RepairSession, col(RepairSession.id) == LifecycleEvent.repair_session_id,
              isouter=True)
        .join(Site, col(Site.id) == RepairSession.site_id, isouter=True)
        .where(LifecycleEvent.part_id == part.id, col(LifecycleEvent.kind).in_(_PUBLIC_KINDS))
        .order_by(col(LifecycleEvent.id))
    ).all()
    journey = []
    for event, held_on, cafe in rows:
        payload = event.payload or {}
        other = None
        if event.kind == "harvested":
            other = _public_object(session, payload.get("donor_item_id") or part.donor_item_id)
        elif event.kind in ("installed", "removed"):
            other = _public_object(session, payload.get("item_id"))
        journey.append(JourneyStep(
            kind=event.kind, on=held_on or event.occurred_at.date(), cafe=cafe, obj=other,
            materials_kg=payload.get("materials_kg") if event.kind == "recycled" else None,
        ))
    return PartPassport(
        code=code, is_current_code=is_current, name=part.name, part_type=part.part_type,
        state=part.state, weight_kg=part.weight_kg, keeper=_group_name(session, part.group_id),
        donor=_public_object(session, part.donor_item_id),
        installed_in=_public_object(session, part.installed_item_id), journey=journey,
    )


def bin_page(session: Session, bin_id: int, *, code: str) -> BinPage:
    """A stock bin: whose shelf it is and how many parts wait in it."""
    stock_bin = session.get(StockBin, bin_id)
    if stock_bin is None:
        raise NotFound("That bin does not exist.")
    count = session.exec(
        select(func.count()).select_from(Part)
        .where(Part.bin_id == stock_bin.id, Part.state == "in_stock")
    ).one()
    return BinPage(code, stock_bin.name, _group_name(session, stock_bin.group_id), int(count))


def label_page(session: Session, *, text: str) -> PartPassport | BinPage:
    """The public page of a part's or a bin's label (current or replaced)."""
    tag = _tag(session, text)
    if tag.part_id is not None:
        return part_passport(session, tag.part_id, code=tag.code,
                             is_current=tag.status == "linked")
    return bin_page(session, tag.bin_id or 0, code=tag.code)
