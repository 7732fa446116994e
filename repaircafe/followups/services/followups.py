"""Follow-ups: planned at a fixed object's hand-over, mailed once when due, answered by link.

A follow-up exists only when the owner said yes to being asked (a separate consent from being
contacted about the repair) and left an e-mail address. The mail is sent at most once, through
the same outbox rule as report mails: the row is claimed (`sending`) and committed before the
SMTP server is called, and marked `sent` after. A claim whose outcome was never recorded stays
`sending` for a person to look at, because sending again could ask the owner twice.

Answers are lifecycle events (`follow_up_answered`), whoever gives them: the owner through the
mailed link, whoever scans the label at home, or a volunteer when the object comes back.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select, update

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import CodeError, NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import add_months
from repaircafe.models import Category, FollowUp, Item, LifecycleEvent, Owner, Tag

SOURCES = ("owner_link", "public_page", "volunteer")
_SALT = "still-working"


def token_for(secret: str, follow_up_id: int) -> str:
    """The signed part of an owner's link: it names one follow-up and cannot be guessed."""
    return URLSafeSerializer(secret, salt=_SALT).dumps(follow_up_id)


def follow_up_id(secret: str, token: str) -> int:
    try:
        found = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        raise NotFound("This link is not valid. Check that it was copied whole.") from None
    if not isinstance(found, int):
        raise NotFound("This link is not valid. Check that it was copied whole.")
    return found


def _may_ask(owner: Owner | None) -> bool:
    return bool(owner and owner.email and owner.follow_up_consent and owner.erased_at is None
                and owner.follow_ups_stopped_at is None)


def plan(session: Session, *, item: Item, handover: LifecycleEvent, fixed: bool,
         months: Sequence[int]) -> list[FollowUp]:
    """The follow-ups of an object going home fixed to its owner (inside the hand-over's write).

    Only a repair can be followed: a refurbished object sold or given to someone new has no
    owner on record who agreed to be asked.
    """
    if not fixed or (handover.payload or {}).get("to", "owner") != "owner" or not months:
        return []
    owner = session.get(Owner, item.owner_id) if item.owner_id else None
    if not _may_ask(owner):
        return []
    session.flush()
    handed = handover.occurred_at.date()
    rows = [FollowUp(item_id=item.id or 0, owner_id=item.owner_id,
                     handover_event_id=handover.id or 0, months=m, due_on=add_months(handed, m))
            for m in months]
    session.add_all(rows)
    return rows


def stop_for_owner(session: Session, owner: Owner, *, now: datetime) -> int:
    """No more questions to this owner (their own wish, or erasure); returns how many stopped."""
    if owner.follow_ups_stopped_at is None:
        owner.follow_ups_stopped_at = now
        session.add(owner)
    result = session.execute(
        update(FollowUp).where(col(FollowUp.owner_id) == owner.id,
                               col(FollowUp.status) == "pending").values(status="stopped"))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Question:
    """What a mail or the answer page says about the object."""

    follow_up_id: int
    item_id: int
    months: int
    category: str | None
    brand: str
    model: str
    code: str | None
    handed_over_on: date
    status: str
    answered_at: datetime | None
    still_works: bool | None
    owner_id: int | None

    def what(self, gettext: Callable[[str], str]) -> str:
        """How the object is named to whoever answers: its category, then brand and model as
        typed, leaving out words that only repeat the category (no "Lamp Lamp")."""
        named = gettext(self.category) if self.category else gettext("Object")
        repeats = {named.lower(), (self.category or "").lower()}
        extra = [w for w in dict.fromkeys((self.brand.strip(), self.model.strip()))
                 if w and w.lower() not in repeats]
        return " ".join([named, *extra])


def question(session: Session, follow_up_id: int) -> Question:
    found = session.get(FollowUp, follow_up_id)
    if found is None:
        raise NotFound("This link is not valid. Check that it was copied whole.")
    item = session.get(Item, found.item_id)
    assert item is not None
    handover = session.get(LifecycleEvent, found.handover_event_id)
    answer = session.get(LifecycleEvent, found.answer_event_id) if found.answer_event_id else None
    category = session.get(Category, item.category_id) if item.category_id else None
    code = session.exec(select(Tag.code).where(Tag.item_id == item.id, Tag.status == "linked")
                        ).first()
    return Question(
        follow_up_id=found.id or 0, item_id=item.id or 0, months=found.months,
        category=category.name if category else None, brand=item.brand, model=item.model,
        code=code, handed_over_on=handover.occurred_at.date() if handover else found.due_on,
        status=found.status, answered_at=found.answered_at,
        still_works=(answer.payload or {}).get("still_works") if answer else None,
        owner_id=found.owner_id)


