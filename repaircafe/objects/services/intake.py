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
from repaircafe.domain import factor_sets, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.plausibility import WeightDoubt, doubtful_weight
from repaircafe.models import Category, Item, Owner, RepairSession, Site, Tag
from repaircafe.reporting.services import impact as impact_service
from repaircafe.tags.services import tags as tag_service

OLDEST_YEAR = 1900
MAX_AGE_YEARS = 150.0


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


def parse_product_age(text: str | float | None, *, today: datetime) -> float | None:
    """The object's age in years, from an age ("3", "2,5") or a year of manufacture ("2015").

    Owners remember either; ORDS keeps the age, so a year is turned into years before today.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    cleaned = str(text).strip().lower().replace(",", ".")
    for suffix in ("years", "year", "yrs", "yr", "ans", "an", "y"):
        cleaned = cleaned.removesuffix(suffix).strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise Refused("“%(text)s” is not an age: enter years (for example 3) or the year it "
                      "was made (for example 2015).", text=str(text)[:20]) from None
    if value >= OLDEST_YEAR and value == int(value):
        if value > today.year:
            raise Refused("%(year)d is in the future: enter the year it was made.",
                          year=int(value))
        return float(today.year - int(value))
    if value < 0 or value > MAX_AGE_YEARS:
        raise Refused("An age must be between 0 and %(limit)d years.", limit=int(MAX_AGE_YEARS))
    return round(value, 1)


def average_weight(slug: str | None) -> float | None:
    """The category's average weight in the central factor set, the one impact figures use."""
    if not slug:
        return None
    central = impact_service.factor_set(impact_service.CENTRAL_SET)
    row = central.categories.get(slug)
    if row is None:
        mapping = factor_sets.load_category_map().get(slug)
        if mapping is None:
            return None
        try:
            row = central.category(mapping.restart_category)
        except Refused:
            return None
    return row.avg_weight_kg if row.avg_weight_kg > 0 else None


def weight_doubt(category: str | None, weight: str | float | None) -> WeightDoubt | None:
    """Whether a typed weight looks like a typing mistake for this category (never a refusal)."""
    try:
        kg = values.parse_weight(weight)
    except Refused:
        return None
    return doubtful_weight(kg, average_weight(category))


UNDESCRIBED = N_("Choose a category or write the brand, model or problem before saving.")


def check_described(category: str | None, brand: str, model: str, problem: str) -> None:
    """An object nobody described cannot be found again, and lowers the report's coverage."""
    if not (category or brand.strip() or model.strip() or problem.strip()):
        raise Refused(UNDESCRIBED)


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
    product_age: str | float | None = None,
    require_description: bool = False,
) -> Item:
    """A new object with its tag: a claimed blank label, or a freshly issued code to print.

    Owner contact is optional and kept only with consent; a repair never depends on it.
    `require_description` refuses an object without category, brand, model or problem, as the
    intake form and the API do; imports and back-filled records may be that sparse.
    """
    previous = ev.replayed(session, key, "registered")
    if previous is not None:
        return session.get(Item, previous.item_id)  # type: ignore[return-value]
    if require_description:
        check_described(category, brand, model, problem)
    weight_kg = values.parse_weight(weight)
    age_years = parse_product_age(product_age, today=occurred_at or now)
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
                         key=key, occurred_at=occurred_at, age_years=age_years)
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
    age_years: float | None = None,
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
            owner_row = new_owner(session, owner, now=now)
        item = Item(
            group_id=site.group_id,
            site_id=site.id,
            category_id=cat.id if cat else None,
            brand=brand,
            model=model,
            problem=problem,
            weight_kg=weight_kg,
            weight_source="measured" if weight_kg is not None else None,
            product_age_years=age_years,
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
            payload={"code": tag.code, "is_donor": is_donor, "weight_kg": weight_kg,
                     **({"product_age_years": age_years} if age_years is not None else {})},
            actor=actor, now=now, key=key, occurred_at=occurred_at,
            repair_session_id=repair_session.id,
        )
    return item


def new_owner(session: Session, owner: OwnerContact, *, now: datetime) -> Owner:
    """An owner row for contact details given with consent, with its private link."""
    row = Owner(
        name=values.clean_text(owner.name, limit=120, field=N_("Name")) or None,
        email=values.clean_text(owner.email, limit=200, field=N_("E-mail")) or None,
        phone=values.clean_text(owner.phone, limit=40, field=N_("Phone")) or None,
        consent_at=now,
        follow_up_consent=owner.follow_ups and bool(owner.email.strip()),
        private_token=secrets.token_urlsafe(24),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def link_tag(tag: Tag, *, item_id: int | None = None, part_id: int | None = None,
             bin_id: int | None = None, kind: str, now: datetime) -> None:
    """Point a tag at its object, part or bin."""
    tag.status = "linked"
    tag.kind = kind
    tag.item_id, tag.part_id, tag.bin_id = item_id, part_id, bin_id
    tag.linked_at = now
