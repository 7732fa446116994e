"""Correcting what was typed at intake, as a `correction` of the object's `registered` event.

The registered event is never changed: a correction event names the fields it replaces and the
values they had, and the object's row follows the latest correction. `corrected_fields` replays
those events, so `repaircafe db check` and `db rebuild` can compare and restore the row.
Owner contact details are personal data and can be erased: the event only says they changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent, Owner
from repaircafe.objects.services import intake
from repaircafe.objects.services.repairs import locked_item
from repaircafe.reporting.services import impact as impact_service

# Fields of the object a correction may replace, in the order the forms show them.
FIELDS = ("category", "brand", "model", "problem", "weight_kg", "product_age_years")
# Fields whose change alters what a fixed repair saved (its impact is computed from them).
IMPACT_FIELDS = ("category", "weight_kg")


def current_values(session: Session, item: Item) -> dict[str, Any]:
    """The object's intake fields as a correction compares them (category by its slug)."""
    category = session.get(Category, item.category_id) if item.category_id else None
    return {"category": category.slug if category else None, "brand": item.brand,
            "model": item.model, "problem": item.problem, "weight_kg": item.weight_kg,
            "product_age_years": item.product_age_years}


def parse_changes(session: Session, changes: Mapping[str, Any], *, now: datetime
                  ) -> dict[str, Any]:
    """The typed values checked and cleaned like at intake; unknown fields are refused."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise Refused("“%(field)s” cannot be corrected.", field=unknown[0])
    parsed: dict[str, Any] = {}
    for name, raw in changes.items():
        if name == "category":
            try:
                category = intake.category_by_slug(session, raw or None)
            except Refused:
                raise NotFound("Unknown category “%(slug)s”.", slug=str(raw)[:60]) from None
            parsed[name] = category.slug if category else None
        elif name == "weight_kg":
            parsed[name] = values.parse_weight(raw)
        elif name == "product_age_years":
            parsed[name] = intake.parse_product_age(raw, today=now)
        else:
            limit = 2000 if name == "problem" else 120
            parsed[name] = values.clean_text(raw, limit=limit,
                                             field={"brand": N_("Brand"), "model": N_("Model"),
                                                    "problem": N_("Problem")}[name])
    return parsed


def correct_intake(
    session: Session, *, item_id: int, changes: Mapping[str, Any] | None = None,
    owner: intake.OwnerContact | None = None, reason: str, actor: Actor, now: datetime,
    key: str, unchanged_is_fine: bool = False,
) -> LifecycleEvent | None:
    """Replace intake fields (and owner contact) that were typed wrong; the original stays.

    Only the fields whose value really changes are recorded. A fixed repair's saved kilograms
    and CO2e follow a corrected category or weight: its impact is recomputed. Values that are
    already the recorded ones are refused, unless `unchanged_is_fine` (an API client sending
    the object's state again): then nothing is written and None is returned.
    """
    reason = values.clean_text(reason, limit=1000, field=N_("Reason"))
    if not reason:
        raise Refused("Say what was wrong, so the history makes sense later.")
    wanted = parse_changes(session, changes or {}, now=now)
    if owner is not None and not owner.is_empty and not owner.consent:
        raise Refused("Owner contact details can only be kept with the owner's consent.")

    def act() -> LifecycleEvent:
        with write_transaction(session):
            item = locked_item(session, item_id, actor)
            before = current_values(session, item)
            replace = {k: v for k, v in wanted.items() if v != before[k]}
            owner_changed = owner is not None and _owner_differs(session, item, owner)
            if not replace and not owner_changed:
                if unchanged_is_fine:
                    raise _Unchanged
                raise Refused("Nothing to correct: the values are the ones already recorded.")
            if {"brand", "model", "problem", "category"} & set(replace):
                intake.check_described(
                    *(replace.get(k, before[k]) or "" for k in ("category", "brand", "model",
                                                                 "problem")))
            registered = session.exec(
                select(LifecycleEvent.id).where(LifecycleEvent.item_id == item.id,
                                                LifecycleEvent.kind == "registered")
                .order_by(col(LifecycleEvent.id))
            ).first()
            payload: dict[str, Any] = {
                "intake": True, "replace": replace,
                "previous": {k: before[k] for k in replace}, "reason": reason,
            }
            if owner_changed:
                payload["owner_changed"] = True
                assert owner is not None
                _apply_owner(session, item, owner, now=now)
            apply_fields(session, item, replace)
            event = ev.item_event(session, item, kind="correction", payload=payload,
                                  actor=actor, now=now, key=key, corrects_id=registered,
                                  internal_note=reason)
            session.flush()
            if set(IMPACT_FIELDS) & set(replace):
                _recompute_repairs(session, item, now=now)
            return event

    try:
        return ev.once(session, key, "correction", act)
    except _Unchanged:
        return None


class _Unchanged(Exception):
    """Nothing differs from what is recorded, and the caller accepts that."""


def apply_fields(session: Session, item: Item, fields: Mapping[str, Any]) -> None:
    """Put corrected values on the object's row (category given by its slug)."""
    for name, value in fields.items():
        if name == "category":
            category = intake.category_by_slug(session, value) if value else None
            item.category_id = category.id if category else None
        elif name == "weight_kg":
            item.weight_kg = value
            item.weight_source = "measured" if value is not None else None
        else:
            setattr(item, name, value)
    session.add(item)


def corrected_fields(events: Iterable[LifecycleEvent]) -> dict[str, Any]:
    """The intake fields the object's history says it has now, for the fields ever corrected.

    A later check-in that describes a new problem replaces the problem, as at the door.
    """
    found: dict[str, Any] = {}
    for event in sorted(events, key=lambda e: e.id or 0):
        payload = event.payload or {}
        if event.kind == "correction" and payload.get("intake"):
            found.update(payload.get("replace") or {})
        elif event.kind == "checked_in" and payload.get("problem") and "problem" in found:
            found["problem"] = payload["problem"]
    return found


def _owner_differs(session: Session, item: Item, owner: intake.OwnerContact) -> bool:
    row = session.get(Owner, item.owner_id) if item.owner_id else None
    if row is None or row.erased_at is not None:
        return not owner.is_empty
    return ((row.name or "", row.email or "", row.phone or "")
            != (owner.name.strip(), owner.email.strip(), owner.phone.strip()))


def _apply_owner(session: Session, item: Item, owner: intake.OwnerContact, *,
                 now: datetime) -> None:
    row = session.get(Owner, item.owner_id) if item.owner_id else None
    if owner.is_empty:
        item.owner_id = None
        return
    if row is None or row.erased_at is not None:
        item.owner_id = intake.new_owner(session, owner, now=now).id
        return
    row.name = values.clean_text(owner.name, limit=120, field=N_("Name")) or None
    row.email = values.clean_text(owner.email, limit=200, field=N_("E-mail")) or None
    row.phone = values.clean_text(owner.phone, limit=40, field=N_("Phone")) or None
    row.consent_at = now
    session.add(row)


def _recompute_repairs(session: Session, item: Item, *, now: datetime) -> None:
    """Fixed repairs still standing get their savings computed again from the corrected row."""
    history = list(session.exec(
        select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)
        .order_by(col(LifecycleEvent.id))).all())
    by_id = {e.id: e for e in history}
    for fact in lifecycle.effective_events(ev.facts(history)):
        if fact.kind != "repair_attempted" or fact.payload.get("outcome") != "fixed":
            continue
        standing = session.exec(select(ImpactRecord.id).where(
            ImpactRecord.event_id == fact.id, col(ImpactRecord.is_void).is_(False))).first()
        if standing is None:
            continue
        impact_service.void_impact(session, event_id=fact.id)
        original = by_id[fact.id]
        corrected = LifecycleEvent(**{**original.model_dump(), "payload": dict(fact.payload)})
        impact_service.record_repair_impact(session, item=item, event=corrected, now=now)
