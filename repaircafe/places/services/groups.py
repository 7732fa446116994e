"""Repair groups: creating and renaming them (an admin's job: a group is a scope of its own)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.models import RepairGroup
from repaircafe.places.services.fields import Checks


def _clean_name(session: Session, text: str | None, *, exclude_id: int | None) -> str:
    name = values.clean_text(text, limit=120, field=N_("Name"))
    if not name:
        raise Refused("Give the group a name.")
    taken = session.exec(select(RepairGroup.id).where(
        func.lower(RepairGroup.name) == name.lower(), col(RepairGroup.id) != exclude_id)).first()
    if taken is not None:
        raise Refused("A group called “%(name)s” already exists.", name=name)
    return name


def add_group(session: Session, *, name: str, actor: Actor) -> RepairGroup:
    """A new repair group; its sites and accounts are added next."""
    access.require(actor, "manage_groups")
    with write_transaction(session):
        checks = Checks()
        clean = checks.run("name", lambda: _clean_name(session, name, exclude_id=None), "")
        checks.done()
        group = RepairGroup(name=clean)
        session.add(group)
    return group


def rename_group(session: Session, *, group_id: int | None, name: str,
                 actor: Actor) -> RepairGroup:
    """Give a group another name; everything it recorded stays with it (records hold its id)."""
    access.require(actor, "manage_groups")
    with write_transaction(session):
        group = access.load(session, RepairGroup, group_id, actor, write=True, lock=True)
        checks = Checks()
        clean = checks.run("name", lambda: _clean_name(session, name, exclude_id=group.id),
                           group.name)
        checks.done()
        group.name = clean
        session.add(group)
    return group


def all_groups(session: Session, *, actor: Actor) -> list[RepairGroup]:
    """The groups the actor may change, by name."""
    return list(session.exec(select(RepairGroup).where(
        access.scope_filter(actor, RepairGroup, write=True)).order_by(col(RepairGroup.name))).all())


def get_group(session: Session, *, group_id: int | None, actor: Actor) -> RepairGroup:
    """A group the actor may rename (else OutOfScope, answered 404)."""
    access.require(actor, "manage_groups")
    return access.load(session, RepairGroup, group_id, actor, write=True)
