"""What happens at the bench: diagnosis, repair attempts, hand-over, notes, corrections, new labels.

Each function is one user action: it locks the object, checks the rule, writes the event and
commits once. A retried request with the same key returns the first event and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.followups.services import followups
from repaircafe.models import Item, LifecycleEvent, Part, RepairSession, Site, Tag
from repaircafe.parts.services import stock as stock_service
from repaircafe.reporting.services import impact as impact_service
from repaircafe.tags.services import tags as tag_service

# Where a needed spare part comes from, and what happens next to a repairable object: the
# Fixometer/ORDS questions a fixer answers after an attempt.
PART_SOURCES = {
    "stock": N_("from the café's stock"),
    "owner": N_("ordered by the owner"),
    "manufacturer": N_("from the manufacturer"),
    "second_hand": N_("second-hand"),
}
NEXT_STEPS = {
    "owner_buys_part": N_("the owner buys a part"),
    "next_session": N_("back at the next session"),
    "more_time": N_("more time needed"),
    "professional": N_("to a professional repairer"),
    "diy": N_("the owner repairs it at home"),
}


def repair_info_url(text: str | None) -> str | None:
    """A link to the repair guide or manual used; only web addresses are kept."""
    value = values.clean_text(text, limit=500, field=N_("Repair information"))
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        raise Refused("“%(text)s” is not a web address: paste a link that starts with "
                      "http:// or https://.", text=value[:80])
    return value


def attempt_details(
    *, outcome: str, spare_parts: str | None, parts_source: str | None,
    next_steps: str | None, repair_info: str | None,
) -> dict[str, Any]:
    """The optional Fixometer fields of an attempt, checked; only those given are kept."""
    details: dict[str, Any] = {}
    if spare_parts not in (None, "", "yes", "no"):
        raise Refused("Say whether spare parts were needed: yes or no.")
    if parts_source and parts_source not in PART_SOURCES:
        raise Refused("Unknown source of spare parts “%(source)s”.", source=parts_source[:40])
    if parts_source and spare_parts == "no":
        raise Refused("A source of spare parts only goes with “spare parts needed”.")
    if spare_parts:
        details["spare_parts_needed"] = spare_parts == "yes"
    if parts_source:
        details["spare_parts_needed"] = True
        details["parts_source"] = parts_source
    if next_steps:
        if next_steps not in NEXT_STEPS:
            raise Refused("Unknown next step “%(step)s”.", step=next_steps[:40])
        if outcome != "repairable":
            raise Refused("Next steps only go with the outcome Repairable.")
        details["next_steps"] = next_steps
    link = repair_info_url(repair_info)
    if link:
        details["repair_info_url"] = link
    return details


def locked_item(session: Session, item_id: int, actor: Actor) -> Item:
    """The object, if the actor may change it, locked against a second tablet until commit."""
    return access.load(session, Item, item_id, actor, write=True, lock=True)


def parts_installed_this_visit(session: Session, item_id: int) -> list[dict[str, Any]]:
    """Parts fitted since the object was registered or checked in, and still in it.

    A repair attempt names them, so its history entry says which parts made the repair.
    """
    visit_start = session.exec(
        select(func.max(LifecycleEvent.id)).where(
            LifecycleEvent.item_id == item_id,
            col(LifecycleEvent.kind).in_(("registered", "checked_in")),
        )
    ).one() or 0
    fitted = session.exec(
        select(LifecycleEvent.payload).where(
            LifecycleEvent.item_id == item_id, LifecycleEvent.kind == "part_installed",
            col(LifecycleEvent.id) > visit_start,
        ).order_by(col(LifecycleEvent.id))
    ).all()
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for payload in fitted:
        part_id = (payload or {}).get("part_id")
        if not part_id or part_id in seen:
            continue
        seen.add(part_id)
        part = session.get(Part, part_id)
        if part is None or part.state != "installed" or part.installed_item_id != item_id:
            continue
        rows.append({"part_id": part.id, "code": stock_service.code_of(session, part_id=part.id),
                     "name": part.name})
    return rows


def record_diagnosis(
    session: Session, *, item_id: int, diagnosis: str, actor: Actor, now: datetime, key: str,
    occurred_at: datetime | None = None,
) -> LifecycleEvent:
    """The fixer's finding; moves a waiting object to the bench."""
    text = values.clean_text(diagnosis, limit=2000, field=N_("Diagnosis"))
    if not text:
        raise Refused("Write what you found.")

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            return ev.item_event(session, item, kind="diagnosed", payload={"diagnosis": text},
                                 actor=actor, now=now, key=key, occurred_at=occurred_at,
                                 internal_note=text)

    return ev.once(session, key, "diagnosed", act)