def _answer_event(session: Session, item: Item, *, works: bool, comment: str, source: str,
                  months: int | None, follow_up: int | None, actor: Actor, now: datetime,
                  key: str) -> LifecycleEvent:
    text = values.clean_text(comment, limit=1000, field=N_("Comment"))
    payload = {"still_works": works, "source": source, "months": months,
               "follow_up_id": follow_up}
    # The comment may name the owner or a phone number: it is kept as an internal note, never
    # shown on the label page.
    return ev.item_event(session, item, kind="follow_up_answered", payload=payload, actor=actor,
                         now=now, key=key, internal_note=ev.public_text(
                             session, text, owner_id=item.owner_id))


def answer_by_link(session: Session, follow_up_id: int, *, works: bool, comment: str,
                   now: datetime, key: str) -> LifecycleEvent:
    """The owner's answer through their link; the first answer is the one kept."""
    def act() -> LifecycleEvent:
        with write_transaction(session):
            found = session.exec(select(FollowUp).where(FollowUp.id == follow_up_id)
                                 .with_for_update()).one_or_none()
            if found is None:
                raise NotFound("This link is not valid. Check that it was copied whole.")
            if found.answer_event_id is not None:
                earlier = session.get(LifecycleEvent, found.answer_event_id)
                assert earlier is not None
                return earlier
            item = session.exec(select(Item).where(Item.id == found.item_id).with_for_update()
                                ).one()
            event = _answer_event(session, item, works=works, comment=comment,
                                  source="owner_link", months=found.months,
                                  follow_up=found.id, actor=Actor.system("owner"), now=now,
                                  key=key)
            session.flush()
            found.answer_event_id = event.id
            found.answered_at = now
            found.status = "answered"
            session.add(found)
            return event

    return ev.once(session, key, "follow_up_answered", act)


def answer_on_label_page(session: Session, item_id: int, *, works: bool, now: datetime,
                         key: str) -> LifecycleEvent:
    """Whoever holds the object scans its label at home and says whether it still works."""
    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = session.exec(select(Item).where(Item.id == item_id).with_for_update()
                                ).one_or_none()
            if item is None or not _was_handed_back_fixed(session, item_id):
                raise Refused("This object has not gone home repaired, so there is nothing "
                              "to follow up yet.")
            return _answer_event(session, item, works=works, comment="", source="public_page",
                                 months=None, follow_up=None, actor=Actor.system("visitor"),
                                 now=now, key=key)

    return ev.once(session, key, "follow_up_answered", act)


def answer_at_the_cafe(session: Session, item_id: int, *, works: bool | None, comment: str,
                       actor: Actor, now: datetime, key: str) -> LifecycleEvent:
    """A volunteer writes down what the owner said when the object came back."""
    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = access.load(session, Item, item_id, actor, write=True, lock=True)
            if works is None:
                raise Refused("Tap “Still works” or “Broke again”.")
            if not _was_handed_back_fixed(session, item_id):
                raise Refused("This object has not gone home repaired, so there is nothing "
                              "to follow up yet.")
            return _answer_event(session, item, works=works, comment=comment,
                                 source="volunteer", months=None, follow_up=None, actor=actor,
                                 now=now, key=key)

    return ev.once(session, key, "follow_up_answered", act)


def _was_handed_back_fixed(session: Session, item_id: int) -> bool:
    return session.exec(select(FollowUp.id).where(FollowUp.item_id == item_id)).first() \
        is not None or bool(handovers_after_repair(session, [item_id]))


