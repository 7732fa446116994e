"""Records imported before: unchanged, or updated through a `correction` event that points at
the imported `repair_attempted` event (events are never edited), with its impact voided and
recomputed.

A record whose event date or group changed at source is refused with the reason: the day and
place of a repair are those of its café session, which the imported events point at, and
events are never edited. The row says so in the report instead of passing as unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from repaircafe.core import events as ev
from repaircafe.domain import lifecycle
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import TransitionRefused
from repaircafe.interop.ords.services.ords_events import event_key
from repaircafe.interop.ords.services.ords_impacts import CategoryInfo
from repaircafe.interop.ords.services.ords_report import Reject
from repaircafe.interop.ords.services.ords_rows import OrdsRecord
from repaircafe.models import Item, LifecycleEvent, RepairSession
from repaircafe.reporting.services import impact as impact_service

ITEM = Item.__table__  # type: ignore[attr-defined]


class Known(NamedTuple):
    """What an object imported before holds of the values a row can change."""

    id: int
    source_id: str
    category_id: int | None
    brand: str
    problem: str
    product_age_years: float | None
    country: str | None
    partner_category: str | None


class Corrections(NamedTuple):
    """What became of a chunk's records imported before."""

    updated: int
    unchanged: int
    rejects: list[Reject]


class Corrector:
    """Applies changes at source to objects imported before."""

    def __init__(self, session: Session, categories: dict[int, CategoryInfo], *, actor: Actor,
                 now: datetime) -> None:
        self.session = session
        self.categories = categories
        self.actor = actor
        self.now = now

    def update(self, records: list[OrdsRecord], existing: dict[tuple[str, str], Known]
               ) -> Corrections:
        """Compare records imported before with what is stored; correct the changed ones."""
        if not records:
            return Corrections(0, 0, [])
        keys = {event_key(r.provider, r.source_id, "repair_attempted"): r for r in records}
        targets = {
            e.idempotency_key: e
            for e in self.session.execute(
                select(LifecycleEvent).where(col(LifecycleEvent.idempotency_key).in_(list(keys)))
            ).scalars()
        }
        fixes: dict[int, list[LifecycleEvent]] = {}
        if targets:
            for fix in self.session.execute(
                select(LifecycleEvent).where(
                    col(LifecycleEvent.corrects_id).in_([t.id for t in targets.values()]))
                .order_by(col(LifecycleEvent.id))
            ).scalars():
                fixes.setdefault(fix.corrects_id, []).append(fix)
        rejects: list[Reject] = []
        updated = unchanged = 0
        filled: list[dict[str, Any]] = []
        titles = self._session_titles(list(targets.values()))
        for key, record in keys.items():
            row = existing[(record.provider, record.source_id)]
            target = targets.get(key)
            if target is None:
                rejects.append(Reject(record.line, record.source_id,
                                      "an object with this id exists but was not imported "
                                      "from ORDS; left as it is"))
                continue
            current = _effective_payload(target, fixes.get(target.id or 0, []))
            moved = self._moved(record, target, current, titles)
            if moved:
                rejects.append(Reject(
                    record.line, record.source_id,
                    f"changed at source: {'; '.join(moved)}. Not applied: an imported repair "
                    "keeps the day and place of the café session it was first imported into, "
                    "because its events are never edited; record left as it is",
                    changed=True))
                continue
            category = self.categories.get(record.category_ords_id or 0)
            wanted = {
                "outcome": record.outcome, "barrier": record.barrier,
                "category_id": category.id if category else None, "brand": record.brand,
                "problem": record.problem, "product_age_years": record.product_age,
                "country": record.country, "partner_category": record.partner_category,
            }
            have = {
                "outcome": current.get("outcome"), "barrier": current.get("barrier"),
                "category_id": row.category_id, "brand": row.brand, "problem": row.problem,
                "product_age_years": row.product_age_years, "country": row.country,
                "partner_category": row.partner_category,
            }
            if "group_identifier" not in current:
                # Imported before objects kept their country and own category: the file
                # fills them in, which is no change at source.
                fill = {"item_id": row.id, "fill_country": row.country or record.country,
                        "fill_partner": row.partner_category or record.partner_category}
                if (fill["fill_country"], fill["fill_partner"]) != (row.country,
                                                                    row.partner_category):
                    filled.append(fill)
                    have["country"], have["partner_category"] = (fill["fill_country"],
                                                                 fill["fill_partner"])
            changed = {k: [have[k], v] for k, v in wanted.items() if have[k] != v}
            if not changed:
                unchanged += 1
                continue
            try:
                self._correct(row.id, target, len(fixes.get(target.id or 0, [])), record,
                              wanted, changed)
            except TransitionRefused as exc:
                rejects.append(Reject(record.line, record.source_id,
                                      f"changed at source, but the change conflicts with what "
                                      f"was recorded here since: {exc.message}"))
                continue
            updated += 1
        if filled:
            self.session.execute(
                update(ITEM).where(ITEM.c.id == bindparam("item_id"))
                .values(country=bindparam("fill_country"),
                        partner_category=bindparam("fill_partner")), filled)
        return Corrections(updated, unchanged, rejects)

    def _session_titles(self, targets: list[LifecycleEvent]) -> dict[int, str]:
        """Titles of the café sessions imported attempts happened at: an import titles each
        session it creates with the group identifier (or the provider, when a row has none)."""
        session_ids = sorted({t.repair_session_id for t in targets
                              if t.repair_session_id is not None})
        if not session_ids:
            return {}
        found = self.session.execute(
            select(col(RepairSession.id), col(RepairSession.title))
            .where(col(RepairSession.id).in_(session_ids)))
        return {session_id: title for session_id, title in found}

    def _moved(self, record: OrdsRecord, target: LifecycleEvent, current: dict[str, Any],
               titles: dict[int, str]) -> list[str]:
        """How a record's day and group differ from what was imported.

        The group identifier is the one the imported attempt keeps; an object imported before
        attempts kept one is compared by its café session's title, the identifier then.
        """
        moved = []
        held_on = target.occurred_at.astimezone(UTC).date()
        if held_on != record.event_date:
            moved.append(f"event_date {held_on.isoformat()} → {record.event_date.isoformat()}")
        stored = current.get("group_identifier")
        if stored is None:
            stored = titles.get(target.repair_session_id or 0, "")
            wanted = (record.group_identifier or record.provider)[:200]
        else:
            wanted = record.group_identifier
        if stored != wanted:
            moved.append(f"group_identifier {stored!r} → {record.group_identifier!r}")
        return moved

    def _correct(self, item_id: int, target: LifecycleEvent, earlier: int, record: OrdsRecord,
                 wanted: dict[str, Any], changed: dict[str, list[Any]]) -> None:
        item = self.session.get(Item, item_id, with_for_update=True, populate_existing=True)
        assert item is not None
        history = self.session.execute(
            select(LifecycleEvent).where(col(LifecycleEvent.item_id) == item_id)
        ).scalars().all()
        replace = {k: wanted[k] for k in ("outcome", "barrier") if k in changed}
        payload: dict[str, Any] = {"replace": replace, "changed": changed,
                   "reason": "Record changed at source (ORDS import)"}
        probe = lifecycle.EventFact(10**12, "correction", payload, target.id)
        new_state = lifecycle.project_item([*ev.facts(list(history)), probe])
        ev.item_event(self.session, item, kind="correction", payload=payload, actor=self.actor,
                      now=self.now, key=event_key(record.provider, record.source_id,
                                                  f"correction:{earlier + 1}"),
                      corrects_id=target.id, repair_session_id=target.repair_session_id,
                      internal_note=payload["reason"])
        item.state = new_state or item.state
        item.category_id = wanted["category_id"]
        item.brand = wanted["brand"]
        item.problem = wanted["problem"]
        item.product_age_years = wanted["product_age_years"]
        item.country = wanted["country"]
        item.partner_category = wanted["partner_category"]
        self.session.flush()
        impact_service.void_impact(self.session, event_id=target.id or 0)
        effective = _effective_payload(target, self._fixes_of(target))
        corrected = LifecycleEvent(**{**target.model_dump(), "payload": effective})
        impact_service.record_repair_impact(self.session, item=item, event=corrected,
                                            now=self.now)
        self.session.flush()

    def _fixes_of(self, target: LifecycleEvent) -> list[LifecycleEvent]:
        return list(self.session.execute(
            select(LifecycleEvent).where(col(LifecycleEvent.corrects_id) == target.id)
            .order_by(col(LifecycleEvent.id))
        ).scalars())


def _effective_payload(target: LifecycleEvent, fixes: list[LifecycleEvent]) -> dict[str, Any]:
    """The payload of an event as its corrections leave it."""
    facts = ev.facts([target, *fixes])
    for fact in lifecycle.effective_events(facts):
        if fact.id == target.id:
            return dict(fact.payload)
    return {"outcome": None, "barrier": None}
