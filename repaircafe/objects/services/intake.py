"""Registering an object at the door: claim or issue its tag, record who brought it and why."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import Category, Item, Owner, RepairSession, Site, Tag
from repaircafe.tags.services import tags as tag_service


@dataclass(frozen=True)
class OwnerContact:
    name: str = ""
    email: str = ""
    phone: str = ""
    consent: bool = False
    # A separate yes: "ask me in a few months whether it still works" (needs an e-mail).
    follow_ups: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.name.strip() or self.email.strip() or self.phone.strip())


def category_by_slug(session: Session, slug: str | None) -> Category | None:
    if not slug:
        return None
    category = session.exec(select(Category).where(Category.slug == slug)).one_or_none()
    if category is None:
        raise Refused("Unknown category “%(slug)s”.", slug=slug)
    return category


def register_item(
    session: Session,
    *,
    repair_session_id: int,
    category: str | None,
    brand: str = "",
    model: str = "",
    problem: str = "",
    weight: str | float | None = None,
    owner: OwnerContact | None = None,
    tag_code: str | None = None,
    is_donor: bool = False,
    actor: Actor,
    now: datetime,
    key: str,
    occurred_at: datetime | None = None,
) -> Item:
    """A new object with its tag: a claimed blank label, or a freshly issued code to print.

    Owner contact is optional and kept only with consent; a repair never depends on it.
    """
    previous = ev.replayed(session, key, "registered")
    if previous is not None:
        return session.get(Item, previous.item_id)  # type: ignore[return-value]
    weight_kg = values.parse_weight(weight)
    brand = values.clean_text(brand, limit=120, field=N_("Brand"))
    model = values.clean_text(model, limit=120, field=N_("Model"))
    problem = values.clean_text(problem, limit=2000, field=N_("Problem"))
    owner = owner or OwnerContact()
    if not owner.is_empty and not owner.consent:
        raise Refused("Owner contact details can only be kept with the owner's consent.")
    try:
        return _register(session, repair_session_id=repair_session_id, category=category,
                         brand=brand, model=model, problem=problem, weight_kg=weight_kg,
                         owner=owner, tag_code=tag_code, is_donor=is_donor, actor=actor, now=now,
                         key=key, occurred_at=occurred_at)
    except IntegrityError:
        # Two taps raced past the replay check above: the other one registered the object.
        previous = ev.replayed(session, key, "registered")
        if previous is None:
            raise
        return session.get(Item, previous.item_id)  # type: ignore[return-value]


def _register(
    session: Session, *, repair_session_id: int, category: str | None, brand: str, model: str,
    problem: str, weight_kg: float | None, owner: OwnerContact, tag_code: str | None,
    is_donor: bool, actor: Actor, now: datetime, key: str, occurred_at: datetime | None,
) -> Item:
    with write_transaction(session):
        repair_session = (session.get(RepairSession, repair_session_id)
                          if access.can_write(session, actor, RepairSession, repair_session_id)
                          else None)
        if repair_session is None:
            raise NotFound("That café session does not exist or is at another group's site: "
                           "register the object into one of your group's sessions.")
        site = session.get(Site, repair_session.site_id)
        assert site is not None
        cat = category_by_slug(session, category)
        tag = (access.check_blank_label(tag_service.claimable_tag(session, tag_code), site.group_id)
               if tag_code else None)
        owner_row = None
        if not owner.is_empty:
            owner_row = Owner(
                name=values.clean_text(owner.name, limit=120, field=N_("Name")) or None,
                email=values.clean_text(owner.email, limit=200, field=N_("E-mail")) or None,
                phone=values.clean_text(owner.phone, limit=40, field=N_("Phone")) or None,
                consent_at=now,
                follow_up_consent=owner.follow_ups and bool(owner.email.strip()),
                private_token=secrets.token_urlsafe(24),
                created_at=now,
            )
            session.add(owner_row)
            session.flush()
        item = Item(
            group_id=site.group_id,
            site_id=site.id,
            category_id=cat.id if cat else None,
            brand=brand,
            model=model,
            problem=problem,
            weight_kg=weight_kg,
            weight_source="measured" if weight_kg is not None else None,
            state="",
            is_donor=is_donor,
            owner_id=owner_row.id if owner_row else None,
            current_session_id=repair_session.id,
            registered_at=now,
            updated_at=now,
        )
        session.add(item)
        session.flush()
        if tag is None:
            tag = tag_service.new_tags(session, count=1, group_id=site.group_id, now=now)[0]
        link_tag(tag, item_id=item.id, kind="item", now=now)
        session.add(tag)
        ev.item_event(
            session, item, kind="registered",
            payload={"code": tag.code, "is_donor": is_donor, "weight_kg": weight_kg},
            actor=actor, now=now, key=key, occurred_at=occurred_at,
            repair_session_id=repair_session.id,
        )
    return item


def link_tag(tag: Tag, *, item_id: int | None = None, part_id: int | None = None,
             bin_id: int | None = None, kind: str, now: datetime) -> None:
    """Point a tag at its object, part or bin."""
    tag.status = "linked"
    tag.kind = kind
    tag.item_id, tag.part_id, tag.bin_id = item_id, part_id, bin_id
    tag.linked_at = now
