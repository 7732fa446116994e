"""The owner's view of an object: what was done, when and where, with no personal data.

Anyone with a phone camera lands here, so one query returns the object and its whole history
together; parts are only looked up when the history has any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from repaircafe.domain import codes, lifecycle
from repaircafe.domain.errors import CodeError, NotFound
from repaircafe.models import Category, Item, LifecycleEvent, Part, RepairSession, Site, Tag
from repaircafe.parts.services.parts import lineage

# Payload fields an owner may see; everything else (fixer names, internal notes) stays inside.
_PUBLIC_FIELDS = ("outcome", "barrier", "to", "return_due_on", "part_name", "materials_kg")
_PART_KINDS = frozenset({"parts_harvested", "part_installed", "part_removed"})

_E = LifecycleEvent.__table__  # type: ignore[attr-defined]
_STORY = (
    select(col(Tag.status).label("tag_status"), col(Item.id).label("item_id"), col(Item.brand),
           col(Item.model), col(Item.state), col(Category.name).label("category"),
           _E.c.id.label("event_id"), _E.c.kind, _E.c.payload, _E.c.public_note,
           _E.c.corrects_id, _E.c.occurred_at, col(RepairSession.held_on),
           col(Site.name).label("cafe"))
    .select_from(Tag)
    .join(Item, col(Item.id) == col(Tag.item_id))
    .join(Category, col(Category.id) == col(Item.category_id), isouter=True)
    .join(_E, _E.c.item_id == col(Item.id), isouter=True)
    .join(RepairSession, col(RepairSession.id) == _E.c.repair_session_id, isouter=True)
    .join(Site, col(Site.id) == col(RepairSession.site_id), isouter=True)
    .where(col(Tag.code) == bindparam("code"))
    .order_by(_E.c.occurred_at, _E.c.id)  # as things happened, even when sent later (offline)
)
_PARTS = (
    select(col(Part.name), col(Part.donor_item_id))
    .where((col(Part.donor_item_id) == bindparam("item_id"))
           | (col(Part.installed_item_id) == bindparam("item_id")))
    .order_by(col(Part.id))
)


@dataclass(frozen=True)
class PublicEntry:
    kind: str
    on: date
    cafe: str | None
    details: dict[str, Any]
    public_note: str


_UNLISTED = ("photo_added", "follow_up_answered")


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
    parts_given: list[PublicLink] = field(default_factory=list)
    parts_received: list[PublicLink] = field(default_factory=list)


@dataclass(frozen=True)
class PublicLink:
    """A part that left this object for another one, or came into it from a donor."""

    part_name: str
    part_state: str
    other_code: str | None
    other_label: str


def passport(session: Session, *, text: str) -> Passport:
    """The public page of the object a label belongs to (its current or a replaced label)."""
    try:
        code = codes.parse(text)
    except CodeError as exc:
        raise NotFound(exc.template, **exc.params) from None
    rows = session.connection().execute(_STORY, {"code": code}).all()
    if not rows:
        raise NotFound("No object carries label %(code)s.", code=codes.display(code))
    first = rows[0]
    item_id = first.item_id
    events = [r for r in rows if r.event_id is not None]
    facts = lifecycle.effective_events(
        lifecycle.EventFact(r.event_id, r.kind, r.payload or {}, r.corrects_id) for r in events
    )
    kept = {f.id: f for f in facts}
    entries = []
    for r in events:
        fact = kept.get(r.event_id)
        # Photos show in their own section only when made public; answers to "still working?"
        # are the owner's and stay with the café.
        if fact is None or (r.kind == "note" and not r.public_note) or r.kind in _UNLISTED:
            continue
        entries.append(PublicEntry(
            kind=r.kind,
            on=r.held_on or r.occurred_at.date(),
            cafe=r.cafe,
            details={k: v for k, v in fact.payload.items() if k in _PUBLIC_FIELDS and v is not None},
            public_note=r.public_note,
        ))
    taken: list[str] = []
    installed: list[str] = []
    if any(r.kind in _PART_KINDS for r in events):
        for name, donor in session.connection().execute(_PARTS, {"item_id": item_id}).all():
            (taken if donor == item_id else installed).append(name)
    given: list[PublicLink] = []
    received: list[PublicLink] = []
    if taken or installed:
        out, into = lineage(session, item_id=item_id)
        given = [PublicLink(g.part_name, g.part_state, g.item_code, g.item_label) for g in out]
        received = [PublicLink(r.part_name, r.part_state, r.item_code, r.item_label)
                    for r in into]
    return Passport(
        code=code, is_current_code=first.tag_status == "linked", category=first.category,
        brand=first.brand, model=first.model, state=first.state, entries=entries,
        parts_taken=taken, parts_installed=installed, parts_given=given,
        parts_received=received,
    )
