"""The survival table's input: for each object that went home repaired, what its owner said.

Read per scope (the sites of a territory, a group, a site) up to a moment, so a report for a
past period shows only what was known at its end.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from repaircafe.domain.periods import months_between
from repaircafe.followups.services.followups import handovers_after_repair
from repaircafe.models import Category, FollowUp, Item, LifecycleEvent
from reports.survival import Followed, Lasting, follow, lasting


def observations(session: Session, *, site_ids: Collection[int] | None, until: datetime,
                 category: str | None = None) -> tuple[list[Followed], int]:
    """Followed objects, and how many went home repaired to an owner who was asked (a question
    fell due) and have not been heard of (not followed).

    Only objects with answers or planned questions are read, so a report costs the same however
    long the history. `category` (a slug) keeps one product category."""
    def in_scope(stmt: Any) -> Any:
        if site_ids is not None:
            stmt = stmt.where(col(Item.site_id).in_(site_ids))
        if category is not None:
            stmt = stmt.where(col(Item.category_id).in_(
                select(Category.id).where(col(Category.slug) == category)))
        return stmt

    answers = in_scope(
        select(LifecycleEvent.item_id, LifecycleEvent.payload, LifecycleEvent.occurred_at)
        .join(Item, col(Item.id) == LifecycleEvent.item_id)
        .where(col(LifecycleEvent.kind) == "follow_up_answered",
               col(LifecycleEvent.occurred_at) <= until))
    said: dict[int, list[tuple[datetime, bool, int | None]]] = {}
    for item_id, payload, occurred_at in session.exec(answers).all():
        if item_id is not None:
            said.setdefault(item_id, []).append(
                (occurred_at, bool((payload or {}).get("still_works")),
                 (payload or {}).get("months")))
    # Asked: a question has fallen due by `until` (one stopped before it was ever sent, by
    # erasure, was not asked). A hand-over whose first question is still ahead is not counted.
    asked = set(session.exec(in_scope(
        select(FollowUp.item_id, LifecycleEvent.occurred_at)
        .join(LifecycleEvent, col(LifecycleEvent.id) == FollowUp.handover_event_id)
        .join(Item, col(Item.id) == FollowUp.item_id)
        .where(col(LifecycleEvent.occurred_at) <= until, col(FollowUp.due_on) <= until.date(),
               or_(col(FollowUp.status) != "stopped", col(FollowUp.sent_at).is_not(None))))
        .distinct()).all())
    names = dict(session.exec(
        select(Item.id, Category.name).join(Category, col(Category.id) == Item.category_id)
        .where(col(Item.id).in_(list(said)))).all()) if said else {}
    followed: list[Followed] = []
    heard_of: set[tuple[int, datetime]] = set()
    for item_id, times in _in_chunks(session, sorted(said), until).items():
        for position, handed in enumerate(times):
            ends = times[position + 1] if position + 1 < len(times) else None
            heard = [(_when(handed, when, works, question), works)
                     for when, works, question in said[item_id]
                     if when >= handed and (ends is None or when < ends)]
            found = follow(names.get(item_id) or "", heard)
            if found is not None:
                followed.append(found)
                heard_of.add((item_id, handed))
    return followed, len(asked - heard_of)


def _when(handed: datetime, answered: datetime, works: bool, asked: int | None) -> float:
    """Months after hand-over an answer speaks for. "Still works" holds on the day it is said;
    "broke again" in answer to the n-month question counts at n months even when it is
    answered late, so a late answer never makes a repair look longer-lived."""
    elapsed = months_between(handed.date(), answered.date())
    return elapsed if works or not asked else min(float(asked), elapsed)


def _in_chunks(session: Session, ids: list[int], until: datetime) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    for start in range(0, len(ids), 500):
        for item_id, times in handovers_after_repair(session, ids[start:start + 500]).items():
            kept = [t for t in times if t <= until]
            if kept:
                found[item_id] = kept
    return found


def table(session: Session, *, site_ids: Collection[int] | None, until: datetime,
          category: str | None = None) -> Lasting:
    """The survival table of a scope as known at `until`, with the objects that went home
    repaired whose owners were asked and never answered."""
    followed, not_followed = observations(session, site_ids=site_ids, until=until,
                                          category=category)
    return lasting(followed, not_followed=not_followed, known_at=until.date())
