"""The demo database: real Repair Cafe Wales records in two made-up groups, ready to click through.

`build_demo` migrates an empty database, seeds the reference data and runs the demo steps in
order. A step is a function `(session, ctx) -> None`; other areas of the product add theirs with
`register_step` from a module of their own in this package (`repaircafe/demo/<area>.py`), which
`build_demo` imports, so a new area needs no edit here. The context carries what earlier steps built (ids of
groups, sites, sessions, users and objects).

Bulk rows are written with SQLAlchemy Core and explicit ids, and every object's state is the
lifecycle replay of the events written for it, so `repaircafe db check` finds nothing to fix.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from werkzeug.security import generate_password_hash

from repaircafe import migrate
from repaircafe.core.setup import seed_reference_data
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.errors import Refused
from repaircafe.models import (
    ImpactRecord,
    Item,
    LifecycleEvent,
    Owner,
    RepairGroup,
    RepairSession,
    Site,
    Tag,
    Territory,
    User,
)

PASSWORD = "demo"
SEED = 2025
SESSION_EVERY_DAYS = 14
MONTHS_BACK_DAYS = 365
BLANK_TAGS_PER_GROUP = 30

DemoStep = Callable[[Session, "DemoContext"], None]


@dataclass(frozen=True)
class DemoSite:
    id: int
    name: str
    group_id: int
    territory_id: int


@dataclass(frozen=True)
class DemoSession:
    id: int
    site_id: int
    held_on: date


@dataclass(frozen=True)
class DemoUser:
    id: int
    username: str
    display_name: str
    role: str
    group_id: int | None


@dataclass
class DemoContext:
    """What the steps have built so far; later steps read it and add to it."""

    now: datetime
    rng: random.Random
    territories: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    sites: list[DemoSite] = field(default_factory=list)
    sessions: list[DemoSession] = field(default_factory=list)  # past ones, oldest first
    today: dict[int, int] = field(default_factory=dict)  # site id -> today's session id
    users: dict[str, DemoUser] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)
    reports_folder: str | None = None  # where archived demo reports go

    @property
    def today_date(self) -> date:
        return self.now.date()

    def sessions_at(self, site_id: int) -> list[DemoSession]:
        return [s for s in self.sessions if s.site_id == site_id]

    def fixer_for(self, group_id: int) -> DemoUser:
        """The fixer who records repairs for a group."""
        for user in self.users.values():
            if user.role == "fixer" and user.group_id == group_id:
                return user
        raise LookupError(f"no fixer in group {group_id}")


@dataclass(frozen=True)
class Step:
    name: str
    run: DemoStep
    order: int


STEPS: list[Step] = []


def register_step(run: DemoStep, *, name: str | None = None, order: int = 100) -> DemoStep:
    """Add a step to every demo build; steps run by `order`, then by registration.

    The steps that build places, people and objects use orders below 100, so a step registered
    with the default order sees all of them in the context.
    """
    step_name = name or run.__name__
    STEPS[:] = [s for s in STEPS if s.name != step_name]
    STEPS.append(Step(step_name, run, order))
    return run


@dataclass(frozen=True)
class DemoSummary:
    territories: int
    groups: int
    sites: int
    sessions: int
    users: int
    objects: int
    events: int
    tags: int
    blank_tags: int
    owners: int
    impact_records: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.objects:,} objects with {self.events:,} lifecycle events at {self.sites} "
            f"sites of {self.groups} groups in {self.territories} territories, "
            f"{self.sessions:,} café sessions, {self.tags:,} tags ({self.blank_tags} blank), "
            f"{self.owners:,} owners, {self.impact_records:,} impact records, "
            f"{self.users} users; built in {self.seconds:.1f} s"
        )


# --------------------------------------------------------------------------- id allocation


def next_id(session: Session, model: type[SQLModel]) -> int:
    """The first id free for explicit bulk inserts (call sync_sequences afterwards)."""
    table = model.__table__  # type: ignore[attr-defined]
    top = session.execute(select(func.max(table.c.id))).scalar_one()
    return (top or 0) + 1


def sync_sequences(session: Session, *models: type[SQLModel]) -> None:
    """After rows were written with explicit ids, let PostgreSQL's sequences carry on above them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__  # type: ignore[attr-defined]
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
        ))


# --------------------------------------------------------------------------- core steps

_PLACES = {
    # group -> territory -> sites (names from the Repair Cafe Wales group identifiers)
    "Repair Cafe Cardiff": ("Cardiff", ("Cathays Library", "Canton Community Hall")),
    "Repair Cafe Swansea": ("Swansea", ("City Centre Hub", "Clydach Institute")),
}
_USERS = (
    # username, display name, role, group, territory
    ("admin", "Administrator", "admin", None, None),
    ("coordinator", "Carys Evans", "coordinator", "Repair Cafe Cardiff", None),
    ("fixer", "Dafydd Morgan", "fixer", "Repair Cafe Cardiff", None),
    ("fixer2", "Rhian Thomas", "fixer", "Repair Cafe Swansea", None),
    ("viewer", "Cardiff Council", "viewer", None, "Cardiff"),
)


