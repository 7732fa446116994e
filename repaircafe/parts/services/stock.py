"""The parts inventory: tagged bins, searching stock from the bench, moving and writing off parts.

Parts move between bins and out of stock only through part events, so a part's history says
where it has been; the `bin_id` column is the cache the shelves are searched by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import Category, Item, LifecycleEvent, Part, Site, StockBin, Tag
from repaircafe.tags.services import tags as tag_service


def locked_part(session: Session, part_id: int, actor: Actor) -> Part:
    """The part, if the actor may change it, locked against a second tablet until commit."""
    return access.load(session, Part, part_id, actor, write=True, lock=True)


def code_of(session: Session, *, item_id: int | None = None, part_id: int | None = None,
            bin_id: int | None = None) -> str | None:
    """The code on the current label of an object, part or bin."""
    tag = tag_service.current_tag(session, item_id=item_id, part_id=part_id, bin_id=bin_id)
    return tag.code if tag else None


def find_bin(session: Session, *, actor: Actor, bin_id: int | None = None,
             code: str | None = None, write: bool = False) -> StockBin:
    """A bin by id or by the code on its label, if the actor may see it (or use it)."""
    found: StockBin | None = None
    if code:
        parsed = codes.parse(code)
        found = session.exec(
            select(StockBin).join(Tag, col(Tag.bin_id) == StockBin.id).where(Tag.code == parsed)
        ).first()
        if found is None:
            raise NotFound("Label %(code)s is not on a bin.", code=codes.display(parsed))
    elif bin_id is not None:
        found = session.get(StockBin, bin_id)
    if found is None:
        raise Refused("Choose a bin, or scan its label.")
    allowed = access.can_write if write else access.can_read
    if not allowed(session, actor, StockBin, found.id):
        raise NotFound("That bin belongs to another group.")
    return found


def create_bin(session: Session, *, name: str, group_id: int | None, site_id: int | None = None,
               tag_code: str | None = None, actor: Actor, now: datetime) -> StockBin:
    """A new shelf or box with its own label: a blank one claimed, or a fresh code to print."""
    name = values.clean_text(name, limit=120, field=N_("Bin name"))
    if not name:
        raise Refused("Give the bin a name people will find on the shelf, e.g. “Belts A”.")
    group_id = access.group_for_write(session, actor, group_id)
    with write_transaction(session):
        if site_id is not None:
            site = access.load(session, Site, site_id, actor, write=True)
            if site.group_id != group_id:
                raise Refused("That site belongs to another group.")
        clash = session.exec(
            select(StockBin).where(StockBin.group_id == group_id, StockBin.name == name)
        ).first()
        if clash is not None:
            raise Refused("There is already a bin called “%(name)s”.", name=name)
        stock_bin = StockBin(group_id=group_id, site_id=site_id, name=name)
        session.add(stock_bin)
        session.flush()
        tag = (access.check_blank_label(tag_service.claimable_tag(session, tag_code), group_id)
               if tag_code
               else tag_service.new_tags(session, count=1, group_id=group_id, now=now)[0])
        tag.status, tag.kind, tag.bin_id, tag.linked_at = "linked", "bin", stock_bin.id, now
        session.add(tag)
    return stock_bin


@dataclass(frozen=True)
class BinRow:
    id: int
    name: str
    code: str | None
    site: str | None
    parts: int


def bins(session: Session, *, actor: Actor) -> list[BinRow]:
    """The group's bins with how many parts each holds."""
    counts = (
        select(Part.bin_id, func.count().label("n"))
        .where(Part.state == "in_stock").group_by(col(Part.bin_id)).subquery()
    )
    stmt = (
        select(StockBin, Tag.code, Site.name, counts.c.n)
        .join(Tag, (col(Tag.bin_id) == StockBin.id) & (col(Tag.status) == "linked"), isouter=True)
        .join(Site, col(Site.id) == StockBin.site_id, isouter=True)
        .join(counts, counts.c.bin_id == StockBin.id, isouter=True)
        .order_by(col(StockBin.name))
    )
    stmt = stmt.where(access.scope_filter(actor, StockBin))
    return [BinRow(b.id or 0, b.name, code, site, n or 0)
            for b, code, site, n in session.exec(stmt).all()]


@dataclass(frozen=True)
class PartRow:
    id: int
    code: str | None
    name: str
    part_type: str
    fits: str | None
    condition: str
    weight_kg: float | None
    state: str
    bin_id: int | None
    bin_name: str | None
    donor_id: int | None
    donor: str


_Fits = aliased(Category)
_DonorCategory = aliased(Category)


# Code, fitting category, bin, donor category, donor brand and model (outer joins: may be None).
_PartQuery = Select[Part, str | None, str | None, str | None, str | None, str | None, str | None]


def _part_rows(session: Session, stmt: _PartQuery) -> list[PartRow]:
    # Seven columns: more than sqlmodel's typed select() and Session.exec() take.
    rows = session.execute(stmt).all()
    return [
        PartRow(p.id or 0, code, p.name, p.part_type, fits, p.condition, p.weight_kg, p.state,
                p.bin_id, bin_name, p.donor_item_id,
                " ".join(x for x in (donor_cat, brand, model) if x))
        for p, code, fits, bin_name, donor_cat, brand, model in rows
    ]


