"""The owner's view of an object: what was done, when and where, with no personal data.

Anyone with a phone camera lands here, so it is a hot path: one query on the driver's
connection (no ORM session, no transaction) returns the object and its whole history
together; parts are only looked up when the history has any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from repaircafe.db import DriverStatement, driver_connection
from repaircafe.domain import codes, lifecycle
from repaircafe.domain.errors import CodeError, NotFound
from repaircafe.models import Category, Item, LifecycleEvent, Part, RepairSession, Site, Tag

# Payload fields an owner may see; everything else (fixer names, internal notes) stays inside.
_PUBLIC_FIELDS = ("outcome", "barrier", "to", "return_due_on", "part_name", "materials_kg")
_PART_KINDS = frozenset({"parts_harvested", "part_installed", "part_removed"})

_E = LifecycleEvent.__table__  # type: ignore[attr-defined]
_STORY = DriverStatement(
    select(Tag.status, Item.id, Item.brand, Item.model, Item.state, Category.name,
           _E.c.id, _E.c.kind, _E.c.payload, _E.c.public_note, _E.c.corrects_id,
           _E.c.occurred_at, RepairSession.held_on, Site.name)
    .select_from(Tag)
    .join(Item, Item.id == Tag.item_id)
    .join(Category, Category.id == Item.category_id, isouter=True)
    .join(_E, _E.c.item_id == Item.id, isouter=True)
    .join(RepairSession, RepairSession.id == _E.c.repair_session_id, isouter=True)
    .join(Site, Site.id == RepairSession.site_id, isouter=True)
    .where(Tag.code == bindparam("code"))
    .order_by(_E.c.id)
)
_PARTS = DriverStatement(
    select(Part.name, Part.donor_item_id)
    .where((Part.donor_item_id == bindparam("item_id"))
           | (Part.installed_item_id == bindparam("item_id")))
    .order_by(Part.id)
)


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
    parts_given: list[PublicLink] = field(default_factory=list)
    parts_received: list[PublicLink] = field(default_factory=list)


@dataclass(frozen=True)
class PublicLink:
    """A part that left this object for another one, or came into it from a donor."""

    part_name: str
    part_state: str
    other_code: str | None
    other_label: str


def passport(engine: Engine, *, text: str) -> Passport:
    """The public page of the object a label belongs to (its current or a replaced label)."""
    try:
        code = codes.parse(text)
    except CodeError as exc:
        raise NotFound(exc.template, **exc.params) from None
    with driver_connection(engine) as connection:
        rows = connection.rows(_STORY, {"code": code})
    if not rows:
        raise NotFound("No object carries label %(code)s.", code=codes.display(code))
    status, item_id, brand, model, state, category = rows[0][:6]
    events = [r for r in rows if r[6] is not None]
    facts = lifecycle.effective_events(
        lifecycle.EventFact(r[6], r[7], r[8] or {}, r[10]) for r in events
    )
    kept = {f.id: f for f in facts}
    entries = []
    for r in events:
        fact = kept.get(r[6])
        if fact is None or (r[7] == "note" and not r[9]):
            continue
        entries.append(PublicEntry(
            kind=r[7],
            on=r[12] or r[11].date(),
            cafe=r[13],
            details={k: v for k, v in fact.payload.items() if k in _PUBLIC_FIELDS and v is not None},
            public_note=r[9],
        ))
    taken: list[str] = []
    installed: list[str] = []
    if any(r[7] in _PART_KINDS for r in events):
        with driver_connection(engine) as connection:
            for name, donor in connection.rows(_PARTS, {"item_id": item_id}):
                (taken if donor == item_id else installed).append(name)
    given: list[PublicLink] = []
    received: list[PublicLink] = []
    if taken or installed:
        from repaircafe.services.parts import lineage

        with Session(engine) as session:
            out, into = lineage(session, item_id=item_id)
        given = [PublicLink(g.part_name, g.part_state, g.item_code, g.item_label) for g in out]
        received = [PublicLink(r.part_name, r.part_state, r.item_code, r.item_label)
                    for r in into]
    return Passport(
        code=code, is_current_code=status == "linked", category=category, brand=brand,
        model=model, state=state, entries=entries, parts_taken=taken, parts_installed=installed,
        parts_given=given, parts_received=received,
    )
