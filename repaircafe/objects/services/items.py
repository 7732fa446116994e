"""Reading objects: search within the user's scope, and one object's whole history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.domain import codes, permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound
from repaircafe.models import (
    Category,
    Item,
    LifecycleEvent,
    Owner,
    Part,
    RepairSession,
    Site,
    Tag,
)


@dataclass(frozen=True)
class ItemRow:
    id: int
    code: str | None
    category: str | None
    brand: str
    model: str
    state: str
    registered_at: Any
    site: str | None


def search_items(
    session: Session, *, actor: Actor, query: str = "", category: str | None = None,
    state: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[ItemRow], int]:
    """Objects matching a code, brand or category text, newest first, with the total count."""
    stmt = (
        select(Item, Tag.code, Category.name, Site.name)
        .join(Tag, (col(Tag.item_id) == Item.id) & (col(Tag.status) == "linked"), isouter=True)
        .join(Category, col(Category.id) == Item.category_id, isouter=True)
        .join(Site, col(Site.id) == Item.site_id, isouter=True)
        .where(access.scope_filter(actor, Item))
    )
    text = query.strip()
    if text:
        normalised = codes.normalise(codes.extract(text))
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(
            col(Tag.code).startswith(normalised) if normalised else False,
            func.lower(Item.brand).like(like),
            func.lower(Item.model).like(like),
            func.lower(Category.name).like(like),
        ))
    if category:
        stmt = stmt.where(Category.slug == category)
    if state:
        stmt = stmt.where(Item.state == state)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Item.registered_at).desc(), col(Item.id).desc()).limit(limit).offset(offset)
    ).all()
    found = []
    for item, code, cat, site in rows:
        assert item.id is not None  # a loaded row always has its key
        found.append(ItemRow(item.id, code, cat, item.brand, item.model, item.state,
                             item.registered_at, site))
    return found, total


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    kind: str
    payload: dict[str, Any]
    occurred_at: Any
    actor_name: str
    public_note: str
    internal_note: str
    session_title: str | None
    held_on: Any
    corrects_id: int | None
    corrected_by: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ItemDetail:
    item: Item
    code: str | None
    old_codes: list[str]
    category: Category | None
    site: Site | None
    owner: Owner | None
    history: list[HistoryEntry]
    parts_taken: list[Part]
    parts_installed: list[Part]


def item_detail(session: Session, *, item_id: int, actor: Actor) -> ItemDetail:
    """Everything the bench shows about one object, history first."""
    item = access.load(session, Item, item_id, actor)
    tags = session.exec(select(Tag).where(Tag.item_id == item.id).order_by(col(Tag.id))).all()
    code = next((t.code for t in tags if t.status == "linked"), None)
    rows = session.exec(
        select(LifecycleEvent, RepairSession)
        .join(RepairSession, col(RepairSession.id) == LifecycleEvent.repair_session_id,
              isouter=True)
        .where(LifecycleEvent.item_id == item.id)
        # In the order things happened: an entry saved on a tablet without network arrives
        # later than it happened, and shows where it happened.
        .order_by(col(LifecycleEvent.occurred_at), col(LifecycleEvent.id))
    ).all()
    corrected: dict[int, list[int]] = {}
    for event, _ in rows:
        if event.corrects_id:
            corrected.setdefault(event.corrects_id, []).append(event.id or 0)
    history = [
        HistoryEntry(e.id or 0, e.kind, e.payload or {}, e.occurred_at, e.actor_name,
                     e.public_note, e.internal_note, s.title if s else None,
                     s.held_on if s else None, e.corrects_id, corrected.get(e.id or 0, []))
        for e, s in rows
    ]
    show_owner = permissions.can(actor.role, "view_personal_data")
    return ItemDetail(
        item=item,
        code=code,
        old_codes=[t.code for t in tags if t.status == "retired"],
        category=session.get(Category, item.category_id) if item.category_id else None,
        site=session.get(Site, item.site_id) if item.site_id else None,
        owner=session.get(Owner, item.owner_id) if item.owner_id and show_owner else None,
        history=history,
        parts_taken=list(session.exec(select(Part).where(Part.donor_item_id == item.id)).all()),
        parts_installed=list(
            session.exec(select(Part).where(Part.installed_item_id == item.id)).all()
        ),
    )


def item_by_code(session: Session, *, code: str) -> Item:
    """The object a (linked or retired) code belongs to."""
    parsed = codes.parse(code)
    item = session.exec(
        select(Item).join(Tag, col(Tag.item_id) == Item.id).where(Tag.code == parsed)
    ).first()
    if item is None:
        raise NotFound("No object carries label %(code)s.", code=codes.display(parsed))
    return item


def categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(col(Category.sort_order), col(Category.name))).all())


def latest_event_id(session: Session, *, item_id: int) -> int | None:
    """The object's newest history entry, to show it after a save."""
    return session.exec(
        select(func.max(LifecycleEvent.id)).where(LifecycleEvent.item_id == item_id)
    ).one()


def waiting_since(session: Session, *, item_ids: list[int]) -> dict[int, Any]:
    """When each object's current visit began (registered or checked in): how long it waits."""
    if not item_ids:
        return {}
    rows = session.exec(
        select(LifecycleEvent.item_id, func.max(LifecycleEvent.occurred_at))
        .where(col(LifecycleEvent.item_id).in_(item_ids),
               col(LifecycleEvent.kind).in_(("registered", "checked_in")))
        .group_by(col(LifecycleEvent.item_id))
    ).all()
    return {item_id: since for item_id, since in rows if item_id is not None}
