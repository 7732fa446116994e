"""Café openings: finding or opening the session a site is holding today."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repaircafe.core.transactions import write_transaction
from repaircafe.domain.errors import NotFound
from repaircafe.models import RepairSession, Site


def session_on(session: Session, *, site_id: int, day: date) -> RepairSession | None:
    return session.exec(
        select(RepairSession).where(RepairSession.site_id == site_id, RepairSession.held_on == day)
    ).one_or_none()


def open_session(session: Session, *, site_id: int, day: date, now: datetime) -> RepairSession:
    """The site's session for that day, created on first use (two tablets may race: one wins)."""
    existing = session_on(session, site_id=site_id, day=day)
    if existing is not None:
        return existing
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("That site does not exist.")
    try:
        with write_transaction(session):
            created = RepairSession(site_id=site_id, held_on=day, title=site.name, created_at=now)
            session.add(created)
        return created
    except IntegrityError:
        found = session_on(session, site_id=site_id, day=day)
        assert found is not None
        return found
