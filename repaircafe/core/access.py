"""Who may see and change which records: the one place the group and territory rule lives.

Design §8: an admin sees and changes everything; a coordinator or fixer sees and changes their
own group's records; a viewer (a municipality officer) reads what happened at the sites of
their territory and changes nothing. Every service that loads an object, part, bin, batch,
café session, site, recycler, label or account by an id a request gave goes through `load`, and every
list query adds `scope_filter`, so the rule is written once, as SQL, and a write path cannot
skip it. Role capabilities (who may record repairs, manage labels, ...) stay in
`domain.permissions`; this module decides *which* records a permitted action may touch.

A record outside the actor's scope is reported as not found, never as forbidden: ids are
sequential, and "forbidden" would confirm that another group's record exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, NotPermitted, OutOfScope, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import (
    Item,
    LabelBatch,
    Part,
    PrinterProfile,
    Recycler,
    RecyclingBatch,
    RecyclingRecord,
    RepairGroup,
    RepairSession,
    Site,
    StockBin,
    Tag,
    Territory,
    User,
)

T = TypeVar("T")

# What a record of each kind is called in "not found" answers.
_NOT_FOUND: dict[type, str] = {
    Item: N_("That object does not exist or belongs to another group."),
    Part: N_("That part does not exist or belongs to another group."),
    StockBin: N_("That bin does not exist or belongs to another group."),
    RepairSession: N_("That café session does not exist or belongs to another group."),
    Site: N_("That site does not exist or belongs to another group."),
    RecyclingBatch: N_("That batch does not exist or belongs to another group."),
    Recycler: N_("That recycler does not exist or does not serve your group's sites."),
    PrinterProfile: N_("That printer does not exist or belongs to another group."),
    RepairGroup: N_("That group does not exist or is not yours."),
    Territory: N_("That territory does not exist or your group has no site there."),
    LabelBatch: N_("That label batch does not exist or belongs to another group."),
    User: N_("That account does not exist or belongs to another group."),
}


def require(actor: Actor, capability: str) -> None:
    """Refuse an action the actor's role does not allow at all."""
    if not permissions.can(actor.role, capability):
        raise NotPermitted("Your role does not allow this.")


def scope_kind(actor: Actor) -> str:
    """What limits the actor: "all", "group" or "territory"."""
    return permissions.scope_kind(actor.role)


def _territory_sites(territory_id: int | None) -> Any:
    return select(Site.id).where(Site.territory_id == territory_id)


def _group_sites(group_id: int | None) -> Any:
    return select(Site.id).where(Site.group_id == group_id)


def _group_territories(group_id: int | None) -> Any:
    return select(Site.territory_id).where(Site.group_id == group_id)


def _group_rule(model: type, group_id: int | None) -> ColumnElement[bool]:
    """The records of one group (for recyclers: those serving a territory the group works in)."""
    if model is Site:
        return col(Site.group_id) == group_id
    if model is RepairSession:
        return col(RepairSession.site_id).in_(_group_sites(group_id))
    if model is PrinterProfile:
        return col(PrinterProfile.site_id).in_(_group_sites(group_id))
    if model is Recycler:
        return col(Recycler.territory_id).in_(_group_territories(group_id))
    if model is Territory:
        return col(Territory.id).in_(_group_territories(group_id))
    if model is RepairGroup:
        return col(RepairGroup.id) == group_id
    if model is User:
        return col(User.group_id) == group_id
    if model in (Item, Part, StockBin, RecyclingBatch, RecyclingRecord, Tag, LabelBatch):
        return col(model.group_id) == group_id  # type: ignore[attr-defined]
    raise TypeError(f"no access rule for {model.__name__}")


