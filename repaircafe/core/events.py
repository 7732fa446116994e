"""Recording lifecycle events: idempotency, the state machine, and the state cache, in one place."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repaircafe.domain import lifecycle, personal_data, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import KeyReused
from repaircafe.domain.messages import N_
from repaircafe.models import Item, LifecycleEvent, Owner, Part


def new_key() -> str:
    """A fresh idempotency key for callers that have none (CLI, importers, tests)."""
    return uuid.uuid4().hex


def find_by_key(session: Session, key: str) -> LifecycleEvent | None:
    """The event already recorded under this idempotency key, if any."""
    return session.exec(
        select(LifecycleEvent).where(LifecycleEvent.idempotency_key == key)
    ).one_or_none()


def replayed(session: Session, key: str, kind: str) -> LifecycleEvent | None:
    """The first result of a retried request, or None when the key is new.

    A key reused for a different action is refused: it would hide one of the two.
    """
    existing = find_by_key(session, key)
    if existing is not None and existing.kind != kind:
        raise KeyReused("This request key was already used for another action; reload the page.")
    return existing


def once(
    session: Session, key: str, kind: str, action: Callable[[], LifecycleEvent]
) -> LifecycleEvent:
    """Run an action unless the key already recorded it; a racing duplicate returns the winner.

    Every write that records an event goes through here, so a retried request (a flaky network,
    a double tap, a tablet that was offline) records its event once and returns it again.
    """
    previous = replayed(session, key, kind)
    if previous is not None:
        return previous
    try:
        return action()
    except IntegrityError:
        previous = replayed(session, key, kind)
        if previous is None:
            raise
        return previous


def public_text(session: Session, text: str, *, owner_id: int | None = None) -> str:
    """A public note as the label page will show it: without contact details.

    Anyone holding the object can open its page, so e-mail addresses, phone numbers and the
    owner's name never reach it, whatever the volunteer typed.
    """
    if not text:
        return text
    owner = session.get(Owner, owner_id) if owner_id else None
    names = personal_data.owner_details(owner.name, owner.email, owner.phone) if owner else ()
    return personal_data.scrub(text, names)


def _new_event(
    *, kind: str, payload: dict[str, Any], actor: Actor, now: datetime, key: str,
    occurred_at: datetime | None, repair_session_id: int | None, public_note: str,
    internal_note: str, item_id: int | None = None, part_id: int | None = None,
    corrects_id: int | None = None,
) -> LifecycleEvent:
    public_note = values.clean_text(public_note, limit=2000, field=N_("Public note"))
    internal_note = values.clean_text(internal_note, limit=4000, field=N_("Internal note"))
    return LifecycleEvent(
        item_id=item_id,
        part_id=part_id,
        kind=kind,
        payload=payload,
        public_note=public_note,
        internal_note=internal_note,
        actor_id=actor.id,
        actor_name=actor.name,
        repair_session_id=repair_session_id,
        occurred_at=occurred_at or now,
        recorded_at=now,
        idempotency_key=key,
        corrects_id=corrects_id,
    )


def item_event(
    session: Session,
    item: Item,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    actor: Actor,
    now: datetime,
    key: str,
    occurred_at: datetime | None = None,
    repair_session_id: int | None = None,
    public_note: str = "",
    internal_note: str = "",
    corrects_id: int | None = None,
) -> LifecycleEvent:
    """Apply the lifecycle rule, then add the event and move the object's cached state.

    Raises TransitionRefused before anything is added, so a refused action writes nothing.
    """
    payload = payload or {}
    if kind != "correction":
        item.state = lifecycle.next_item_state(item.state or None, kind, payload) or item.state
    item.updated_at = now
    event = _new_event(
        item_id=item.id, kind=kind, payload=payload, actor=actor, now=now, key=key,
        occurred_at=occurred_at, repair_session_id=repair_session_id or item.current_session_id,
        public_note=public_text(session, public_note, owner_id=item.owner_id), internal_note=internal_note, corrects_id=corrects_id,
    )
    session.add(item)
    session.add(event)
    return event


def part_event(
    session: Session,
    part: Part,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    actor: Actor,
    now: datetime,
    key: str,
    occurred_at: datetime | None = None,
    repair_session_id: int | None = None,
    public_note: str = "",
    internal_note: str = "",
) -> LifecycleEvent:
    """The same as item_event, for a part."""
    payload = payload or {}
    part.state = lifecycle.next_part_state(part.state or None, kind, payload) or part.state
    event = _new_event(
        part_id=part.id, kind=kind, payload=payload, actor=actor, now=now, key=key,
        occurred_at=occurred_at, repair_session_id=repair_session_id,
        public_note=public_text(session, public_note), internal_note=internal_note,
    )
    session.add(part)
    session.add(event)
    return event


def facts(events: list[LifecycleEvent]) -> list[lifecycle.EventFact]:
    """Stored events as the plain facts the lifecycle replays."""
    return [
        lifecycle.EventFact(e.id or 0, e.kind, e.payload or {}, e.corrects_id) for e in events
    ]
