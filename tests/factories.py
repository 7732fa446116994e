"""Test data builders: a small world of places and people, and objects in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from repaircafe.accounts.services import accounts
from repaircafe.core.events import new_key
from repaircafe.domain.actors import Actor
from repaircafe.models import Item, RepairGroup, RepairSession, Site, Territory, User
from repaircafe.objects.services import intake

NOW = datetime(2025, 6, 14, 10, 0, tzinfo=UTC)


@dataclass
class World:
    territory: Territory
    other_territory: Territory
    group: RepairGroup
    other_group: RepairGroup
    site: Site
    other_site: Site
    repair_session: RepairSession
    other_session: RepairSession
    users: dict[str, User]

    def actor(self, role: str = "fixer") -> Actor:
        return accounts.actor_for(self.users[role])


def build_world(session: Session) -> World:
    """Two territories, two groups with a site each, a session today, and one user per role."""
    cardiff = Territory(name="Cardiff")
    swansea = Territory(name="Swansea")
    group = RepairGroup(name="Cardiff Fixers")
    other = RepairGroup(name="Swansea Menders")
    session.add_all([cardiff, swansea, group, other])
    session.flush()
    site = Site(name="Cathays Library", group_id=group.id, territory_id=cardiff.id)
    other_site = Site(name="Swansea Hub", group_id=other.id, territory_id=swansea.id)
    session.add_all([site, other_site])
    session.flush()
    rs = RepairSession(site_id=site.id, held_on=NOW.date(), title="Cathays Library")
    other_rs = RepairSession(site_id=other_site.id, held_on=NOW.date(), title="Swansea Hub")
    session.add_all([rs, other_rs])
    session.commit()
    users = {}
    for role, scope in (("admin", {}), ("coordinator", {"group": group.name}),
                        ("fixer", {"group": group.name}), ("viewer", {"territory": cardiff.name})):
        users[role] = accounts.create_user(session, username=role, password="demo-pass", role=role,
                                           display_name=role.title(), now=NOW, **scope)
    return World(cardiff, swansea, group, other, site, other_site, rs, other_rs, users)


def make_item(session: Session, world: World, *, category: str | None = "toaster",
              weight: float | str | None = 1.2, actor: str | None = None,
              repair_session: RepairSession | None = None, **kwargs: Any) -> Item:
    """An object registered at the world's session (by the admin at the other group's)."""
    repair_session = repair_session or world.repair_session
    if actor is None:
        actor = "admin" if repair_session.id == world.other_session.id else "fixer"
    return intake.register_item(
        session, repair_session_id=repair_session.id,
        category=category, weight=weight, actor=world.actor(actor), now=NOW, key=new_key(),
        **kwargs,
    )


def when(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
