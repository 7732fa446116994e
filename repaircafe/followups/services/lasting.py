"""The survival table's input: for each object that went home repaired, what its owner said.

Read per scope (the sites of a territory, a group, a site) up to a moment, so a report for a
past period shows only what was known at its end.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.domain.survival import Followed, SurvivalRow, follow, survival_table
from repaircafe.followups.services.followups import handovers_after_repair
from repaircafe.models import Category, Item, LifecycleEvent

DAYS_PER_MONTH = 365.25 / 12


def observations(session: Session, *, site_ids: Collection[int] | None,
                 until: datetime) -> tuple[list[Followed], int]:
    """Followed objects, and how many went home repaired with no answer yet (not followed)."""
    answers = select(LifecycleEvent.item_id, LifecycleEvent.payload, LifecycleEvent.occurred_at)\
        .join(Item, col(Item.id) == LifecycleEvent.item_id)\
        .where(col(LifecycleEvent.kind) == "follow_up_answered",
               col(LifecycleEvent.occurred_at) <= until)
    if site_ids is not None:
        answers = answers.where(col(Item.site_id).in_(site_ids))
    said: dict[int, list[tuple[datetime, bool]]] = {}
    for item_id, payload, occurred_at in session.exec(answers).all():
        if item_id is not None:
            said.setdefault(item_id, []).append(
                (occurred_at, bool((payload or {}).get("still_works"))))
    repaired = select(Item.id).join(LifecycleEvent, col(LifecycleEvent.item_id) == Item.id)\
        .where(col(LifecycleEvent.kind) == "handed_over", col(LifecycleEvent.occurred_at) <= until)
    if site_ids is not None:
        repaired = repaired.where(col(Item.site_id).in_(site_ids))
    candidates = sorted({i for i in session.exec(repaired.distinct()).all() if i is not None})
    handovers = _in_chunks(session, candidates, until)
    names = dict(session.exec(
        select(Item.id, Category.name).join(Category, col(Category.id) == Item.category_id)
        .where(col(Item.id).in_(list(said)))).all()) if said else {}
    followed: list[Followed] = []
    for item_id, times in handovers.items():
        for position, handed in enumerate(times):
            ends = times[position + 1] if position + 1 < len(times) else None
            heard = [((when - handed).days / DAYS_PER_MONTH, works)
                     for when, works in said.get(item_id, [])
                     if when >= handed and (ends is None or when < ends)]
            found = follow(names.get(item_id) or "", heard)
            if found is not None:
                followed.append(found)
    not_followed = sum(len(t) for t in handovers.values()) - len(followed)
    return followed, not_followed


def _in_chunks(session: Session, ids: list[int], until: datetime) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    for start in range(0, len(ids), 500):
        for item_id, times in handovers_after_repair(session, ids[start:start + 500]).items():
            kept = [t for t in times if t <= until]
            if kept:
                found[item_id] = kept
    return found


def table(session: Session, *, site_ids: Collection[int] | None,
          until: datetime) -> tuple[list[SurvivalRow], int]:
    """The survival rows of a scope, and the objects that went home repaired but were not heard of."""
    followed, not_followed = observations(session, site_ids=site_ids, until=until)
    return survival_table(followed), not_followed
