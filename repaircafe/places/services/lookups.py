"""Places found by the names people type on the command line (ids are for pages)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import RepairGroup, Site, Territory


def territory_named(session: Session, name: str) -> Territory:
    found = session.exec(select(Territory).where(
        func.lower(Territory.name) == name.strip().lower())).first()
    if found is None:
        raise NotFound("No territory called “%(name)s”.", name=name.strip())
    return found


def group_named(session: Session, name: str) -> RepairGroup:
    found = session.exec(select(RepairGroup).where(
        func.lower(RepairGroup.name) == name.strip().lower())).first()
    if found is None:
        raise NotFound("No group called “%(name)s”.", name=name.strip())
    return found


def site_named(session: Session, name: str, *, group: str | None = None) -> Site:
    """The site with this name; two groups may each have one, so `group` then says which."""
    stmt = select(Site).where(func.lower(Site.name) == name.strip().lower())
    if group:
        stmt = stmt.where(Site.group_id == group_named(session, group).id)
    found = list(session.exec(stmt.order_by(col(Site.id))).all())
    if not found:
        raise NotFound("No site called “%(name)s”.", name=name.strip())
    if len(found) > 1:
        raise Refused("Several groups have a site called “%(name)s”: name the group too.",
                      name=name.strip())
    return found[0]
