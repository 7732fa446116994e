"""Rebuilding cached states from events alone, and checking the database against its rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

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


def field_mismatches(session: Session) -> Iterator[tuple[Item, dict[str, Any]]]:
    """Objects whose intake fields differ from what their latest corrections say."""
    from repaircafe.objects.services import corrections

    corrected = session.exec(
        select(LifecycleEvent.item_id).where(LifecycleEvent.kind == "correction",
                                             col(LifecycleEvent.item_id).is_not(None))
        .distinct()).all()
    ids = sorted(i for i in corrected if i is not None)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        events = _events_by(session, "item_id", chunk)
        for item_id in chunk:
            item = session.get(Item, item_id)
            expected = corrections.corrected_fields(events.get(item_id, []))
            if item is None or not expected:
                continue
            now = corrections.current_values(session, item)
            wrong = {k: v for k, v in expected.items() if now.get(k) != v}
            if wrong:
                yield item, wrong


def rebuild_states(session: Session) -> int:
    """Recompute every state (and every corrected intake field) from events alone; returns
    how many rows changed."""
    from repaircafe.objects.services import corrections

    changed = 0
    with write_transaction(session):
        for _kind, row, expected, _message in list(state_mismatches(session)):
            if expected is not None:
                row.state = expected
                session.add(row)
                changed += 1
        for item, wrong in list(field_mismatches(session)):
            corrections.apply_fields(session, item, wrong)
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
    ] + [
        Problem("fields", f"item {item.id}",
                "intake fields differ from its corrections: " + ", ".join(sorted(wrong)))
        for item, wrong in field_mismatches(session)
    ] + mass_balance.check(session) + rollup_problems(session)
