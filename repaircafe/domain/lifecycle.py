"""The lifecycle state machine of objects and parts (design §5), as pure functions.

The stored state of an object is only a cache: `project()` recomputes it from the events, and
`next_state()` is the single place that says which event may follow which state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from repaircafe.domain.errors import TransitionRefused

OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")
OUTCOME_LABELS = {
    "fixed": "Fixed",
    "repairable": "Repairable",
    "end_of_life": "End of life",
    "unknown": "Unknown",
}
# ORDS v0.3 repair_barrier_if_end_of_life codes.
BARRIERS = {
    1: "Spare parts not available",
    2: "Spare parts too expensive",
    3: "No way to open product",
    4: "Repair information not available",
    5: "Lack of equipment",
    6: "Item too worn out",
}
HANDOVER_KINDS = ("owner", "new_owner", "sold", "donated", "lent")

ITEM_STATES = (
    "registered",
    "in_repair",
    "fixed",
    "awaiting_part",
    "end_of_life",
    "harvested",
    "recycled",
    "refurbished",
    "in_use",
    "with_owner",
)
PART_STATES = ("in_stock", "installed", "recycled", "written_off")

# Which board column a state belongs to on the live session board.
BOARD_COLUMN = {
    "registered": "waiting",
    "in_repair": "at_bench",
}

_OUTCOME_STATE = {
    "fixed": "fixed",
    "repairable": "awaiting_part",
    "end_of_life": "end_of_life",
    "unknown": "in_repair",
}
_WORKABLE = ("registered", "in_repair", "awaiting_part", "fixed")
_DONE_WITH = ("fixed", "awaiting_part", "end_of_life", "in_use", "with_owner", "refurbished")


@dataclass(frozen=True)
class EventFact:
    """The part of a stored event the lifecycle needs: enough to replay history."""

    id: int
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    corrects_id: int | None = None


def _refuse(state: str | None, action: str, why: str) -> TransitionRefused:
    return TransitionRefused(f"Cannot {action}: {why}.")


def _describe(state: str | None) -> str:
    return {
        None: "it is not registered yet",
        "recycled": "it has already been recycled",
        "harvested": "parts have been taken from it",
        "end_of_life": "it was declared end of life",
        "in_use": "it has been handed over and is in use",
        "with_owner": "it went home with its owner",
        "registered": "it is waiting for a fixer",
        "fixed": "it is already fixed",
    }.get(state, f"it is {str(state).replace('_', ' ')}")


def next_item_state(state: str | None, kind: str, payload: Mapping[str, Any]) -> str | None:
    """The object's state after an event of this kind, or TransitionRefused with the reason."""
    if kind == "registered":
        if state is not None:
            raise _refuse(state, "register it again", "it is already registered")
        return "registered"
    if state is None:
        raise _refuse(state, kind.replace("_", " "), _describe(state))
    if state == "recycled" and kind not in ("note", "tag_replaced"):
        raise _refuse(state, _ACTION.get(kind, kind), _describe(state))
    if kind in ("note", "tag_replaced", "part_removed"):
        return state
    if kind == "checked_in":
        if state not in _DONE_WITH:
            raise _refuse(state, "check it in for another visit", _describe(state))
        return "registered"
    if kind == "diagnosed":
        if state not in _WORKABLE:
            raise _refuse(state, "record a diagnosis", _describe(state))
        return "in_repair" if state in ("registered", "in_repair") else state
    if kind == "repair_attempted":
        outcome = payload.get("outcome")
        if outcome not in OUTCOMES:
            raise TransitionRefused("Choose an outcome: Fixed, Repairable, End of life or Unknown.")
        barrier = payload.get("barrier")
        if barrier is not None and outcome != "end_of_life":
            raise TransitionRefused("A barrier can only be given when the outcome is End of life.")
        if barrier is not None and barrier not in BARRIERS:
            raise TransitionRefused(f"Unknown barrier {barrier!r}: use an ORDS code from 1 to 6.")
        if state not in _WORKABLE:
            raise _refuse(state, "record a repair attempt", _describe(state))
        return _OUTCOME_STATE[outcome]
    if kind == "part_installed":
        if state not in _WORKABLE:
            raise _refuse(state, "install a part", _describe(state))
        return "in_repair" if state == "registered" else state
    if kind == "parts_harvested":
        if state not in ("end_of_life", "harvested", "registered", "awaiting_part"):
            raise _refuse(state, "harvest parts", _describe(state))
        return "harvested"
    if kind == "refurbished":
        if state not in ("fixed", "in_repair", "registered", "refurbished"):
            raise _refuse(state, "mark it refurbished", _describe(state))
        return "refurbished"
    if kind == "handed_over":
        to = payload.get("to", "owner")
        if to not in HANDOVER_KINDS:
            raise TransitionRefused(f"Unknown hand-over kind {to!r}.")
        if state in ("fixed", "refurbished"):
            return "in_use"
        if to == "owner" and state in ("registered", "in_repair", "awaiting_part", "end_of_life"):
            return "with_owner"
        raise _refuse(state, "hand it over", _describe(state))
    if kind == "returned":
        if state != "in_use":
            raise _refuse(state, "take it back", _describe(state))
        return "refurbished"
    if kind == "recycled":
        if state not in ("end_of_life", "harvested", "registered", "with_owner", "awaiting_part"):
            raise _refuse(state, "recycle it", _describe(state))
        return "recycled"
    raise TransitionRefused(f"Unknown event kind {kind!r}.")