def handovers_after_repair(session: Session, item_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """When each object went home working: hand-overs that followed a `fixed` repair attempt."""
    rows = session.exec(
        select(LifecycleEvent.item_id, LifecycleEvent.kind, LifecycleEvent.payload,
               LifecycleEvent.occurred_at)
        .where(col(LifecycleEvent.item_id).in_(item_ids),
               col(LifecycleEvent.kind).in_(("repair_attempted", "handed_over", "checked_in")))
        .order_by(col(LifecycleEvent.item_id), col(LifecycleEvent.occurred_at),
                  col(LifecycleEvent.id))
    ).all()
    found: dict[int, list[datetime]] = {}
    fixed: dict[int, bool] = {}
    for item_id, kind, payload, occurred_at in rows:
        if item_id is None:
            continue
        if kind == "repair_attempted":
            fixed[item_id] = (payload or {}).get("outcome") == "fixed"
        elif kind == "checked_in":
            fixed[item_id] = False
        elif fixed.get(item_id) and (payload or {}).get("to", "owner") == "owner":
            found.setdefault(item_id, []).append(occurred_at)
            fixed[item_id] = False
    return found


def due_ids(session: Session, today: date) -> list[int]:
    found = session.exec(
        select(FollowUp.id).where(col(FollowUp.status) == "pending",
                                  col(FollowUp.due_on) <= today).order_by(col(FollowUp.due_on))
    ).all()
    return [i for i in found if i is not None]


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    stopped: int = 0
    failed: int = 0


def _claim(session: Session, follow_up: int, now: datetime) -> bool:
    with write_transaction(session):
        result = session.execute(
            update(FollowUp).where(col(FollowUp.id) == follow_up, col(FollowUp.status) == "pending")
            .values(status="sending", claimed_at=now))
    return bool(getattr(result, "rowcount", 0))


def _set_status(session: Session, follow_up: int, status: str, **values: object) -> None:
    with write_transaction(session):
        session.execute(update(FollowUp).where(col(FollowUp.id) == follow_up)
                        .values(status=status, **values))


def send_due(session: Session, *, today: date, now: datetime,
             compose: Callable[[Question, str], object], send: Callable[[object], None]) -> SendResult:
    """Mail every follow-up due by `today`, each at most once.

    `compose(question, recipient)` builds the message and `send(message)` hands it to the SMTP
    server; an SMTP error gives the claim back for the next pass.
    """
    sent = stopped = failed = 0
    for follow_up in due_ids(session, today):
        if not _claim(session, follow_up, now):
            continue
        asked = question(session, follow_up)
        owner = session.get(Owner, asked.owner_id) if asked.owner_id else None
        if not _may_ask(owner):
            _set_status(session, follow_up, "stopped")
            stopped += 1
            continue
        assert owner is not None and owner.email
        message = compose(asked, owner.email)
        session.rollback()
        try:
            send(message)
        except (smtplib.SMTPException, OSError):
            _set_status(session, follow_up, "pending", claimed_at=None)
            failed += 1
            continue
        _set_status(session, follow_up, "sent", sent_at=now)
        sent += 1
    return SendResult(sent, stopped, failed)


def stop_by_link(session: Session, follow_up_id: int, *, now: datetime) -> None:
    """The owner asks for no more questions, from any of their links."""
    with write_transaction(session):
        found = session.get(FollowUp, follow_up_id)
        if found is None:
            raise NotFound("This link is not valid. Check that it was copied whole.")
        owner = session.get(Owner, found.owner_id) if found.owner_id else None
        if owner is not None:
            stop_for_owner(session, owner, now=now)
        elif found.status == "pending":
            found.status = "stopped"
            session.add(found)


def object_on_label(session: Session, text: str) -> Question:
    """The object a label names, for the question asked to whoever scanned it at home."""
    try:
        code = codes.parse(text)
    except CodeError as exc:
        raise NotFound(exc.template, **exc.params) from None
    item_id = session.exec(select(Tag.item_id).where(Tag.code == code)).one_or_none()
    if item_id is None:
        raise NotFound("No object carries label %(code)s.", code=codes.display(code))
    item = session.get(Item, item_id)
    assert item is not None
    category = session.get(Category, item.category_id) if item.category_id else None
    went_home = handovers_after_repair(session, [item_id]).get(item_id, [])
    return Question(
        follow_up_id=0, item_id=item_id, months=0,
        category=category.name if category else None, brand=item.brand, model=item.model,
        code=code, handed_over_on=went_home[-1].date() if went_home else date.min,
        status="open" if went_home else "not_repaired", answered_at=None, still_works=None,
        owner_id=None)
