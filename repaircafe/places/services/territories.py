"""Territories (the municipalities reports are made for): creating and renaming them.

Only an admin changes territories: a territory decides which sites a municipality officer's
figures count, so a coordinator could otherwise hand their sites to another council.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import countries, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.models import Territory
from repaircafe.places.services.fields import Checks


def clean_country(text: str | None) -> str:
    """An ISO 3166-1 alpha-3 country code ("bel" reads as BEL), as ORDS records countries: the
    same list an import checks, so a territory never carries a country an export would drop."""
    code = countries.alpha3(text or "")
    if code is None:
        raise Refused("“%(text)s” is not a country code: use the three letters of ISO 3166-1, "
                      "for example BEL or GBR.", text=(text or "").strip()[:20])
    return code


def _clean_name(session: Session, text: str | None, *, exclude_id: int | None) -> str:
    name = values.clean_text(text, limit=120, field=N_("Name"))
    if not name:
        raise Refused("Give the territory a name.")
    taken = session.exec(select(Territory.id).where(
        func.lower(Territory.name) == name.lower(), col(Territory.id) != exclude_id)).first()
    if taken is not None:
        raise Refused("A territory called “%(name)s” already exists.", name=name)
    return name


def add_territory(session: Session, *, name: str, country: str, actor: Actor) -> Territory:
    """A new territory, ready to receive sites."""
    access.require(actor, "manage_territories")
    with write_transaction(session):
        checks = Checks()
        clean = checks.run("name", lambda: _clean_name(session, name, exclude_id=None), "")
        code = checks.run("country", lambda: clean_country(country), "")
        checks.done()
        territory = Territory(name=clean, country=code)
        session.add(territory)
    return territory


def edit_territory(session: Session, *, territory_id: int | None, name: str, country: str,
                   actor: Actor) -> Territory:
    """Rename a territory or correct its country; its sites and their history stay with it.

    The territory imports put new groups' sites in keeps its name, since imports find it by
    that name.
    """
    access.require(actor, "manage_territories")
    with write_transaction(session):
        territory = access.load(session, Territory, territory_id, actor, write=True, lock=True)
        checks = Checks()
        clean = checks.run("name", lambda: _clean_name(
            session, name, exclude_id=territory.id), territory.name)
        code = checks.run("country", lambda: clean_country(country), territory.country)
        if territory.name == UNASSIGNED_TERRITORY and clean != territory.name:
            checks.refuse("name", Refused(
                "“%(name)s” holds the sites imports could not place: it keeps its name.",
                name=UNASSIGNED_TERRITORY))
        checks.done()
        territory.name, territory.country = clean, code
        session.add(territory)
    return territory


def all_territories(session: Session, *, actor: Actor) -> list[Territory]:
    """The territories the actor may read, by name."""
    return list(session.exec(select(Territory).where(access.scope_filter(actor, Territory))
                             .order_by(col(Territory.name))).all())


def get_territory(session: Session, *, territory_id: int | None, actor: Actor) -> Territory:
    """A territory the actor may change (else OutOfScope, answered 404)."""
    access.require(actor, "manage_territories")
    return access.load(session, Territory, territory_id, actor, write=True)
