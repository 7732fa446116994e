"""Café sessions planned ahead or entered after the day: listing, scheduling, editing, cancelling.

A session is one opening of a site on a day (one per site and day). The board and intake open
"today's session" by site and day, so a session scheduled here for today is the one they use.
Fixers read the schedule; coordinators (and admins) change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repaircafe.board.services import repair_sessions
from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_, Phrase
from repaircafe.models import Item, LifecycleEvent, RepairSession, Site

# Who reads the schedule and its summaries, and who changes them (design §8 roles).
READ = "record_repairs"
WRITE = "manage_sites"
VISIT_KINDS = ("registered", "checked_in")


@dataclass(frozen=True)
class SessionInput:
    """What a coordinator types to plan a session (text as it came from the form)."""

    held_on: str
    title: str = ""
    opens_at: str = ""
    closes_at: str = ""


@dataclass(frozen=True)
class SessionRow:
    id: int
    site_id: int
    site: str
    held_on: date
    title: str
    opens_at: time | None
    closes_at: time | None
    objects: int
    visitors: int | None


@dataclass(frozen=True)
class Schedule:
    upcoming: list[SessionRow]
    past: list[SessionRow]


def parse_day(text: str, field: str) -> date:
    """A date from a date picker (YYYY-MM-DD)."""
    text = (text or "").strip()
    if not text:
        raise Refused("%(field)s: choose a date.", field=Phrase(field))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused("%(field)s: “%(text)s” is not a date (use the date picker).",
                      field=Phrase(field), text=text) from None


def parse_clock(text: str, field: str) -> time | None:
    """A time of day from a time picker (HH:MM), None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise Refused("%(field)s: “%(text)s” is not a time of day (for example 14:00).",
                      field=Phrase(field), text=text) from None


def _hours(data: SessionInput) -> tuple[time | None, time | None]:
    opens = parse_clock(data.opens_at, N_("Opens at"))
    closes = parse_clock(data.closes_at, N_("Closes at"))
    if opens is not None and closes is not None and closes <= opens:
        raise Refused("The session must close after it opens.")
    return opens, closes


def has_objects(session: Session, repair_session_id: int) -> bool:
    """Whether anything was recorded at the session (an event, or an object now in it)."""
    event = session.exec(select(LifecycleEvent.id).where(
        LifecycleEvent.repair_session_id == repair_session_id).limit(1)).first()
    item = session.exec(select(Item.id).where(
        Item.current_session_id == repair_session_id).limit(1)).first()
    return event is not None or item is not None


def sites_to_plan(session: Session, *, actor: Actor) -> list[Site]:
    """The sites where the actor may schedule sessions."""
    stmt = select(Site).where(access.scope_filter(actor, Site, write=True))
    return list(session.exec(stmt.order_by(col(Site.name))).all())


def sites_to_read(session: Session, *, actor: Actor) -> list[Site]:
    """The sites whose sessions the actor may list."""
    stmt = select(Site).where(access.scope_filter(actor, Site))
    return list(session.exec(stmt.order_by(col(Site.name))).all())


def schedule(session: Session, *, actor: Actor, today: date, site_id: int | None = None,
             limit: int = 100) -> Schedule:
    """Sessions from today on (soonest first) and before today (latest first), per site.

    Objects are counted only for the sessions listed, so the page costs the same however long
    the history grows.
    """
    access.require(actor, READ)
    stmt = (select(RepairSession, Site.name)
            .join(Site, col(Site.id) == RepairSession.site_id)
            .where(access.scope_filter(actor, RepairSession)))
    if site_id is not None:
        stmt = stmt.where(RepairSession.site_id == site_id)
    ahead = session.exec(stmt.where(col(RepairSession.held_on) >= today)
                         .order_by(col(RepairSession.held_on), col(Site.name)).limit(limit)).all()
    before = session.exec(stmt.where(col(RepairSession.held_on) < today)
                          .order_by(col(RepairSession.held_on).desc(), col(Site.name))
                          .limit(limit)).all()
    ids = [rs.id for rs, _name in (*ahead, *before)]
    counts = dict(session.exec(
        select(LifecycleEvent.repair_session_id, func.count(func.distinct(LifecycleEvent.item_id)))
        .where(col(LifecycleEvent.repair_session_id).in_(ids),
               col(LifecycleEvent.kind).in_(VISIT_KINDS))
        .group_by(col(LifecycleEvent.repair_session_id))
    ).all()) if ids else {}

    def rows(found: Sequence[tuple[RepairSession, str]]) -> list[SessionRow]:
        return [SessionRow(rs.id or 0, rs.site_id, name, rs.held_on, rs.title, rs.opens_at,
                           rs.closes_at, counts.get(rs.id, 0), rs.visitors)
                for rs, name in found]

    return Schedule(rows(ahead), rows(before))


