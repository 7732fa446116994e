"""The demo's objects: real Repair Cafe Wales records replayed as a year of café sessions.

Each record of `data/ords_demo_slice.csv` becomes an object at one of the demo's past sessions
with its real category, brand, problem, outcome and barrier; some come back for another visit,
some went home with their owner, and a few are on today's boards (waiting, at the bench, done).
Weights, owners and notes are invented. States are computed by replaying the planned events
through the lifecycle rules, never written by hand.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from repaircafe.core.transactions import write_transaction
from repaircafe.demo.builder import (
    DemoContext,
    DemoSession,
    DemoSite,
    DemoUser,
    next_id,
    register_step,
    sync_sequences,
)
from repaircafe.domain import codes, factor_sets, impact, lifecycle
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent, Owner, Tag
from repaircafe.reporting.services import impact as impact_service

TODAY_PER_SITE = 6
RETURN_SHARE = 0.35  # of repairable objects, how many come back for another go
WEIGHED_SHARE = 0.45
OWNER_SHARE = 0.35
PUBLIC_NOTE_SHARE = 0.4
DIAGNOSED_SHARE = 0.25

_FIRST = "ABCDEGHJKLMNPRSTW"
_SURNAMES = ("Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis",
             "Morgan", "Griffiths", "Price", "Phillips", "Owen", "Jenkins", "James", "Rees",
             "Pritchard", "Powell", "Lloyd", "Bevan", "Howells", "Parry", "Watkins", "Kaur",
             "Khan", "Nowak", "Smith", "Taylor")
_NOTES = {
    "fixed": ("Cleaned the contacts and it works again.", "Replaced the fuse in the plug.",
              "Re-soldered a loose wire; tested and safe to use.",
              "Fitted a new drive belt from our spares.", "Tightened the loose connection."),
    "repairable": ("Needs a replacement part: the owner will order it and come back.",
                   "Diagnosed the fault; a new switch is needed.",
                   "Ran out of time; bring it back next session."),
    "end_of_life": ("The motor has burnt out and no spare is available.",
                    "Cannot be opened without breaking the case.",
                    "Too worn to repair safely; please recycle it at the tip."),
    "unknown": ("Looked at by the electrical team.",),
}
_DIAGNOSES = ("Opened it up and tested the supply.", "Checked the fuse, cable and switch.",
              "Motor runs but the gearing slips.", "Loose connection at the plug end.")


@dataclass
class _Rows:
    """Rows to insert, ids assigned as they are planned."""

    next_item: int
    next_event: int
    next_owner: int
    next_tag: int
    next_impact: int
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    owners: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    impacts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Category:
    id: int
    slug: str
    powered: bool
    avg_weight_kg: float


def slice_rows() -> list[dict[str, str]]:
    """The shipped ORDS records (CC BY-SA 4.0, see data/ATTRIBUTION.md)."""
    path = resources.files("repaircafe").joinpath("data/ords_demo_slice.csv")
    # Traversable.open() takes no newline argument: decode here and let csv see the raw ends.
    text = path.read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _categories(session: Session) -> dict[int, _Category]:
    central = impact_service.factor_set(impact_service.CENTRAL_SET)
    mapping = factor_sets.load_category_map()
    found: dict[int, _Category] = {}
    for cid, slug, ords_id, powered in session.execute(
        select(col(Category.id), col(Category.slug), col(Category.ords_id),
               col(Category.is_powered))
    ):
        if ords_id is None:
            continue
        factor = central.categories.get(mapping[slug].restart_category) if slug in mapping else None
        found[ords_id] = _Category(cid, slug, powered, factor.avg_weight_kg if factor else 0.0)
    return found


class _Planner:
    def __init__(self, session: Session, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.categories = _categories(session)
        self.factor_sets = impact_service.needed_sets(session)
        self.low = impact_service.factor_set(impact_service.CONSERVATIVE_SET)
        self.sites = {s.id: s for s in ctx.sites}
        self.rows = _Rows(next_id(session, Item), next_id(session, LifecycleEvent),
                          next_id(session, Owner), next_id(session, Tag),
                          next_id(session, ImpactRecord))
        self.codes: set[str] = set(session.execute(select(col(Tag.code))).scalars())

    # ---- one object

    def object(self, record: dict[str, str], site: DemoSite, session_id: int,
               start: datetime) -> _History:
        category = self.categories.get(int(record["product_category_id"] or 0))
        weight = None
        if self.rng.random() < WEIGHED_SHARE:
            base = category.avg_weight_kg if category and category.avg_weight_kg else 2.0
            weight = max(0.1, round(base * self.rng.uniform(0.6, 1.4), 1))
        owner_id = self._owner(start) if self.rng.random() < OWNER_SHARE else None
        item_id = self.rows.next_item
        self.rows.next_item += 1
        code = self._code()
        brand = record["brand"].strip()
        item = {
            "id": item_id, "group_id": site.group_id, "site_id": site.id,
            "category_id": category.id if category else None,
            "brand": "" if brand.lower() == "unknown" else brand[:120], "model": "",
            "problem": record["problem"].strip()[:2000], "weight_kg": weight,
            "weight_source": "measured" if weight is not None else None,
            "product_age_years": None, "is_donor": False, "owner_id": owner_id,
            "current_session_id": session_id, "registered_at": start,
            "source_provider": None, "source_id": None,
        }
        self.rows.tags.append({"id": self.rows.next_tag, "code": code, "status": "linked",
                               "kind": "item", "group_id": site.group_id, "item_id": item_id,
                               "part_id": None, "bin_id": None, "issued_at": start,
                               "linked_at": start, "retired_at": None})
        self.rows.next_tag += 1
        history = _History(self, item, category)
        history.add("registered", {"code": code, "is_donor": False, "weight_kg": weight},
                    at=start, session_id=session_id, actor=self._intake(site))
        return history

    def _code(self) -> str:
        code = codes.new_code()
        while code in self.codes:
            code = codes.new_code()
        self.codes.add(code)
        return code

    def _owner(self, at: datetime) -> int:
        initial = self.rng.choice(_FIRST)
        surname = self.rng.choice(_SURNAMES)
        owner_id = self.rows.next_owner
        self.rows.next_owner += 1
        self.rows.owners.append({
            "id": owner_id, "name": f"{initial}. {surname}",
            "email": f"{initial.lower()}.{surname.lower()}{owner_id}@example.org",
            "phone": f"07700 900{self.rng.randrange(1000):03d}" if self.rng.random() < 0.3
            else None,
            "consent_at": at, "erased_at": None, "private_token": secrets.token_urlsafe(24),
            "created_at": at,
        })
        return owner_id

    def _intake(self, site: DemoSite) -> DemoUser:
        coordinator = self.ctx.users.get("coordinator")
        if coordinator and coordinator.group_id == site.group_id:
            return coordinator
        return self.ctx.fixer_for(site.group_id)

    def fixer(self, site: DemoSite) -> DemoUser:
        return self.ctx.fixer_for(site.group_id)


class _History:
    """The events of one object, replayed by the lifecycle as they are planned."""

    def __init__(self, planner: _Planner, item: dict[str, Any],
                 category: _Category | None) -> None:
        self.planner = planner
        self.item = item
        self.category = category
        self.facts: list[lifecycle.EventFact] = []
        self.state: str | None = None

    def add(self, kind: str, payload: dict[str, Any], *, at: datetime, session_id: int,
            actor: DemoUser, public_note: str = "", internal_note: str = "") -> int:
        rows = self.planner.rows
        event_id = rows.next_event
        rows.next_event += 1
        self.state = lifecycle.next_item_state(self.state, kind, payload)
        self.facts.append(lifecycle.EventFact(event_id, kind, payload))
        rows.events.append({
            "id": event_id, "item_id": self.item["id"], "part_id": None, "kind": kind,
            "payload": payload, "public_note": public_note, "internal_note": internal_note,
            "actor_id": actor.id, "actor_name": actor.display_name,
            "repair_session_id": session_id, "occurred_at": at, "recorded_at": at,
            "idempotency_key": f"demo:{self.item['id']}:{len(self.facts)}", "corrects_id": None,
        })
        self.item["current_session_id"] = session_id
        self.item["updated_at"] = at
        return event_id

    def attempt(self, outcome: str, barrier: int | None, *, at: datetime, session_id: int,
                site: DemoSite) -> None:
        planner = self.planner
        rng = planner.rng
        fixer = planner.fixer(site)
        note = rng.choice(_NOTES[outcome]) if rng.random() < PUBLIC_NOTE_SHARE else ""
        event_id = self.add("repair_attempted",
                            {"outcome": outcome, "barrier": barrier,
                             "minutes": rng.choice((10, 15, 20, 30, 45, 60)),
                             "fixer": fixer.display_name},
                            at=at, session_id=session_id, actor=fixer, public_note=note)
        if outcome == "fixed":
            self._impact(event_id, at)

    def _impact(self, event_id: int, at: datetime) -> None:
        """As services.impact.record_repair_impact: one record per factor set in use."""
        planner = self.planner
        slug = self.category.slug if self.category else None
        powered = self.category.powered if self.category else True
        weight, source = self.item["weight_kg"], self.item["weight_source"]
        low = impact.repair_savings(slug, powered, "fixed", weight, source, planner.low)
        rows = planner.rows
        for factor_set in planner.factor_sets:
            savings = impact.repair_savings(slug, powered, "fixed", weight, source, factor_set)
            rows.impacts.append({
                "id": rows.next_impact, "event_id": event_id, "item_id": self.item["id"],
                "part_id": None, "kind": "repair", "factor_set": savings.factor_set,
                "factor_version": savings.factor_set_version,
                "weight_kg": savings.weight_kg or 0.0, "weight_source": savings.weight_source,
                "waste_prevented_kg": savings.waste_prevented_kg,
                "co2e_avoided_kg": savings.co2e_avoided_kg,
                "co2e_avoided_conservative_kg": low.co2e_avoided_kg, "material": None,
                "is_void": False, "computed_at": at,
            })
            rows.next_impact += 1

    def finish(self) -> None:
        """Store the state the lifecycle replay gives (the integrity check's own rule)."""
        state = lifecycle.project_item(self.facts)
        assert state == self.state
        self.item["state"] = state
        self.planner.rows.items.append(self.item)


_OUTCOME = {"Fixed": "fixed", "Repairable": "repairable", "End of life": "end_of_life",
            "Unknown": "unknown"}
_BARRIER: dict[str, int] = {name: code for code, name in lifecycle.BARRIERS.items()}


def _outcome(record: dict[str, str]) -> tuple[str, int | None]:
    outcome = _OUTCOME[record["repair_status"]]
    barrier = _BARRIER.get(record["repair_barrier_if_end_of_life"])
    return outcome, barrier if outcome == "end_of_life" else None


def _at(session: DemoSession, minutes: int) -> datetime:
    """A time during a past café session (10:00 UTC start)."""
    return datetime.combine(session.held_on, time(10), tzinfo=UTC) + timedelta(minutes=minutes)


def objects_step(session: Session, ctx: DemoContext) -> None:
    """Objects from the shipped records over the past year, and today's boards."""
    planner = _Planner(session, ctx)
    rng = ctx.rng
    records = slice_rows()
    rng.shuffle(records)
    today_count = TODAY_PER_SITE * len(ctx.sites)
    today_records, past_records = records[:today_count], records[today_count:]
    later: dict[int, list[DemoSession]] = {s.id: ctx.sessions_at(s.id) for s in ctx.sites}
    by_session = {s.id: i for site_sessions in later.values()
                  for i, s in enumerate(site_sessions)}
    waiting_returns: list[_History] = []
    for index, record in enumerate(past_records):
        visit = ctx.sessions[index % len(ctx.sessions)]
        site = planner.sites[visit.site_id]
        start = _at(visit, rng.randrange(0, 180))
        history = planner.object(record, site, visit.id, start)
        outcome, barrier = _outcome(record)
        at = start + timedelta(minutes=rng.randrange(10, 60))
        if rng.random() < DIAGNOSED_SHARE:
            text = rng.choice(_DIAGNOSES)
            history.add("diagnosed", {"diagnosis": text}, at=at, session_id=visit.id,
                        actor=planner.fixer(site), internal_note=text)
            at += timedelta(minutes=rng.randrange(5, 30))
        history.attempt(outcome, barrier, at=at, session_id=visit.id, site=site)
        at += timedelta(minutes=rng.randrange(5, 20))
        if outcome == "fixed" and rng.random() < 0.7:
            history.add("handed_over", {"to": "owner", "return_due_on": None}, at=at,
                        session_id=visit.id, actor=planner.fixer(site))
        if outcome == "repairable" and rng.random() < RETURN_SHARE:
            position = by_session[visit.id]
            following = later[site.id][position + 1: position + 4]
            if not following:
                waiting_returns.append(history)  # back today: finished on today's board
                continue
            _return_visit(history, rng.choice(following), site)
        history.finish()
    _today(planner, ctx, today_records, waiting_returns)
    rows = planner.rows
    with write_transaction(session):
        for model, values in ((Owner, rows.owners), (Item, rows.items), (Tag, rows.tags),
                              (LifecycleEvent, rows.events), (ImpactRecord, rows.impacts)):
            if values:
                # SQLModel's types do not declare the __table__ every table model has.
                session.execute(insert(model.__table__), values)  # type: ignore[union-attr]
        sync_sequences(session, Owner, Item, Tag, LifecycleEvent, ImpactRecord)
    ctx.items.extend(item["id"] for item in rows.items)


def _return_visit(history: _History, visit: DemoSession, site: DemoSite) -> None:
    """The object comes back with its part, and the fixers try again."""
    rng = history.planner.rng
    at = _at(visit, rng.randrange(0, 120))
    history.add("checked_in", {"problem": ""}, at=at, session_id=visit.id,
                actor=history.planner.fixer(site))
    roll = rng.random()
    outcome = "fixed" if roll < 0.6 else "end_of_life" if roll < 0.85 else "repairable"
    barrier = rng.choice((1, 2, 6)) if outcome == "end_of_life" else None
    history.attempt(outcome, barrier, at=at + timedelta(minutes=rng.randrange(15, 60)),
                    session_id=visit.id, site=site)


def _today(planner: _Planner, ctx: DemoContext, records: list[dict[str, str]],
           returns: list[_History]) -> None:
    """Today's board at each site: two waiting, two at the bench, the rest done."""
    rng = ctx.rng
    now = ctx.now
    for index, site in enumerate(ctx.sites):
        session_id = ctx.today[site.id]
        mine = records[index * TODAY_PER_SITE:(index + 1) * TODAY_PER_SITE]
        for position, record in enumerate(mine):
            start = now - timedelta(minutes=150 - 20 * position)
            history = planner.object(record, site, session_id, start)
            if position >= 2:
                history.add("diagnosed", {"diagnosis": rng.choice(_DIAGNOSES)},
                            at=start + timedelta(minutes=10), session_id=session_id,
                            actor=planner.fixer(site))
            if position >= 4:
                outcome, barrier = _outcome(record)
                history.attempt(outcome, barrier, at=start + timedelta(minutes=15),
                                session_id=session_id, site=site)
            history.finish()
    for history in returns:
        site = planner.sites[history.item["site_id"]]
        history.add("checked_in", {"problem": ""}, at=now - timedelta(minutes=30),
                    session_id=ctx.today[site.id], actor=planner.fixer(site))
        history.finish()


register_step(objects_step, name="objects", order=40)