def _territory_rule(model: type, territory_id: int | None) -> ColumnElement[bool]:
    """The records of what happened at one territory's sites.

    A part belongs where its donor was brought in; a batch where its recycler works.
    """
    sites = _territory_sites(territory_id)
    items = select(Item.id).where(col(Item.site_id).in_(sites))
    if model is Site:
        return col(Site.territory_id) == territory_id
    if model is Item:
        return col(Item.site_id).in_(sites)
    if model is Part:
        return col(Part.donor_item_id).in_(items)
    if model is RecyclingRecord:
        return col(RecyclingRecord.item_id).in_(items)
    if model is Recycler:
        return col(Recycler.territory_id) == territory_id
    if model is Territory:
        return col(Territory.id) == territory_id
    if model is RepairGroup:
        return col(RepairGroup.id).in_(
            select(Site.group_id).where(Site.territory_id == territory_id))
    if model is RecyclingBatch:
        return col(RecyclingBatch.recycler_id).in_(
            select(Recycler.id).where(Recycler.territory_id == territory_id))
    if model in (RepairSession, StockBin, PrinterProfile):
        return col(model.site_id).in_(sites)  # type: ignore[attr-defined]
    if model in (Tag, LabelBatch, User):
        return false()
    raise TypeError(f"no access rule for {model.__name__}")


def scope_filter(actor: Actor, model: type, *, write: bool = False) -> ColumnElement[bool]:
    """A WHERE clause limiting `model`'s rows to those the actor may read (or change)."""
    kind = scope_kind(actor)
    if kind == "all":
        return true()
    if kind == "territory":
        return false() if write else _territory_rule(model, actor.territory_id)
    return _group_rule(model, actor.group_id)


def load(session: Session, model: type[T], record_id: int | None, actor: Actor, *,
         write: bool = False, lock: bool = False) -> T:
    """The record if the actor may read it (or change it, with `write`), else OutOfScope.

    With `lock` the row is locked against a second tablet until the transaction ends and
    re-read, so the caller decides on the latest state.
    """
    stmt = select(model).where(
        col(model.id) == record_id, scope_filter(actor, model, write=write)  # type: ignore[attr-defined]
    )
    if lock:
        stmt = stmt.with_for_update()
    found = session.exec(stmt).one_or_none() if record_id is not None else None
    if found is None:
        raise OutOfScope(_NOT_FOUND.get(model, "That record does not exist."))
    if lock:
        session.refresh(found)
    return found


def can_read(session: Session, actor: Actor, model: type, record_id: int | None) -> bool:
    """Whether the actor may see this record, where a refusal of its own fits better than 404."""
    return _exists(session, actor, model, record_id, write=False)


def can_write(session: Session, actor: Actor, model: type, record_id: int | None) -> bool:
    """Whether the actor may change this record."""
    return _exists(session, actor, model, record_id, write=True)


def _exists(session: Session, actor: Actor, model: type, record_id: int | None, *,
            write: bool) -> bool:
    if record_id is None:
        return False
    stmt = select(model.id).where(  # type: ignore[attr-defined]
        col(model.id) == record_id, scope_filter(actor, model, write=write)  # type: ignore[attr-defined]
    )
    return session.exec(stmt).first() is not None


def group_for_write(session: Session, actor: Actor, group_id: int | None) -> int:
    """The group a new record is created in (the actor's own when none is named)."""
    if group_id is None:
        group_id = actor.group_id
    if group_id is None:
        raise Refused("Choose a site, so the record belongs to its group.")
    return load(session, RepairGroup, group_id, actor, write=True).id  # type: ignore[return-value]


def check_blank_label(tag: Tag, group_id: int) -> Tag:
    """A blank label printed for one group is stuck only on that group's records."""
    if tag.group_id is not None and tag.group_id != group_id:
        raise NotFound("That label was printed for another group; take one of your group's "
                       "labels.")
    return tag


def report_scope_allowed(session: Session, actor: Actor, kind: str, scope_id: int | None) -> bool:
    """Whether the actor may read figures for a whole territory, group, site or everything.

    Viewers read their territory and its sites; coordinators and fixers their group and its
    sites; admins everything.
    """
    mine = scope_kind(actor)
    if mine == "all":
        return True
    if kind == "site":
        return can_read(session, actor, Site, scope_id)
    if mine == "territory":
        return kind == "territory" and scope_id == actor.territory_id
    return kind == "group" and scope_id == actor.group_id