def _parts_query() -> _PartQuery:
    return (
        sa_select(Part, col(Tag.code), col(_Fits.name), col(StockBin.name),
                  col(_DonorCategory.name), col(Item.brand), col(Item.model))
        .join(Tag, (col(Tag.part_id) == Part.id) & (col(Tag.status) == "linked"), isouter=True)
        .join(_Fits, col(_Fits.id) == Part.fits_category_id, isouter=True)
        .join(StockBin, col(StockBin.id) == Part.bin_id, isouter=True)
        .join(Item, col(Item.id) == Part.donor_item_id, isouter=True)
        .join(_DonorCategory, col(_DonorCategory.id) == Item.category_id, isouter=True)
    )


def search_parts(
    session: Session, *, actor: Actor, query: str = "", category: str | None = None,
    part_type: str | None = None, bin_id: int | None = None, state: str | None = "in_stock",
    limit: int = 100,
) -> list[PartRow]:
    """Parts matching every word typed ("5 mm belt philips vacuum"), in any of their fields.

    A word may be in the part's name or type, the category it fits, or the donor's category,
    brand or model; a typed or scanned part code matches its label.
    """
    stmt = _parts_query().where(access.scope_filter(actor, Part))
    if state:
        stmt = stmt.where(col(Part.state) == state)
    if category:
        stmt = stmt.where(col(_Fits.slug) == category)
    if part_type:
        stmt = stmt.where(func.lower(Part.part_type) == part_type.strip().lower())
    if bin_id is not None:
        stmt = stmt.where(col(Part.bin_id) == bin_id)
    text = query.strip()
    code = codes.normalise(codes.extract(text)) if text else ""
    if code and codes.is_valid(code):
        stmt = stmt.where(col(Tag.code) == codes.parse(code))
    else:
        for word in text.lower().replace(",", " ").split():
            like = f"%{word}%"
            stmt = stmt.where(or_(
                func.lower(Part.name).like(like), func.lower(Part.part_type).like(like),
                func.lower(_Fits.name).like(like), func.lower(_DonorCategory.name).like(like),
                func.lower(Item.brand).like(like), func.lower(Item.model).like(like),
            ))
    stmt = stmt.order_by(col(Part.name), col(Part.id)).limit(limit)
    return _part_rows(session, stmt)


def part_types(session: Session, *, actor: Actor) -> list[str]:
    """Part types already in use, offered as suggestions so the stock stays searchable."""
    stmt = select(Part.part_type).where(Part.part_type != "", access.scope_filter(actor, Part))
    stmt = stmt.distinct()
    return sorted(session.exec(stmt).all())


@dataclass(frozen=True)
class BinDetail:
    bin: StockBin
    code: str | None
    site: Site | None
    parts: list[PartRow]


def bin_detail(session: Session, *, actor: Actor, bin_id: int | None = None,
               code: str | None = None) -> BinDetail:
    """What a scan of a bin shows: the parts in it now."""
    stock_bin = find_bin(session, actor=actor, bin_id=bin_id, code=code)
    return BinDetail(
        stock_bin, code_of(session, bin_id=stock_bin.id),
        session.get(Site, stock_bin.site_id) if stock_bin.site_id else None,
        search_parts(session, actor=actor, bin_id=stock_bin.id),
    )


def bin_for_part(session: Session, part: Part, *, actor: Actor, bin_id: int | None,
                 code: str | None) -> StockBin:
    """The bin a part is to go into: one of the part's own group, never another's stock."""
    target = find_bin(session, actor=actor, bin_id=bin_id, code=code, write=True)
    if target.group_id != part.group_id:
        raise Refused("That bin belongs to another group's stock.")
    return target


def move_part(
    session: Session, *, part_id: int, bin_id: int | None = None, bin_code: str | None = None,
    actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """Put a part in stock on another shelf."""

    def act() -> LifecycleEvent:
        with write_transaction(session):
            part = locked_part(session, part_id, actor)
            target = bin_for_part(session, part, actor=actor, bin_id=bin_id, code=bin_code)
            if target.id == part.bin_id:
                raise Refused("The part is already in bin “%(name)s”.", name=target.name)
            previous = session.get(StockBin, part.bin_id) if part.bin_id else None
            event = ev.part_event(
                session, part, kind="moved", actor=actor, now=now, key=key,
                payload={"from_bin_id": part.bin_id, "from_bin": previous.name if previous else None,
                         "bin_id": target.id, "bin": target.name},
            )
            part.bin_id = target.id
            return event

    return ev.once(session, key, "moved", act)


def write_off(
    session: Session, *, part_id: int, reason: str, actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """A part found broken or lost leaves stock; its mass counts as residual waste."""
    text = values.clean_text(reason, limit=500, field=N_("Reason"))
    if not text:
        raise Refused("Say why the part is written off (broken, lost…).")

    def act() -> LifecycleEvent:
        with write_transaction(session):
            part = locked_part(session, part_id, actor)
            event = ev.part_event(session, part, kind="written_off",
                                  payload={"reason": text, "bin_id": part.bin_id}, actor=actor,
                                  now=now, key=key, internal_note=text)
            part.bin_id = None
            return event

    return ev.once(session, key, "written_off", act)
