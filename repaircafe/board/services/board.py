"""The live session board: today's objects at a site as waiting / at a bench / done.

Tablets poll it every few seconds, so it is one Core query over the session's objects, and
its version string lets an unchanged board answer 304 without being sent again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from repaircafe.board.services import repair_sessions
from repaircafe.core import access
from repaircafe.domain import lifecycle
from repaircafe.domain.actors import Actor
from repaircafe.models import Category, Item, RepairSession, Site, Tag

COLUMNS = ("waiting", "at_bench", "done")


@dataclass(frozen=True)
class Card:
    item_id: int
    code: str | None
    category: str | None
    brand: str
    model: str
    state: str
    updated_at: datetime


@dataclass(frozen=True)
class Board:
    repair_session_id: int
    site: str
    held_on: date
    version: str
    columns: dict[str, list[Card]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(cards) for name, cards in self.columns.items()}


def board(session: Session, *, repair_session_id: int, actor: Actor) -> Board:
    """Every object whose current visit is this session, sorted into the three columns."""
    repair_session = access.load(session, RepairSession, repair_session_id, actor)
    site = session.get(Site, repair_session.site_id)
    assert site is not None
    rows = session.connection().execute(
        select(col(Item.id), col(Tag.code), col(Category.name), col(Item.brand),
               col(Item.model), col(Item.state), col(Item.updated_at))
        .join(Tag, (col(Tag.item_id) == Item.id) & (col(Tag.status) == "linked"), isouter=True)
        .join(Category, col(Category.id) == Item.category_id, isouter=True)
        .where(col(Item.current_session_id) == repair_session_id)
        .order_by(col(Item.updated_at).desc(), col(Item.id).desc())
    ).all()
    columns: dict[str, list[Card]] = {name: [] for name in COLUMNS}
    digest = hashlib.sha1(usedforsecurity=False)
    for item_id, code, category, brand, model, state, updated_at in rows:
        assert item_id is not None  # a primary key
        card = Card(item_id, code, category, brand, model, state, updated_at)
        columns[lifecycle.board_column(state)].append(card)
        digest.update(f"{item_id}:{state}:{code}:{updated_at.isoformat()};".encode())
    return Board(repair_session.id or 0, site.name, repair_session.held_on,
                 digest.hexdigest()[:16], columns)


def todays_sessions(session: Session, *, actor: Actor, day: date) -> list[tuple[int, str]]:
    """(session id, site name) of the sessions open on that day within the actor's scope."""
    stmt = (select(col(RepairSession.id), col(Site.name))
            .join(Site, col(Site.id) == RepairSession.site_id)
            .where(col(RepairSession.held_on) == day, access.scope_filter(actor, RepairSession)))
    rows = session.connection().execute(stmt.order_by(col(Site.name)))
    return [(sid, name) for sid, name in rows if sid is not None]  # ids are never NULL


def open_today(session: Session, *, site_id: int, actor: Actor, day: date,
               now: datetime) -> RepairSession:
    """Open (or find) the site's session for the day, if the site is the actor's."""
    access.load(session, Site, site_id, actor, write=True)
    return repair_sessions.open_session(session, site_id=site_id, day=day, now=now)
