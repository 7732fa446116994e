"""Rebuilding cached states from events alone, and checking the database against its rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from repaircafe.core.events import facts
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import lifecycle
from repaircafe.domain.errors import TransitionRefused
from repaircafe.models import Item, LifecycleEvent, Part

BATCH = 2000

_Row = TypeVar("_Row", bound=Item | Part)


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str
    message: str


def _events_by(session: Session, column: str, ids: list[int]) -> dict[int, list[LifecycleEvent]]:
    grouped: dict[int, list[LifecycleEvent]] = defaultdict(list)
    attr = getattr(LifecycleEvent, column)
    for event in session.exec(
        select(LifecycleEvent).where(col(attr).in_(ids)).order_by(col(LifecycleEvent.id))
    ):
        grouped[getattr(event, column)].append(event)
    return grouped


def _batches(session: Session, model: type[_Row]) -> Iterator[list[_Row]]:
    last = 0
    while True:
        rows = session.exec(
            select(model).where(col(model.id) > last).order_by(col(model.id)).limit(BATCH)
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id or 0


def _projected(kind: str, events: list[LifecycleEvent]) -> str | None:
    project = lifecycle.project_item if kind == "item" else lifecycle.project_part
    return project(facts(events))


def state_mismatches(session: Session) -> Iterator[tuple[str, Item | Part, str | None, str]]:
    """Every object or part whose stored state differs from its replayed events."""
    for kind, model, column in (("item", Item, "item_id"), ("part", Part, "part_id")):
        for rows in _batches(session, model):
            events = _events_by(session, column, [r.id for r in rows if r.id])
            for row in rows:
                try:
                    expected = _projected(kind, events.get(row.id or 0, []))
                except TransitionRefused as exc:
                    yield kind, row, None, f"its events are not a valid lifecycle: {exc}"
                    continue
                if expected != row.state:
                    yield kind, row, expected, (
                        f"stored state {row.state!r}, events say {expected!r}"
                    )


def rebuild_states(session: Session) -> int:
    """Recompute every state from events alone; returns how many rows changed."""
    changed = 0
    with write_transaction(session):
        for _kind, row, expected, _message in list(state_mismatches(session)):
            if expected is not None:
                row.state = expected
                session.add(row)
                changed += 1
    return changed


def rollup_problems(session: Session) -> list[Problem]:
    """Report rollup rows that differ from a fresh replay of the events: reports would show
    figures the history does not support."""
    from repaircafe.reporting.services import rollup

    return [Problem("rollup", f"{table} {key}", message)
            for table, key, message in rollup.differences(session, now=datetime.now(UTC))]


def check(session: Session) -> list[Problem]:
    """Everything `repaircafe db check` reports."""
    from repaircafe.parts.services import mass_balance

    return [
        Problem("state", f"{kind} {row.id}", message)
        for kind, row, _expected, message in state_mismatches(session)
    ] + mass_balance.check(session) + rollup_problems(session)