def places_step(session: Session, ctx: DemoContext) -> None:
    """Two groups, each with two sites in its own territory."""
    with write_transaction(session):
        for group_name, (territory_name, site_names) in _PLACES.items():
            territory = Territory(name=territory_name, country="GBR")
            group = RepairGroup(name=group_name)
            session.add_all([territory, group])
            session.flush()
            assert territory.id is not None and group.id is not None
            ctx.territories[territory_name] = territory.id
            ctx.groups[group_name] = group.id
            for site_name in site_names:
                site = Site(name=site_name, group_id=group.id, territory_id=territory.id,
                            address=f"{site_name}, {territory_name}")
                session.add(site)
                session.flush()
                assert site.id is not None
                ctx.sites.append(DemoSite(site.id, site_name, group.id, territory.id))


def users_step(session: Session, ctx: DemoContext) -> None:
    """One account per role, all with the password `demo`."""
    password_hash = generate_password_hash(PASSWORD)
    with write_transaction(session):
        for username, display, role, group, territory in _USERS:
            user = User(username=username, display_name=display, password_hash=password_hash,
                        role=role, group_id=ctx.groups[group] if group else None,
                        territory_id=ctx.territories[territory] if territory else None,
                        created_at=ctx.now - timedelta(days=MONTHS_BACK_DAYS + 7))
            session.add(user)
            session.flush()
            assert user.id is not None
            ctx.users[username] = DemoUser(user.id, username, display, role, user.group_id)


def sessions_step(session: Session, ctx: DemoContext) -> None:
    """A café every fortnight at each site over the past year, and one at each site today."""
    today = ctx.today_date
    with write_transaction(session):
        rows: list[tuple[RepairSession, int, bool]] = []
        for index, site in enumerate(ctx.sites):
            first = today - timedelta(days=MONTHS_BACK_DAYS) + timedelta(days=3 * index + 1)
            day = first
            while day < today:
                rows.append((RepairSession(site_id=site.id, held_on=day, title=site.name,
                                           created_at=ctx.now), site.id, False))
                day += timedelta(days=SESSION_EVERY_DAYS)
            rows.append((RepairSession(site_id=site.id, held_on=today, title=site.name,
                                       created_at=ctx.now), site.id, True))
        session.add_all([r for r, _s, _t in rows])
        session.flush()
        for repair_session, site_id, is_today in rows:
            assert repair_session.id is not None
            if is_today:
                ctx.today[site_id] = repair_session.id
            else:
                ctx.sessions.append(DemoSession(repair_session.id, site_id,
                                                repair_session.held_on))
    ctx.sessions.sort(key=lambda s: (s.held_on, s.id))


def blank_tags_step(session: Session, ctx: DemoContext) -> None:
    """A sheet's worth of blank labels per group, to claim at intake."""
    from repaircafe.tags.services.tags import new_tags

    with write_transaction(session):
        for group_id in ctx.groups.values():
            new_tags(session, count=BLANK_TAGS_PER_GROUP, group_id=group_id,
                     now=ctx.now - timedelta(days=2))


register_step(places_step, name="places", order=10)
register_step(users_step, name="users", order=20)
register_step(sessions_step, name="sessions", order=30)
register_step(blank_tags_step, name="blank tags", order=90)


# --------------------------------------------------------------------------- building


def discover_steps() -> None:
    """Import every other module of this package: each registers its own steps."""
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name != "builder":
            importlib.import_module(f"{package}.{info.name}")


def _count(session: Session, model: type[SQLModel], *where: Any) -> int:
    table = model.__table__  # type: ignore[attr-defined]
    stmt = select(func.count()).select_from(table)
    for condition in where:
        stmt = stmt.where(condition)
    return int(session.execute(stmt).scalar_one())


def build_demo(
    engine: Engine,
    *,
    now: datetime,
    progress: Callable[[float], None] | None = None,
    reports_folder: str | None = None,
) -> DemoSummary:
    """Build the demo into an empty database; refuses a database that already has objects."""
    started = time.perf_counter()
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        if _count(session, Item) or _count(session, RepairGroup):
            raise Refused("The demo is built into an empty database; this one has data.")
        seed_reference_data(session)
        discover_steps()
        steps = sorted(STEPS, key=lambda s: s.order)
        ctx = DemoContext(now=now, rng=random.Random(SEED), reports_folder=reports_folder)
        if progress:
            progress(0.1)
        for done, step in enumerate(steps, start=1):
            step.run(session, ctx)
            if progress:
                progress(0.1 + 0.9 * done / len(steps))
        tag = Tag.__table__  # type: ignore[attr-defined]
        return DemoSummary(
            territories=_count(session, Territory),
            groups=_count(session, RepairGroup),
            sites=_count(session, Site),
            sessions=_count(session, RepairSession),
            users=_count(session, User),
            objects=_count(session, Item),
            events=_count(session, LifecycleEvent),
            tags=_count(session, Tag),
            blank_tags=_count(session, Tag, tag.c.status == "issued"),
            owners=_count(session, Owner),
            impact_records=_count(session, ImpactRecord),
            seconds=time.perf_counter() - started,
        )
