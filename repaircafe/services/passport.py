"""The owner's view of an object: what was done, when and where, with no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from repaircafe.domain import codes, lifecycle
from repaircafe.domain.errors import CodeError, NotFound
from repaircafe.models import Category, Item, LifecycleEvent, Part, RepairSession, Site, Tag

# Payload fields an owner may see; everything else (fixer names, internal notes) stays inside.
_PUBLIC_FIELDS = ("outcome", "barrier", "to", "return_due_on", "part_name", "materials_kg")


@dataclass(frozen=True)
class PublicEntry:
    kind: str
    on: date
    cafe: str | None
    details: dict[str, Any]
    public_note: str


@dataclass(frozen=True)
class Passport:
    code: str
    is_current_code: bool
    category: str | None
    brand: str
    model: str
    state: str
    entries: list[PublicEntry]
    parts_taken: list[str]
    parts_installed: list[str]


def passport(session: Session, *, text: str) -> Passport:
    """The public page of the object (or part) a label belongs to."""
    try:
        code = codes.parse(text)
    except CodeError as exc:
        raise NotFound(exc.message) from None
    row = session.exec(
        select(Tag, Item, Category)
        .join(Item, Item.id == Tag.item_id)
        .join(Category, Category.id == Item.category_id, isouter=True)
        .where(Tag.code == code)
    ).first()
    if row is None:
        raise NotFound(f"No object carries label {codes.display(code)}.")
    tag, item, category = row
    events = session.exec(
        select(LifecycleEvent, RepairSession, Site)
        .join(RepairSession, RepairSession.id == LifecycleEvent.repair_session_id, isouter=True)
        .join(Site, Site.id == RepairSession.site_id, isouter=True)
        .where(LifecycleEvent.item_id == item.id)
        .order_by(col(LifecycleEvent.id))
    ).all()
    facts = lifecycle.effective_events(
        lifecycle.EventFact(e.id or 0, e.kind, e.payload or {}, e.corrects_id) for e, _s, _t in events
    )
    kept = {f.id: f for f in facts}
    entries = []
    for event, repair_session, site in events:
        fact = kept.get(event.id or 0)
        if fact is None or event.kind in ("note",) and not event.public_note:
            continue
        entries.append(PublicEntry(
            kind=event.kind,
            on=repair_session.held_on if repair_session else event.occurred_at.date(),
            cafe=site.name if site else None,
            details={k: v for k, v in fact.payload.items() if k in _PUBLIC_FIELDS and v is not None},
            public_note=event.public_note,
        ))
    taken = session.exec(select(Part.name).where(Part.donor_item_id == item.id)).all()
    installed = session.exec(select(Part.name).where(Part.installed_item_id == item.id)).all()
    return Passport(
        code=code, is_current_code=tag.status == "linked",
        category=category.name if category else None, brand=item.brand, model=item.model,
        state=item.state, entries=entries, parts_taken=list(taken), parts_installed=list(installed),
    )