def create_session(session: Session, *, site_id: int | None, data: SessionInput,
                   actor: Actor, now: datetime) -> RepairSession:
    """Plan a session at one of the actor's sites, ahead of the day or after it (paper sheets)."""
    access.require(actor, WRITE)
    day = parse_day(data.held_on, N_("Date"))
    opens, closes = _hours(data)
    title = values.clean_text(data.title, limit=200, field=N_("Title"))
    try:
        with write_transaction(session):
            site = access.load(session, Site, site_id, actor, write=True)
            if repair_sessions.session_on(session, site_id=site.id or 0, day=day) is not None:
                raise _already_planned(site, day)
            created = RepairSession(site_id=site.id or 0, held_on=day, title=title or site.name,
                                    opens_at=opens, closes_at=closes, created_at=now)
            session.add(created)
        return created
    except IntegrityError:
        # Another coordinator (or a tablet opening today's session) got there first.
        site = access.load(session, Site, site_id, actor)
        raise _already_planned(site, day) from None


def _already_planned(site: Site, day: date) -> Refused:
    return Refused("%(site)s already has a session on %(day)s: open it instead.",
                   site=site.name, day=day.isoformat())


def update_session(session: Session, *, repair_session_id: int, data: SessionInput,
                   actor: Actor) -> RepairSession:
    """Change the title and hours; the date only while nothing was recorded at the session."""
    access.require(actor, WRITE)
    day = parse_day(data.held_on, N_("Date"))
    opens, closes = _hours(data)
    title = values.clean_text(data.title, limit=200, field=N_("Title"))
    try:
        with write_transaction(session):
            found = access.load(session, RepairSession, repair_session_id, actor, write=True,
                                lock=True)
            site = session.get(Site, found.site_id)
            assert site is not None  # a session's site is a foreign key
            if day != found.held_on:
                if has_objects(session, found.id or 0):
                    raise Refused("Objects were recorded at this session, so its date cannot "
                                  "change any more.")
                if repair_sessions.session_on(session, site_id=site.id or 0,
                                              day=day) is not None:
                    raise _already_planned(site, day)
            found.held_on, found.opens_at, found.closes_at = day, opens, closes
            found.title = title or site.name
            session.add(found)
        return found
    except IntegrityError:
        # Another session took that day at this site between the check and the write.
        found = access.load(session, RepairSession, repair_session_id, actor)
        site = session.get(Site, found.site_id)
        assert site is not None
        raise _already_planned(site, day) from None


def cancel_session(session: Session, *, repair_session_id: int, actor: Actor) -> None:
    """Remove a planned session nobody has recorded anything at."""
    access.require(actor, WRITE)
    with write_transaction(session):
        found = access.load(session, RepairSession, repair_session_id, actor, write=True,
                            lock=True)
        if has_objects(session, found.id or 0):
            raise Refused("Objects were recorded at this session, so it cannot be cancelled.")
        session.delete(found)


def session_to_change(session: Session, *, repair_session_id: int,
                      actor: Actor) -> RepairSession:
    """The session, if the actor may change it: forms are shown only for those."""
    access.require(actor, WRITE)
    return access.load(session, RepairSession, repair_session_id, actor, write=True)
