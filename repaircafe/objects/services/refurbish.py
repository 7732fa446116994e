"""Refurbished objects: the tests they passed, their hand-over to a new owner, loans coming back.

A refurbished object handed over earns the same product credit as a fixed repair (design §6),
once: an object already credited for a repair, or handed over before, earns nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import impact, lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_, Phrase
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent
from repaircafe.objects.services.repairs import locked_item
from repaircafe.reporting.services import impact as impact_service

TESTS = {
    "electrical_safety": N_("Electrical safety test (PAT)"),
    "function": N_("Function test"),
    "cleaned": N_("Cleaned and inspected"),
}
NEW_OWNER_KINDS = ("sold", "donated", "lent", "new_owner")


@dataclass(frozen=True)
class TestResult:
    """One check done before an object may leave as refurbished."""

    name: str
    passed: bool
    tested_on: date
    value: str = ""  # e.g. "insulation 200 MΩ, earth 0.08 Ω"


def parse_day(text: str | date | None, field: str) -> date | None:
    if text in (None, ""):
        return None
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise Refused("%(field)s: “%(text)s” is not a date (use the date picker).",
                      field=Phrase(field), text=text) from None


def _locked(session: Session, item_id: int, actor: Actor) -> Item:
    return locked_item(session, item_id, actor)


def refurbish(
    session: Session, *, item_id: int, tests: list[TestResult], public_note: str = "",
    actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """Mark an object refurbished with the tests it passed; a failed test refuses it."""
    access.load(session, Item, item_id, actor, write=True)
    if not tests:
        raise Refused("Record at least one test (e.g. the electrical safety test).")
    for test in tests:
        label = TESTS.get(test.name, test.name)
        if test.name not in TESTS:
            raise Refused("Unknown test “%(test)s”.", test=test.name)
        if not test.passed:
            raise Refused("%(test)s failed: the object cannot leave as refurbished.",
                          test=Phrase(label))
        if test.tested_on > now.date():
            raise Refused("%(test)s: the test date is in the future.", test=Phrase(label))
    note = values.clean_text(public_note, limit=2000, field=N_("Public note"))
    payload = {"tests": [{"name": t.name, "passed": t.passed, "tested_on": t.tested_on.isoformat(),
                          "value": values.clean_text(t.value, limit=200, field=N_("Test result"))}
                         for t in tests]}

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = _locked(session, item_id, actor)
            return ev.item_event(session, item, kind="refurbished", payload=payload, actor=actor,
                                 now=now, key=key, public_note=note)

    return ev.once(session, key, "refurbished", act)


def _already_credited(session: Session, item_id: int) -> bool:
    return session.exec(select(ImpactRecord.id).where(
        ImpactRecord.item_id == item_id, ImpactRecord.kind == "repair",
        ImpactRecord.is_void == False,  # noqa: E712
    )).first() is not None


def _credit_back_in_use(session: Session, item: Item, event: LifecycleEvent,
                        now: datetime) -> None:
    category = session.get(Category, item.category_id) if item.category_id else None
    slug, powered = (category.slug, category.is_powered) if category else (None, True)
    weight = item.weight_kg
    source = item.weight_source if weight else None
    central, low = (
        impact.repair_savings(slug, powered, "unknown", weight, source,
                              impact_service.factor_set(name), back_in_use=True)
        for name in (impact_service.CENTRAL_SET, impact_service.CONSERVATIVE_SET)
    )
    session.add(ImpactRecord(
        event_id=event.id or 0, item_id=item.id, kind="repair", factor_set=central.factor_set,
        factor_version=central.factor_set_version, weight_kg=central.weight_kg or 0.0,
        weight_source=central.weight_source, waste_prevented_kg=central.waste_prevented_kg,
        co2e_avoided_kg=central.co2e_avoided_kg,
        co2e_avoided_conservative_kg=low.co2e_avoided_kg, computed_at=now,
    ))


def hand_over(
    session: Session, *, item_id: int, to: str, return_due_on: str | date | None = None,
    public_note: str = "", actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """A refurbished (or fixed) object leaves: sold, donated, or lent until a return date."""
    if to not in lifecycle.HANDOVER_KINDS:
        raise Refused("Unknown hand-over kind “%(kind)s”.", kind=to)
    due = parse_day(return_due_on, N_("Return date"))
    if to == "lent" and due is None:
        raise Refused("A loan needs a return date.")
    if due is not None and to != "lent":
        raise Refused("Only a loan has a return date.")
    if due is not None and due <= now.date():
        raise Refused("The return date must be after today.")
    note = values.clean_text(public_note, limit=2000, field=N_("Public note"))
    payload = {"to": to, "return_due_on": due.isoformat() if due else None}

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = _locked(session, item_id, actor)
            was = item.state
            event = ev.item_event(session, item, kind="handed_over", payload=payload, actor=actor,
                                  now=now, key=key, public_note=note)
            session.flush()
            if was == "refurbished" and not _already_credited(session, item.id or 0):
                _credit_back_in_use(session, item, event, now)
            return event

    return ev.once(session, key, "handed_over", act)


def last_handover(session: Session, item_id: int) -> LifecycleEvent | None:
    return session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == item_id, LifecycleEvent.kind == "handed_over",
    ).order_by(col(LifecycleEvent.id).desc())).first()


def take_back(
    session: Session, *, item_id: int, public_note: str = "", actor: Actor, now: datetime,
    key: str,
) -> LifecycleEvent:
    """A lent object comes back to the café, ready to be lent again."""
    note = values.clean_text(public_note, limit=2000, field=N_("Public note"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = _locked(session, item_id, actor)
            lifecycle.next_item_state(item.state, "returned", {})
            last = last_handover(session, item.id or 0)
            if last is None or last.payload.get("to") != "lent":
                kind = (last.payload.get("to") if last else None) or "handed over"
                raise Refused("Only a loan comes back: this object was %(kind)s.",
                              kind=Phrase(kind.replace("_", " ")))
            due = last.payload.get("return_due_on")
            return ev.item_event(session, item, kind="returned", actor=actor, now=now, key=key,
                                 payload={"return_due_on": due,
                                          "late": bool(due and now.date().isoformat() > due)},
                                 public_note=note)

    return ev.once(session, key, "returned", act)
