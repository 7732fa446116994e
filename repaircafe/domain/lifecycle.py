"""The lifecycle state machine of objects and parts (design §5), as pure functions.

The stored state of an object is only a cache: `project()` recomputes it from the events, and
`next_state()` is the single place that says which event may follow which state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from repaircafe.domain.errors import TransitionRefused
from repaircafe.domain.messages import N_, Phrase

OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")
OUTCOME_LABELS = {
    "fixed": N_("Fixed"),
    "repairable": N_("Repairable"),
    "end_of_life": N_("End of life"),
    "unknown": N_("Unknown"),
}
# ORDS v0.3 repair_barrier_if_end_of_life codes.
BARRIERS = {
    1: N_("Spare parts not available"),
    2: N_("Spare parts too expensive"),
    3: N_("No way to open product"),
    4: N_("Repair information not available"),
    5: N_("Lack of equipment"),
    6: N_("Item too worn out"),
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
# Facts about an object that never change what can be done with it. An owner's answer to "still
# working?" is one: it may arrive after the object came back or was recycled, and is kept.
_RECORD_ONLY = ("note", "tag_replaced", "photo_added", "follow_up_answered")
_DONE_WITH = ("fixed", "awaiting_part", "end_of_life", "in_use", "with_owner", "refurbished")


@dataclass(frozen=True)
class EventFact:
    """The part of a stored event the lifecycle needs: enough to replay history."""

    id: int
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    corrects_id: int | None = None


def _refuse(state: str | None, action: str, why: str) -> TransitionRefused:
    """"Cannot <action>: <why>." with both phrases translated when shown."""
    return TransitionRefused("Cannot %(action)s: %(why)s.", action=Phrase(action), why=Phrase(why))


def _describe(state: str | None) -> str:
    return {
        None: N_("it is not registered yet"),
        "recycled": N_("it has already been recycled"),
        "harvested": N_("parts have been taken from it"),
        "end_of_life": N_("it was declared end of life"),
        "in_use": N_("it has been handed over and is in use"),
        "with_owner": N_("it went home with its owner"),
        "registered": N_("it is waiting for a fixer"),
        "fixed": N_("it is already fixed"),
        "in_repair": N_("it is in repair"),
        "awaiting_part": N_("it is awaiting part"),
        "refurbished": N_("it is refurbished"),
    }.get(state, f"it is {str(state).replace('_', ' ')}")


def next_item_state(state: str | None, kind: str, payload: Mapping[str, Any]) -> str | None:
    """The object's state after an event of this kind, or TransitionRefused with the reason."""
    if kind == "registered":
        if state is not None:
            raise _refuse(state, N_("register it again"), N_("it is already registered"))
        return "registered"
    if state is None:
        raise _refuse(state, _ACTION.get(kind, kind.replace("_", " ")), _describe(state))
    if state == "recycled" and kind not in _RECORD_ONLY:
        raise _refuse(state, _ACTION.get(kind, kind), _describe(state))
    if kind in _RECORD_ONLY or kind == "part_removed":
        return state
    if kind == "checked_in":
        if state not in _DONE_WITH:
            raise _refuse(state, N_("check it in for another visit"), _describe(state))
        return "registered"
    if kind == "diagnosed":
        if state not in _WORKABLE:
            raise _refuse(state, N_("record a diagnosis"), _describe(state))
        return "in_repair" if state in ("registered", "in_repair") else state
    if kind == "repair_attempted":
        outcome = payload.get("outcome")
        if outcome not in OUTCOMES:
            raise TransitionRefused("Choose an outcome: Fixed, Repairable, End of life or Unknown.")
        barrier = payload.get("barrier")
        if barrier is not None and outcome != "end_of_life":
            raise TransitionRefused("A barrier can only be given when the outcome is End of life.")
        if barrier is not None and barrier not in BARRIERS:
            raise TransitionRefused("Unknown barrier %(barrier)r: use an ORDS code from 1 to 6.",
                                    barrier=barrier)
        if state not in _WORKABLE:
            raise _refuse(state, N_("record a repair attempt"), _describe(state))
        return _OUTCOME_STATE[outcome]
    if kind == "part_installed":
        if state not in _WORKABLE:
            raise _refuse(state, N_("install a part"), _describe(state))
        return "in_repair" if state == "registered" else state
    if kind == "parts_harvested":
        if state not in ("end_of_life", "harvested", "registered", "awaiting_part"):
            raise _refuse(state, N_("harvest parts"), _describe(state))
        return "harvested"
    if kind == "refurbished":
        if state not in ("fixed", "in_repair", "registered", "refurbished"):
            raise _refuse(state, N_("mark it refurbished"), _describe(state))
        return "refurbished"
    if kind == "handed_over":
        to = payload.get("to", "owner")
        if to not in HANDOVER_KINDS:
            raise TransitionRefused("Unknown hand-over kind %(kind)r.", kind=to)
        if state in ("fixed", "refurbished"):
            return "in_use"
        if to == "owner" and state in ("registered", "in_repair", "awaiting_part", "end_of_life"):
            return "with_owner"
        raise _refuse(state, N_("hand it over"), _describe(state))
    if kind == "returned":
        if state != "in_use":
            raise _refuse(state, N_("take it back"), _describe(state))
        return "refurbished"
    if kind == "recycled":
        if state not in ("end_of_life", "harvested", "registered", "with_owner", "awaiting_part"):
            raise _refuse(state, N_("recycle it"), _describe(state))
        return "recycled"
    raise TransitionRefused("Unknown event kind %(kind)r.", kind=kind)


