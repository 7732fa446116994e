"""Owners without an account: their private link, and erasing their contact data on request.

Erasure blanks the personal fields and keeps the row and every lifecycle event, so the
object's history and the statistics stay, anonymous (design §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from repaircafe.core.transactions import write_transaction
from repaircafe.db import purge_erased
from repaircafe.domain import personal_data
from repaircafe.domain.errors import NotFound
from repaircafe.followups.services import followups
from repaircafe.models import Category, Item, LifecycleEvent, Owner, Tag
from repaircafe.photos.services import photos


@dataclass(frozen=True)
class OwnedObject:
    code: str | None
    category: str | None
    brand: str
    model: str
    state: str
    registered_at: datetime


@dataclass(frozen=True)
class OwnerPage:
    has_contact: bool
    erased_at: datetime | None
    objects: list[OwnedObject]


def _owner(session: Session, token: str) -> Owner:
    owner = session.exec(
        sm_select(Owner).where(Owner.private_token == token)
    ).one_or_none() if token else None
    if owner is None:
        raise NotFound("This owner link is not valid.")
    return owner


def owner_page(session: Session, *, token: str) -> OwnerPage:
    """The objects the owner of this private link brought, newest first."""
    owner = _owner(session, token)
    rows = session.connection().execute(
        select(col(Tag.code), col(Category.name), col(Item.brand), col(Item.model),
               col(Item.state), col(Item.registered_at))
        .join(Tag, (col(Tag.item_id) == Item.id) & (col(Tag.status) == "linked"), isouter=True)
        .join(Category, col(Category.id) == Item.category_id, isouter=True)
        .where(col(Item.owner_id) == owner.id)
        .order_by(col(Item.registered_at).desc(), col(Item.id).desc())
    ).all()
    return OwnerPage(
        has_contact=bool(owner.name or owner.email or owner.phone),
        erased_at=owner.erased_at,
        objects=[OwnedObject(*row) for row in rows],
    )


def erase_contact(session: Session, *, token: str, now: datetime) -> datetime:
    """Blank the owner's name, e-mail and phone; asking twice changes nothing more."""
    with write_transaction(session):
        owner = _owner(session, token)
        if owner.erased_at is None:
            _scrub_objects(session, owner)
            owner.name = owner.email = owner.phone = None
            owner.erased_at = now
            followups.stop_for_owner(session, owner, now=now)
            session.add(owner)
        erased_at = owner.erased_at
    purge_erased(session.get_bind().engine)
    return erased_at


def _scrub_objects(session: Session, owner: Owner) -> None:
    """Contact details typed into the owner's objects' notes and problem texts go too.

    Public notes reach the label page, and a volunteer may have written the owner's name or
    number into one before the owner asked to be forgotten.
    """
    details = personal_data.owner_details(owner.name, owner.email, owner.phone)
    objects = session.exec(sm_select(Item).where(Item.owner_id == owner.id)).all()
    for item in objects:
        item.problem = personal_data.scrub(item.problem, details)
        session.add(item)
        notes = session.exec(sm_select(LifecycleEvent).where(
            LifecycleEvent.item_id == item.id,
            (col(LifecycleEvent.public_note) != "") | (col(LifecycleEvent.internal_note) != ""),
        )).all()
        for event in notes:
            event.public_note = personal_data.scrub(event.public_note, details)
            event.internal_note = personal_data.scrub(event.internal_note, details)
            session.add(event)
    photos.scrub_captions(session, item_ids=[i.id for i in objects if i.id is not None],
                          details=details)
