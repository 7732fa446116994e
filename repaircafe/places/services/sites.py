"""Sites: where a group holds its cafés, where that is (address, postcode, municipality code),
and which territory's figures count them.

A site's history is not copied when it moves: every report figure is stored per site and
resolved to a territory when the report is read, so moving a site moves its whole history
into the new territory's reports and out of the old one's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.models import RepairGroup, Site, Territory
from repaircafe.places.services.fields import Checks, FieldErrors


@dataclass(frozen=True)
class SiteInput:
    """What the site form and the command line give."""

    name: str
    address: str = ""
    postcode: str = ""
    municipality_code: str = ""


@dataclass(frozen=True)
class SiteRow:
    """A site with the names of its group and territory, for lists."""

    site: Site
    group: str
    territory: str


def clean_postcode(text: str | None) -> str:
    """A postcode as councils write it: capitals, single spaces ("cf10  1aa" is "CF10 1AA")."""
    code = " ".join(values.clean_text(text, limit=20, field=N_("Postcode")).upper().split())
    return code


def postcode_key(text: str) -> str:
    """What two spellings of one postcode share: "CF10 1AA" and "cf101aa" match."""
    return re.sub(r"\s+", "", text).upper()


def clean_municipality_code(text: str | None) -> str:
    """A municipality code (INS, INSEE, ONS...): kept as written, without spaces around it."""
    code = values.clean_text(text, limit=20, field=N_("Municipality code"))
    if any(ch.isspace() for ch in code):
        raise Refused("A municipality code has no spaces in it: “%(code)s”.", code=code)
    return code


def _check(session: Session, data: SiteInput, *, group_id: int,
           exclude_id: int | None) -> tuple[SiteInput, Checks]:
    checks = Checks()
    name = checks.run("name", lambda: values.clean_text(data.name, limit=120, field=N_("Name")),
                      "")
    if not name and "name" not in checks.errors:
        checks.refuse("name", Refused("Give the site a name."))
    elif name and session.exec(select(Site.id).where(
            Site.group_id == group_id, func.lower(Site.name) == name.lower(),
            col(Site.id) != exclude_id)).first() is not None:
        checks.refuse("name", Refused("The group already has a site called “%(name)s”.",
                                      name=name))
    address = checks.run("address", lambda: values.clean_text(
        data.address, limit=300, field=N_("Address")), "")
    postcode = checks.run("postcode", lambda: clean_postcode(data.postcode), "")
    municipality = checks.run("municipality_code",
                              lambda: clean_municipality_code(data.municipality_code), "")
    return SiteInput(name, address, postcode, municipality), checks


def unassigned_territory(session: Session, *, create: bool = False) -> Territory | None:
    """The territory of sites nobody has placed yet (made on first need when `create`). It has
    no country, as when an import makes it: its sites may be anywhere."""
    found = session.exec(select(Territory).where(Territory.name == UNASSIGNED_TERRITORY)).first()
    if found is None and create:
        found = Territory(name=UNASSIGNED_TERRITORY, country="")
        session.add(found)
        session.flush()
    return found


def add_site(session: Session, *, group_id: int | None, data: SiteInput,
             territory_id: int | None, actor: Actor) -> Site:
    """A new site of a group.

    An admin places it in a territory; a coordinator's new site waits in the unassigned
    territory until an admin places it, since choosing a municipality is not theirs to do.
    """
    access.require(actor, "manage_sites")
    may_place = permissions.can(actor.role, "manage_territories")
    group_id = group_id if group_id is not None else actor.group_id
    with write_transaction(session):
        checks = Checks()
        group = access.load(session, RepairGroup, group_id, actor, write=True) \
            if group_id is not None else None
        if group is None:
            checks.refuse("group_id", Refused("Choose the group the site belongs to."))
        clean, site_checks = _check(session, data, group_id=(group.id or 0) if group else 0,
                                    exclude_id=None)
        checks.errors.update(site_checks.errors)
        territory = None
        if may_place and territory_id is None:
            checks.refuse("territory_id", Refused("Choose the site's territory."))
        elif may_place:
            territory = access.load(session, Territory, territory_id, actor, write=True)
        checks.done()
        if territory is None:
            territory = unassigned_territory(session, create=True)
        assert group is not None and territory is not None
        site = Site(name=clean.name, group_id=group.id or 0, territory_id=territory.id or 0,
                    address=clean.address, postcode=clean.postcode,
                    municipality_code=clean.municipality_code)
        session.add(site)
    return site


def edit_site(session: Session, *, site_id: int | None, data: SiteInput, actor: Actor) -> Site:
    """Correct a site's name or whereabouts (its group's coordinator may, as may an admin)."""
    access.require(actor, "manage_sites")
    with write_transaction(session):
        site = access.load(session, Site, site_id, actor, write=True, lock=True)
        clean, checks = _check(session, data, group_id=site.group_id, exclude_id=site.id)
        checks.done()
        site.name, site.address = clean.name, clean.address
        site.postcode, site.municipality_code = clean.postcode, clean.municipality_code
        session.add(site)
    return site


def move_site(session: Session, *, site_id: int | None, territory_id: int | None,
              actor: Actor) -> Site:
    """Put a site, with its whole history, in another territory's figures."""
    access.require(actor, "manage_territories")
    with write_transaction(session):
        site = access.load(session, Site, site_id, actor, write=True, lock=True)
        if territory_id is None:
            raise FieldErrors({"territory_id": Refused("Choose the site's territory.")})
        territory = access.load(session, Territory, territory_id, actor, write=True)
        site.territory_id = territory.id or 0
        session.add(site)
    return site


def get_site(session: Session, *, site_id: int | None, actor: Actor) -> SiteRow:
    """A site the actor may change, with its group's and territory's names."""
    access.require(actor, "manage_sites")
    site = access.load(session, Site, site_id, actor, write=True)
    return _rows(session, col(Site.id) == site.id)[0]


def sites_of(session: Session, *, actor: Actor, territory_id: int | None = None) -> list[SiteRow]:
    """The sites the actor may change (one territory's, when given), by group and name."""
    where = [access.scope_filter(actor, Site, write=True)]
    if territory_id is not None:
        where.append(col(Site.territory_id) == territory_id)
    return _rows(session, *where)


def unassigned_sites(session: Session, *, actor: Actor) -> list[SiteRow]:
    """Sites still in the unassigned territory: their municipality's figures miss them."""
    territory = unassigned_territory(session)
    if territory is None:
        return []
    return sites_of(session, actor=actor, territory_id=territory.id)


def _rows(session: Session, *where: Any) -> list[SiteRow]:
    rows = session.exec(
        select(Site, RepairGroup.name, Territory.name)
        .join(RepairGroup, col(RepairGroup.id) == Site.group_id)
        .join(Territory, col(Territory.id) == Site.territory_id)
        .where(*where).order_by(col(RepairGroup.name), col(Site.name))).all()
    return [SiteRow(site, group, territory) for site, group, territory in rows]


def site_counts(session: Session, column: Any) -> dict[int, int]:
    """How many sites each territory (or group) has, for lists: `site_counts(s, Site.group_id)`."""
    return {key: n for key, n in session.exec(
        select(column, func.count()).group_by(column)).all()}