def take_to_bench(
    session: Session, *, item_id: int, actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """A fixer takes a waiting object from the queue: it moves to "at a bench" in their name.

    Recorded as the start of a diagnosis with nothing found yet, so the lifecycle and reports
    read it like any diagnosis; the history says who took it.
    """

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            if item.state == "in_repair":
                raise Refused("Someone has already taken this object to a bench.")
            if item.state != "registered":
                raise Refused("Only a waiting object can be taken to a bench.")
            return ev.item_event(session, item, kind="diagnosed",
                                 payload={"diagnosis": "", "taken": True}, actor=actor,
                                 now=now, key=key)

    return ev.once(session, key, "diagnosed", act)


def record_repair_attempt(
    session: Session,
    *,
    item_id: int,
    outcome: str,
    barrier: int | str | None = None,
    minutes: int | str | None = None,
    public_note: str = "",
    internal_note: str = "",
    actor: Actor,
    now: datetime,
    key: str,
    occurred_at: datetime | None = None,
    spare_parts: str | None = None,
    parts_source: str | None = None,
    next_steps: str | None = None,
    repair_info: str | None = None,
    require_barrier: bool = False,
) -> LifecycleEvent:
    """An attempt with its outcome (ORDS Fixed / Repairable / End of life / Unknown).

    `require_barrier` refuses an End of life without its ORDS barrier, as the bench does:
    reports count those as "no barrier recorded". Imported records may lack it.
    """
    barrier_code = values.parse_barrier(barrier)
    payload: dict[str, Any] = {
        "outcome": outcome,
        "barrier": barrier_code,
        "minutes": values.parse_minutes(minutes),
        "fixer": actor.name,
    }
    if outcome != "end_of_life" and barrier_code is not None:
        raise Refused("A barrier can only be given when the outcome is End of life.")
    if require_barrier and outcome == "end_of_life" and barrier_code is None:
        raise Refused("Choose the barrier that made it end of life.")
    payload.update(attempt_details(outcome=outcome, spare_parts=spare_parts,
                                   parts_source=parts_source, next_steps=next_steps,
                                   repair_info=repair_info))
    public = values.clean_text(public_note, limit=2000, field=N_("Public note"))
    internal = values.clean_text(internal_note, limit=4000, field=N_("Internal note"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            fitted = parts_installed_this_visit(session, item.id or 0)
            event = ev.item_event(session, item, kind="repair_attempted",
                                  payload={**payload, "parts_installed": fitted} if fitted
                                  else payload,
                                  actor=actor, now=now, key=key, occurred_at=occurred_at,
                                  public_note=public, internal_note=internal)
            session.flush()
            impact_service.record_repair_impact(session, item=item, event=event, now=now)
            return event

    return ev.once(session, key, "repair_attempted", act)


def hand_over(
    session: Session, *, item_id: int, to: str = "owner", return_due_on: str | None = None,
    public_note: str = "", actor: Actor, now: datetime, key: str,
    follow_up_months: Sequence[int] = (), occurred_at: datetime | None = None,
) -> LifecycleEvent:
    """The object leaves the café: back to its owner, or sold, donated or lent to someone new.

    A repaired object going back to an owner who agreed to be asked gets its "still working?"
    follow-ups, `follow_up_months` after today.
    """
    if to not in lifecycle.HANDOVER_KINDS:
        raise Refused("Unknown hand-over kind “%(kind)s”.", kind=to)
    if to == "lent" and not return_due_on:
        raise Refused("A loan needs a return date.")
    payload = {"to": to, "return_due_on": return_due_on}
    public = values.clean_text(public_note, limit=2000, field=N_("Public note"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            fixed = item.state == "fixed"
            event = ev.item_event(session, item, kind="handed_over", payload=payload,
                                  actor=actor, now=now, key=key, occurred_at=occurred_at,
                                  public_note=public)
            followups.plan(session, item=item, handover=event, fixed=fixed,
                           months=follow_up_months)
            return event

    return ev.once(session, key, "handed_over", act)


def check_in(
    session: Session, *, item_id: int, repair_session_id: int | None, problem: str = "",
    actor: Actor, now: datetime, key: str, occurred_at: datetime | None = None,
) -> LifecycleEvent:
    """An object seen before comes back for another visit (today's session at its group)."""
    text = values.clean_text(problem, limit=2000, field=N_("Problem"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            if repair_session_id is None:
                raise Refused("Open today's café session first.")
            visit = access.load(session, RepairSession, repair_session_id, actor, write=True)
            site = session.get(Site, visit.site_id)
            if site is None or site.group_id != item.group_id:
                raise Refused("That café session is at another group's site.")
            item.current_session_id = repair_session_id
            if text:
                item.problem = text
            return ev.item_event(session, item, kind="checked_in", payload={"problem": text},
                                 actor=actor, now=now, key=key, occurred_at=occurred_at,
                                 repair_session_id=repair_session_id)

    return ev.once(session, key, "checked_in", act)


def add_note(
    session: Session, *, item_id: int, public_note: str = "", internal_note: str = "",
    actor: Actor, now: datetime, key: str, occurred_at: datetime | None = None,
) -> LifecycleEvent:
    """A remark for the history; public notes show on the owner's page, internal ones never."""
    public = values.clean_text(public_note, limit=2000, field=N_("Public note"))
    internal = values.clean_text(internal_note, limit=4000, field=N_("Internal note"))
    if not public and not internal:
        raise Refused("Write a note first.")

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            return ev.item_event(session, item, kind="note", actor=actor, now=now, key=key,
                                 occurred_at=occurred_at, public_note=public,
                                 internal_note=internal)

    return ev.once(session, key, "note", act)


def correct_event(
    session: Session, *, event_id: int, replace: dict[str, Any] | None = None, void: bool = False,
    reason: str, actor: Actor, now: datetime, key: str, require_barrier: bool = False,
) -> LifecycleEvent:
    """Fix a mistake with a correction event; the original stays as it was recorded.

    The corrected history must still be a valid lifecycle, else the correction is refused.
    A barrier given alone corrects an End of life attempt's barrier. With `require_barrier`
    an outcome corrected to End of life needs its barrier too, as at the bench.
    """
    reason = values.clean_text(reason, limit=1000, field=N_("Reason"))
    if not reason:
        raise Refused("Say what was wrong, so the history makes sense later.")
    if not void and not replace:
        raise Refused("Nothing to correct.")
    if replace and "barrier" in replace:
        replace = {**replace, "barrier": values.parse_barrier(replace["barrier"])}
    if (require_barrier and replace and replace.get("outcome") == "end_of_life"
            and replace.get("barrier") is None):
        raise Refused("Choose the barrier that made it end of life.")

    def act() -> LifecycleEvent:
        with write_transaction(session):
            target = session.get(LifecycleEvent, event_id)
            if target is None or target.item_id is None:
                raise NotFound("That history entry does not exist.")
            item = locked_item(session, target.item_id, actor)
            if target.kind in ("correction", "registered"):
                raise Refused("This entry cannot be corrected; add a note instead.")
            history = session.exec(
                select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)
            ).all()
            payload = {"void": True} if void else {"replace": replace}
            probe = lifecycle.EventFact(10**12, "correction", payload, event_id)
            new_state = lifecycle.project_item([*ev.facts(list(history)), probe])
            event = ev.item_event(session, item, kind="correction",
                                  payload={**payload, "reason": reason}, actor=actor, now=now,
                                  key=key, corrects_id=event_id, internal_note=reason)
            item.state = new_state or item.state
            session.flush()
            if target.kind == "repair_attempted":
                impact_service.void_impact(session, event_id=event_id)
                if not void:
                    corrected = LifecycleEvent(**{**target.model_dump(), "payload": {
                        **target.payload, **(replace or {})}})
                    impact_service.record_repair_impact(session, item=item, event=corrected,
                                                        now=now)
            return event

    return ev.once(session, key, "correction", act)


def replace_tag(
    session: Session, *, item_id: int, new_code: str | None = None, actor: Actor,
    now: datetime, key: str, occurred_at: datetime | None = None,
) -> Tag:
    """A damaged label: the old tag is retired (it still resolves), a new one is linked."""

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            old = tag_service.current_tag(session, item_id=item.id)
            if new_code:
                tag = access.check_blank_label(
                    tag_service.claimable_tag(session, new_code), item.group_id)
            else:
                tag = tag_service.new_tags(session, count=1, group_id=item.group_id, now=now)[0]
            if old is not None:
                old.status, old.retired_at = "retired", now
                session.add(old)
            tag.status, tag.kind, tag.item_id, tag.linked_at = "linked", "item", item.id, now
            session.add(tag)
            return ev.item_event(session, item, kind="tag_replaced",
                                 payload={"old": old.code if old else None, "new": tag.code},
                                 actor=actor, now=now, key=key, occurred_at=occurred_at)

    event = ev.once(session, key, "tag_replaced", act)
    found = tag_service.tag_by_code(session, event.payload["new"])
    assert found is not None
    return found