_ACTION = {
    "diagnosed": N_("record a diagnosis"),
    "repair_attempted": N_("record a repair attempt"),
    "part_installed": N_("install a part into it"),
    "parts_harvested": N_("harvest parts from it"),
    "refurbished": N_("mark it refurbished"),
    "handed_over": N_("hand it over"),
    "returned": N_("take it back"),
    "recycled": N_("recycle it"),
    "checked_in": N_("check it in"),
    "part_removed": N_("remove a part"),
}

_PART_DESCRIBE = {
    None: N_("it is not registered yet"),
    "installed": N_("it is already installed in an object"),
    "recycled": N_("it has already been recycled"),
    "written_off": N_("it was written off"),
    "in_stock": N_("it is in stock"),
}

_PART_ACTION = {
    "installed": N_("install this part"),
    "removed": N_("remove this part"),
    "moved": N_("move this part"),
    "written_off": N_("write off this part"),
    "recycled": N_("recycle this part"),
}


def _refuse_part(state: str | None, kind: str) -> TransitionRefused:
    return _refuse(state, _PART_ACTION.get(kind, kind.replace("_", " ")), _PART_DESCRIBE[state])


def next_part_state(state: str | None, kind: str, payload: Mapping[str, Any]) -> str | None:
    """A part's state after an event: in_stock -> installed | recycled | written_off."""
    if kind == "harvested":
        if state is not None:
            raise TransitionRefused("Cannot register the part again: it already exists.")
        return "in_stock"
    if state is None:
        raise _refuse_part(state, kind)
    if kind in ("note", "tag_replaced"):
        return state
    if kind == "installed":
        if state != "in_stock":
            raise _refuse_part(state, kind)
        return "installed"
    if kind == "removed":
        if state != "installed":
            raise _refuse_part(state, kind)
        return "in_stock"
    if kind == "moved":
        if state != "in_stock":
            raise _refuse_part(state, kind)
        return "in_stock"
    if kind == "written_off":
        if state != "in_stock":
            raise _refuse_part(state, kind)
        return "written_off"
    if kind == "recycled":
        if state not in ("in_stock", "written_off"):
            raise _refuse_part(state, kind)
        return "recycled"
    raise TransitionRefused("Unknown event kind %(kind)r.", kind=kind)


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