_ACTION = {
    "diagnosed": "record a diagnosis",
    "repair_attempted": "record a repair attempt",
    "part_installed": "install a part into it",
    "parts_harvested": "harvest parts from it",
    "refurbished": "mark it refurbished",
    "handed_over": "hand it over",
    "returned": "take it back",
    "recycled": "recycle it",
    "checked_in": "check it in",
    "part_removed": "remove a part",
}

_PART_DESCRIBE = {
    None: "it is not registered yet",
    "installed": "it is already installed in an object",
    "recycled": "it has already been recycled",
    "written_off": "it was written off",
    "in_stock": "it is in stock",
}


def next_part_state(state: str | None, kind: str, payload: Mapping[str, Any]) -> str | None:
    """A part's state after an event: in_stock -> installed | recycled | written_off."""
    if kind == "harvested":
        if state is not None:
            raise TransitionRefused("Cannot register the part again: it already exists.")
        return "in_stock"
    if state is None:
        raise TransitionRefused(f"Cannot {kind.replace('_', ' ')}: {_PART_DESCRIBE[None]}.")
    if kind in ("note", "tag_replaced"):
        return state
    if kind == "installed":
        if state != "in_stock":
            raise TransitionRefused(f"Cannot install this part: {_PART_DESCRIBE[state]}.")
        return "installed"
    if kind == "removed":
        if state != "installed":
            raise TransitionRefused(f"Cannot remove this part: {_PART_DESCRIBE[state]}.")
        return "in_stock"
    if kind == "moved":
        if state != "in_stock":
            raise TransitionRefused(f"Cannot move this part: {_PART_DESCRIBE[state]}.")
        return "in_stock"
    if kind == "written_off":
        if state != "in_stock":
            raise TransitionRefused(f"Cannot write off this part: {_PART_DESCRIBE[state]}.")
        return "written_off"
    if kind == "recycled":
        if state not in ("in_stock", "written_off"):
            raise TransitionRefused(f"Cannot recycle this part: {_PART_DESCRIBE[state]}.")
        return "recycled"
    raise TransitionRefused(f"Unknown event kind {kind!r}.")


def effective_events(events: Iterable[EventFact]) -> list[EventFact]:
    """History as it should be read: corrections applied to the events they point at.

    A correction's payload either voids its target (`{"void": true}`) or replaces some of the
    target's payload fields (`{"replace": {...}}`); the correction itself adds no state change.
    """
    ordered = sorted(events, key=lambda e: e.id)
    fixes: dict[int, list[Mapping[str, Any]]] = {}
    for event in ordered:
        if event.kind == "correction" and event.corrects_id is not None:
            fixes.setdefault(event.corrects_id, []).append(event.payload)
    result: list[EventFact] = []
    for event in ordered:
        if event.kind == "correction":
            continue
        payload = dict(event.payload)
        void = False
        for fix in fixes.get(event.id, []):
            if fix.get("void"):
                void = True
            payload.update(fix.get("replace", {}))
        if not void:
            result.append(EventFact(event.id, event.kind, payload, None))
    return result


def project_item(events: Iterable[EventFact]) -> str | None:
    """The object's state computed from its events alone."""
    state: str | None = None
    for event in effective_events(events):
        state = next_item_state(state, event.kind, event.payload)
    return state


def project_part(events: Iterable[EventFact]) -> str | None:
    """The part's state computed from its events alone."""
    state: str | None = None
    for event in effective_events(events):
        state = next_part_state(state, event.kind, event.payload)
    return state


def board_column(state: str | None) -> str:
    """waiting / at_bench / done for the live session board."""
    return BOARD_COLUMN.get(state or "", "done")


PART_CONDITIONS = ("untested", "tested")


def ancestors(donors_of: Mapping[int, Iterable[int]], item_id: int) -> set[int]:
    """Every object whose parts ended up, directly or through others, in `item_id`.

    `donors_of` maps a recipient object to the donors of the parts installed in it.
    """
    seen: set[int] = set()
    todo = list(donors_of.get(item_id, ()))
    while todo:
        donor = todo.pop()
        if donor in seen:
            continue
        seen.add(donor)
        todo.extend(donors_of.get(donor, ()))
    return seen


def install_closes_loop(
    donors_of: Mapping[int, Iterable[int]], *, donor_id: int | None, recipient_id: int
) -> bool:
    """Installing a part of `donor_id` into `recipient_id` adds the lineage donor -> recipient.

    That is impossible when the recipient is the donor itself, or an object whose parts already
    went into the donor: material cannot flow in a circle.
    """
    if donor_id is None:
        return False
    return recipient_id == donor_id or recipient_id in ancestors(donors_of, donor_id)


def find_cycle(edges: Iterable[tuple[int, int]]) -> list[int] | None:
    """A loop in donor -> recipient lineage (as a list of object ids), or None."""
    graph: dict[int, set[int]] = {}
    for donor, recipient in edges:
        graph.setdefault(donor, set()).add(recipient)
    colour: dict[int, int] = {}  # 1 = on the current path, 2 = finished
    for start in sorted(graph):
        if colour.get(start):
            continue
        path: list[int] = [start]
        stack = [iter(sorted(graph.get(start, ())))]
        colour[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                stack.pop()
                continue
            if colour.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if not colour.get(nxt):
                colour[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None
