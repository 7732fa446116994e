"""Keeps the report rollup current by folding new lifecycle events into it.

Write paths stay untouched (several importers write events in bulk): a database trigger queues
every new event in `report_fold_queue`, in the event's own transaction. Before a report, `fold`
takes the queued events in id order, adds their effect to `report_visit`, `report_rollup` and
`report_flow` and takes them off the queue, in one transaction that holds the state row. An event
that commits late is still queued, so it is folded however late it comes; if its object already
has a later event folded, the object is replayed from its history. A report then reads the small
rollup, so its time does not grow with history, and `differences` (`repaircafe db check`)
compares the rollup with a fresh replay.

A visit (`registered` / `checked_in`) counts once, with the outcome of its latest repair attempt
and the central factor set's impact stored for that attempt. It is back in use when fixed, or
when a `handed_over` carries the credit of a refurbished object (whose impact then adds to the
visit's, once). A `correction` (or anything odd,
such as an attempt whose visit was never seen) makes the object's visits be rebuilt from its
history, so the rollup always equals a fresh replay of the events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from repaircafe.core.transactions import write_transaction
from repaircafe.db import WRITE_OPTION
from repaircafe.domain import lifecycle
from repaircafe.reporting.services import impact as impact_service

CHUNK = 50_000
VISIT_KINDS = ("registered", "checked_in")
ITEM_KINDS = (*VISIT_KINDS, "repair_attempted", "handed_over", "correction", "recycled")
PART_KINDS = ("harvested", "installed", "recycled")
SUMS = ("objects", "objects_with_weight", "waste_prevented_kg", "co2e_avoided_kg",
        "co2e_avoided_conservative_kg", "back_in_use_objects", "back_in_use_kg")
VISIT_COLUMNS = ("event_id", "item_id", "occurred_on", "month", "group_id", "site_id",
                 "category_id", "outcome", "barrier", "attempt_event_id", "has_weight",
                 "waste_prevented_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg",
                 "back_in_use_objects", "back_in_use_kg")

_UPSERT_ROLLUP = text(
    "INSERT INTO report_rollup (month, group_id, site_id, category_id, outcome, barrier, "
    "objects, objects_with_weight, waste_prevented_kg, co2e_avoided_kg, "
    "co2e_avoided_conservative_kg, back_in_use_objects, back_in_use_kg) VALUES (:month, "
    ":group_id, :site_id, :category_id, :outcome, :barrier, :objects, :objects_with_weight, "
    ":waste_prevented_kg, :co2e_avoided_kg, :co2e_avoided_conservative_kg, "
    ":back_in_use_objects, :back_in_use_kg) "
    "ON CONFLICT (month, group_id, site_id, category_id, outcome, barrier) DO UPDATE SET "
    "objects = report_rollup.objects + excluded.objects, "
    "objects_with_weight = report_rollup.objects_with_weight + excluded.objects_with_weight, "
    "waste_prevented_kg = report_rollup.waste_prevented_kg + excluded.waste_prevented_kg, "
    "co2e_avoided_kg = report_rollup.co2e_avoided_kg + excluded.co2e_avoided_kg, "
    "co2e_avoided_conservative_kg = report_rollup.co2e_avoided_conservative_kg"
    " + excluded.co2e_avoided_conservative_kg, "
    "back_in_use_objects = report_rollup.back_in_use_objects + excluded.back_in_use_objects, "
    "back_in_use_kg = report_rollup.back_in_use_kg + excluded.back_in_use_kg"
)
_UPSERT_FLOW = text(
    "INSERT INTO report_flow (month, group_id, site_id, flow, material, count, kg, co2e_kg, "
    "co2e_low_kg) VALUES (:month, :group_id, :site_id, :flow, :material, :count, :kg, :co2e_kg, "
    ":co2e_low_kg) ON CONFLICT (month, group_id, site_id, flow, material) DO UPDATE SET "
    "count = report_flow.count + excluded.count, kg = report_flow.kg + excluded.kg, "
    "co2e_kg = report_flow.co2e_kg + excluded.co2e_kg, "
    "co2e_low_kg = report_flow.co2e_low_kg + excluded.co2e_low_kg"
)


@dataclass(frozen=True)
class FoldResult:
    events: int
    rebuilt_items: int
    last_event_id: int

    def __str__(self) -> str:
        return f"{self.events} events folded (up to #{self.last_event_id})"


def _day(dialect: str, column: str) -> str:
    """SQL for the UTC calendar day of a timestamp column, as 'YYYY-MM-DD' text."""
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"substr({column}, 1, 10)"


def _json_text(dialect: str, column: str, key: str) -> str:
    if dialect == "postgresql":
        return f"({column}::jsonb ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _event_sql(dialect: str, where: str) -> Any:
    """New events of interest with what folding them needs, in id order."""
    return text(f"""
        SELECT e.id, e.kind, e.item_id, e.part_id, {_day(dialect, 'e.occurred_at')} AS day,
               {_json_text(dialect, 'e.payload', 'outcome')} AS outcome,
               {_json_text(dialect, 'e.payload', 'barrier')} AS barrier,
               COALESCE(i.group_id, p.group_id, 0) AS group_id,
               COALESCE(rs.site_id, i.site_id, d.site_id, 0) AS site_id,
               COALESCE(i.category_id, 0) AS category_id,
               CASE WHEN i.weight_kg > 0 THEN 1 ELSE 0 END AS has_weight,
               r.waste_prevented_kg, r.co2e_avoided_kg, r.co2e_avoided_conservative_kg,
               r.weight_kg AS impact_weight_kg, p.weight_kg AS part_weight_kg
        FROM lifecycle_event e
        LEFT JOIN item i ON i.id = e.item_id
        LEFT JOIN part p ON p.id = e.part_id
        LEFT JOIN item d ON d.id = p.donor_item_id
        LEFT JOIN repair_session rs ON rs.id = e.repair_session_id
        LEFT JOIN impact_record r ON r.event_id = e.id AND r.is_void = :false
             AND r.factor_set = :central AND r.kind IN ('repair', 'part_reuse')
        WHERE ({where}) AND ((e.item_id IS NOT NULL AND e.kind IN :item_kinds)
               OR (e.part_id IS NOT NULL AND e.kind IN :part_kinds))
        ORDER BY e.id
        LIMIT :limit
    """).bindparams(
        *(_expanding("item_kinds"), _expanding("part_kinds"))
    )


def _expanding(name: str) -> Any:
    return bindparam(name, expanding=True)


def _params(**extra: Any) -> dict[str, Any]:
    return {"false": False, "central": impact_service.CENTRAL_SET, "item_kinds": list(ITEM_KINDS),
            "part_kinds": list(PART_KINDS), **extra}


class _Fold:
    """The state of one fold: pending deltas and the visits touched in the current chunk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.rollup: dict[tuple[Any, ...], list[float]] = {}
        self.flow: dict[tuple[Any, ...], list[float]] = {}
        self.current: dict[int, dict[str, Any]] = {}  # item id -> its latest visit
        self.new_visits: dict[int, dict[str, Any]] = {}
        self.changed_visits: dict[int, dict[str, Any]] = {}
        self.rebuild: set[int] = set()
        self.recycled: list[tuple[int, str, int, int]] = []  # event id, month, group, site

    # ---- deltas
    def add_visit(self, visit: dict[str, Any], sign: int) -> None:
        key = (visit["month"], visit["group_id"], visit["site_id"], visit["category_id"],
               visit["outcome"], visit["barrier"])
        sums = self.rollup.setdefault(key, [0, 0, 0.0, 0.0, 0.0, 0, 0.0])
        sums[0] += sign
        sums[1] += sign * int(bool(visit["has_weight"]))
        sums[2] += sign * visit["waste_prevented_kg"]
        sums[3] += sign * visit["co2e_avoided_kg"]
        sums[4] += sign * visit["co2e_avoided_conservative_kg"]
        sums[5] += sign * visit["back_in_use_objects"]
        sums[6] += sign * visit["back_in_use_kg"]

    def add_flow(self, key: tuple[Any, ...], count: int, kg: float, co2e: float,
                 low: float) -> None:
        sums = self.flow.setdefault(key, [0, 0.0, 0.0, 0.0])
        sums[0] += count
        sums[1] += kg
        sums[2] += co2e
        sums[3] += low

    # ---- events
    def visit(self, row: Any) -> None:
        if row.item_id in self.rebuild:
            return
        visit = {
            "event_id": row.id, "item_id": row.item_id, "occurred_on": date.fromisoformat(row.day),
            "month": row.day[:7], "group_id": row.group_id, "site_id": row.site_id,
            "category_id": row.category_id, "outcome": "unknown", "barrier": 0,
            "attempt_event_id": 0, "has_weight": bool(row.has_weight),
            "waste_prevented_kg": 0.0, "co2e_avoided_kg": 0.0, "co2e_avoided_conservative_kg": 0.0,
            "back_in_use_objects": 0, "back_in_use_kg": 0.0,
        }
        self.current[row.item_id] = visit
        self.new_visits[row.id] = visit
        self.add_visit(visit, +1)

    def attempt(self, row: Any) -> None:
        if row.item_id in self.rebuild:
            return
        visit = self.current.get(row.item_id)
        if visit is None:
            self.rebuild.add(row.item_id)
            return
        self.add_visit(visit, -1)
        visit["outcome"] = row.outcome if row.outcome in lifecycle.OUTCOMES else "unknown"
        visit["barrier"] = int(row.barrier) if row.barrier not in (None, "") else 0
        visit["attempt_event_id"] = row.id
        visit["waste_prevented_kg"] = float(row.waste_prevented_kg or 0.0)
        visit["co2e_avoided_kg"] = float(row.co2e_avoided_kg or 0.0)
        visit["co2e_avoided_conservative_kg"] = float(row.co2e_avoided_conservative_kg or 0.0)
        visit["has_weight"] = bool(row.has_weight)
        _fixed_back_in_use(visit)
        self.add_visit(visit, +1)
        if visit["event_id"] not in self.new_visits:
            self.changed_visits[visit["event_id"]] = visit

    def hand_over(self, row: Any) -> None:
        """A hand-over carrying a credit (a refurbished object) puts its visit back in use."""
        if row.item_id in self.rebuild or not _credited(row):
            return
        visit = self.current.get(row.item_id)
        if visit is None:
            self.rebuild.add(row.item_id)
            return
        if visit["back_in_use_objects"]:
            return
        self.add_visit(visit, -1)
        _credit_hand_over(visit, row.waste_prevented_kg, row.co2e_avoided_kg,
                          row.co2e_avoided_conservative_kg)
        self.add_visit(visit, +1)
        if visit["event_id"] not in self.new_visits:
            self.changed_visits[visit["event_id"]] = visit

    def part(self, row: Any) -> None:
        month, group, site = row.day[:7], row.group_id, row.site_id
        if row.kind == "harvested":
            self.add_flow((month, group, site, "harvested", ""), 1,
                          float(row.part_weight_kg or 0.0), 0.0, 0.0)
        elif row.kind == "installed":
            kg = row.impact_weight_kg if row.impact_weight_kg is not None else row.part_weight_kg
            self.add_flow((month, group, site, "installed", ""), 1, float(kg or 0.0),
                          float(row.co2e_avoided_kg or 0.0),
                          float(row.co2e_avoided_conservative_kg or 0.0))

    def load_visits(self, item_ids: Iterable[int]) -> None:
        """Bring the latest stored visit of each object into `current`."""
        wanted = [i for i in set(item_ids) if i not in self.current]
        for start in range(0, len(wanted), 5000):
            ids = wanted[start:start + 5000]
            rows = self.conn.execute(
                text(f"SELECT {', '.join(VISIT_COLUMNS)} FROM report_visit v WHERE item_id IN "
                     ":ids AND event_id = (SELECT max(event_id) FROM report_visit w "
                     "WHERE w.item_id = v.item_id)").bindparams(_expanding("ids")),
                {"ids": ids},
            ).mappings()
            for row in rows:
                self.current[row["item_id"]] = dict(row)

    def flush(self) -> None:
        """Write the chunk's visits; the rollup deltas are written once at the end."""
        if self.new_visits:
            self.conn.execute(
                text(f"INSERT INTO report_visit ({', '.join(VISIT_COLUMNS)}) VALUES "
                     f"({', '.join(':' + c for c in VISIT_COLUMNS)})"),
                list(self.new_visits.values()),
            )
        if self.changed_visits:
            self.conn.execute(
                text("UPDATE report_visit SET outcome = :outcome, barrier = :barrier, "
                     "attempt_event_id = :attempt_event_id, has_weight = :has_weight, "
                     "waste_prevented_kg = :waste_prevented_kg, co2e_avoided_kg = :co2e_avoided_kg, "
                     "co2e_avoided_conservative_kg = :co2e_avoided_conservative_kg, "
                     "back_in_use_objects = :back_in_use_objects, "
                     "back_in_use_kg = :back_in_use_kg WHERE event_id = :event_id"),
                list(self.changed_visits.values()),
            )
        self.new_visits.clear()
        self.changed_visits.clear()
        self.current.clear()

    def write_deltas(self) -> None:
        rows = [
            dict(zip(("month", "group_id", "site_id", "category_id", "outcome", "barrier"),
                     key, strict=True)) | dict(zip(SUMS, sums, strict=True))
            for key, sums in self.rollup.items() if any(sums)
        ]
        if rows:
            self.conn.execute(_UPSERT_ROLLUP, rows)
        flows = [
            dict(zip(("month", "group_id", "site_id", "flow", "material"), key, strict=True))
            | dict(zip(("count", "kg", "co2e_kg", "co2e_low_kg"), sums, strict=True))
            for key, sums in self.flow.items() if any(sums)
        ]
        if flows:
            self.conn.execute(_UPSERT_FLOW, flows)
        self.rollup.clear()
        self.flow.clear()


def _process(fold: _Fold, rows: Sequence[Any]) -> None:
    fold.load_visits(_attempts_on_stored_visits(rows))
    for row in rows:
        if row.part_id is not None and row.item_id is None:
            if row.kind == "recycled":
                fold.recycled.append((row.id, row.day[:7], row.group_id, row.site_id))
            else:
                fold.part(row)
        elif row.kind in VISIT_KINDS:
            fold.visit(row)
        elif row.kind == "repair_attempted":
            fold.attempt(row)
        elif row.kind == "handed_over":
            fold.hand_over(row)
        elif row.kind == "correction":
            fold.rebuild.add(row.item_id)
        elif row.kind == "recycled":
            fold.recycled.append((row.id, row.day[:7], row.group_id, row.site_id))
    fold.flush()


def _fixed_back_in_use(visit: dict[str, Any]) -> None:
    """A fixed object goes back to its owner: back in use with the kilograms of its repair."""
    fixed = visit["outcome"] == "fixed"
    visit["back_in_use_objects"] = 1 if fixed else 0
    visit["back_in_use_kg"] = visit["waste_prevented_kg"] if fixed else 0.0


def _credited(row: Any) -> bool:
    """Whether a hand-over row found the credit stored for a refurbished object."""
    return row.kind == "handed_over" and row.waste_prevented_kg is not None


def _credit_hand_over(visit: dict[str, Any], waste: Any, co2e: Any, low: Any) -> None:
    """Add a refurbished hand-over's credit to a visit not yet back in use."""
    kg = float(waste or 0.0)
    visit["back_in_use_objects"] = 1
    visit["back_in_use_kg"] = kg
    visit["waste_prevented_kg"] += kg
    visit["co2e_avoided_kg"] += float(co2e or 0.0)
    visit["co2e_avoided_conservative_kg"] += float(low or 0.0)


def _attempts_on_stored_visits(rows: Sequence[Any]) -> set[int]:
    """Objects whose repair attempt or credited hand-over in these rows belongs to a visit
    folded earlier.

    An attempt that follows its visit in the same rows finds it in memory; only the others
    need their latest stored visit read back (at the edges of a chunk, or for new attempts).
    """
    visited: set[int] = set()
    wanted: set[int] = set()
    for row in rows:
        if row.kind in VISIT_KINDS:
            visited.add(row.item_id)
        elif (row.kind == "repair_attempted" or _credited(row)) and row.item_id not in visited:
            wanted.add(row.item_id)
    return wanted


def _fold_recycling(fold: _Fold) -> None:
    """Recycled kilograms by material with the credits stored when they were recorded."""
    for start in range(0, len(fold.recycled), 5000):
        batch = fold.recycled[start:start + 5000]
        where = {event_id: (month, group, site) for event_id, month, group, site in batch}
        rows = fold.conn.execute(
            text("SELECT event_id, material, weight_kg, co2e_avoided_kg, "
                 "co2e_avoided_conservative_kg FROM impact_record WHERE kind = 'recycling' "
                 "AND is_void = :false AND event_id IN :ids").bindparams(_expanding("ids")),
            {"ids": list(where), "false": False},
        )
        for event_id, material, kg, central, low in rows:
            month, group, site = where[event_id]
            fold.add_flow((month, group, site, "recycled", material or "other"), 1,
                          float(kg or 0.0), float(central or 0.0), float(low or 0.0))
    fold.recycled.clear()


def _rebuild_items(fold: _Fold, item_ids: set[int]) -> None:
    """Replay each object's folded history (its events not waiting in the queue) into fresh
    visit rows; a queued event is folded on top later, in its turn."""
    conn = fold.conn
    for item_id in sorted(item_ids):
        old = conn.execute(
            text(f"SELECT {', '.join(VISIT_COLUMNS)} FROM report_visit WHERE item_id = :i"),
            {"i": item_id},
        ).mappings().all()
        for stored in old:
            fold.add_visit(dict(stored), -1)
        conn.execute(text("DELETE FROM report_visit WHERE item_id = :i"), {"i": item_id})
        events = conn.execute(
            text(f"SELECT e.id, e.kind, e.payload, e.corrects_id, "
                 f"{_day(fold.dialect, 'e.occurred_at')} AS day, "
                 "COALESCE(rs.site_id, i.site_id, 0) AS site_id, i.group_id, "
                 "COALESCE(i.category_id, 0) AS category_id, "
                 "CASE WHEN i.weight_kg > 0 THEN 1 ELSE 0 END AS has_weight "
                 "FROM lifecycle_event e JOIN item i ON i.id = e.item_id "
                 "LEFT JOIN repair_session rs ON rs.id = e.repair_session_id "
                 f"WHERE e.item_id = :i AND {_NOT_QUEUED.format('e.id')} ORDER BY e.id"),
            {"i": item_id},
        ).all()
        by_id = {e.id: e for e in events}
        facts = [lifecycle.EventFact(e.id, e.kind, _payload(e.payload), e.corrects_id)
                 for e in events]
        visits: list[dict[str, Any]] = []
        handovers: list[list[int]] = []  # per visit, its hand-over event ids in order
        for fact in lifecycle.effective_events(facts):
            row = by_id[fact.id]
            if fact.kind in VISIT_KINDS:
                visits.append({
                    "event_id": row.id, "item_id": item_id,
                    "occurred_on": date.fromisoformat(row.day), "month": row.day[:7],
                    "group_id": row.group_id, "site_id": row.site_id,
                    "category_id": row.category_id, "outcome": "unknown", "barrier": 0,
                    "attempt_event_id": 0, "has_weight": bool(row.has_weight),
                    "waste_prevented_kg": 0.0, "co2e_avoided_kg": 0.0,
                    "co2e_avoided_conservative_kg": 0.0, "back_in_use_objects": 0,
                    "back_in_use_kg": 0.0,
                })
                handovers.append([])
            elif fact.kind == "handed_over" and visits:
                handovers[-1].append(fact.id)
            elif fact.kind == "repair_attempted" and visits:
                outcome = fact.payload.get("outcome")
                barrier = fact.payload.get("barrier")
                visits[-1].update(
                    outcome=outcome if outcome in lifecycle.OUTCOMES else "unknown",
                    barrier=int(barrier) if barrier not in (None, "") else 0,
                    attempt_event_id=fact.id,
                )
        for visit, handed in zip(visits, handovers, strict=True):
            if visit["attempt_event_id"]:
                record = _central_credit(conn, visit["attempt_event_id"])
                if record is not None:
                    visit.update(waste_prevented_kg=float(record[0]), co2e_avoided_kg=float(record[1]),
                                 co2e_avoided_conservative_kg=float(record[2]))
            _fixed_back_in_use(visit)
            for event_id in handed:
                record = None if visit["back_in_use_objects"] else _central_credit(conn, event_id)
                if record is not None:
                    _credit_hand_over(visit, *record)
            fold.add_visit(visit, +1)
        if visits:
            conn.execute(
                text(f"INSERT INTO report_visit ({', '.join(VISIT_COLUMNS)}) VALUES "
                     f"({', '.join(':' + c for c in VISIT_COLUMNS)})"),
                visits,
            )


def _central_credit(conn: Connection, event_id: int) -> Any:
    """The central set's credit stored for an event (repair or refurbished hand-over), if any."""
    return conn.execute(
        text("SELECT waste_prevented_kg, co2e_avoided_kg, co2e_avoided_conservative_kg "
             "FROM impact_record WHERE event_id = :e AND is_void = :false "
             "AND factor_set = :central AND kind = 'repair' ORDER BY id DESC"),
        {"e": event_id, "false": False, "central": impact_service.CENTRAL_SET},
    ).first()


def _payload(raw: Any) -> dict[str, Any]:
    return dict(json.loads(raw) if isinstance(raw, str) else raw or {})


def _db_time(conn: Connection, now: datetime) -> datetime:
    """A timestamp as UTCDateTime stores it: naive UTC on SQLite, aware elsewhere."""
    now = now.astimezone(UTC)
    return now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now


def _lock_state(conn: Connection, now: datetime) -> int:
    """Take the fold's lock row; returns the highest event id folded so far."""
    conn.execute(text(
        "INSERT INTO report_rollup_state (id, last_event_id, folded_at) "
        "VALUES (1, 0, :now) ON CONFLICT (id) DO NOTHING"
    ), {"now": _db_time(conn, now)})
    suffix = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    row = conn.execute(
        text(f"SELECT last_event_id FROM report_rollup_state WHERE id = 1{suffix}")
    ).one()
    return int(row[0])


def _id_set(dialect: str, column: str) -> str:
    """SQL testing `column` against the list bound as :ids, in one parameter however long."""
    if dialect == "postgresql":
        return f"{column} = ANY(CAST(:ids AS bigint[]))"
    return f"{column} IN (SELECT value FROM json_each(:ids))"


def _ids(dialect: str, ids: list[int]) -> Any:
    return ids if dialect == "postgresql" else json.dumps(ids)


_NOT_QUEUED = "NOT EXISTS (SELECT 1 FROM report_fold_queue q WHERE q.event_id = {})"
_QUEUED_IDS = text(
    "SELECT event_id FROM report_fold_queue WHERE event_id > :cursor ORDER BY event_id "
    "LIMIT :limit"
)
_FOLDED_IDS = text(
    "SELECT id FROM lifecycle_event e WHERE id > :cursor AND "
    + _NOT_QUEUED.format("e.id") + " ORDER BY id LIMIT :limit"
)


def _late_items(work: _Fold, rows: Sequence[Any], high_water: int) -> set[int]:
    """Objects with an event that committed after a later event of theirs was folded.

    Folding is done in id order, and an object's visits depend on that order; such an object is
    replayed from its history instead. Only events below the highest id folded can be late.
    """
    late = [r.id for r in rows
            if r.id < high_water and r.item_id is not None and r.kind in ITEM_KINDS]
    if not late:
        return set()
    found = work.conn.execute(text(
        f"SELECT DISTINCT e.item_id FROM lifecycle_event e WHERE {_id_set(work.dialect, 'e.id')} "
        "AND EXISTS (SELECT 1 FROM lifecycle_event f WHERE f.item_id = e.item_id AND f.id > e.id "
        f"AND {_NOT_QUEUED.format('f.id')})"
    ), {"ids": _ids(work.dialect, late)})
    return {int(item_id) for (item_id,) in found}


def _fold_events(work: _Fold, *, queued: bool, high_water: int, progress: Any = None
                 ) -> tuple[int, int]:
    """Fold events in id order, chunk by chunk: the queued ones (taking them off the queue), or
    else every event that is not queued (a replay into an empty rollup).

    Returns how many events of interest were folded and the highest id seen. Each chunk is
    named by its ids, so an event that commits meanwhile, whatever its id, stays queued for the
    next fold.
    """
    conn, dialect = work.conn, work.dialect
    total = conn.execute(text(
        "SELECT count(*) FROM report_fold_queue" if queued
        else "SELECT count(*) FROM lifecycle_event e WHERE " + _NOT_QUEUED.format("e.id")
    )).scalar_one() if progress is not None else 0
    cursor = done = folded = 0
    while True:
        ids = [int(i) for (i,) in conn.execute(
            _QUEUED_IDS if queued else _FOLDED_IDS, {"cursor": cursor, "limit": CHUNK})]
        if not ids:
            return folded, high_water
        rows = conn.execute(
            _event_sql(dialect, _id_set(dialect, "e.id")),
            _params(ids=_ids(dialect, ids), limit=len(ids)),
        ).all()
        if queued:
            work.rebuild |= _late_items(work, rows, high_water)
        _process(work, rows)
        if queued:
            conn.execute(text(f"DELETE FROM report_fold_queue WHERE "
                              f"{_id_set(dialect, 'event_id')}"), {"ids": _ids(dialect, ids)})
        folded += len(rows)
        done += len(ids)
        cursor = ids[-1]
        high_water = max(high_water, cursor)
        if progress is not None:
            progress(done, total)


def _finish(work: _Fold, conn: Connection, high_water: int, now: datetime) -> int:
    """Replay the objects marked for it, write the deltas and the state; returns how many
    objects were replayed."""
    rebuilt = set(work.rebuild)
    _rebuild_items(work, rebuilt)
    _fold_recycling(work)
    work.write_deltas()
    conn.execute(
        text("UPDATE report_rollup_state SET last_event_id = :last, folded_at = :now "
             "WHERE id = 1"),
        {"last": high_water, "now": _db_time(conn, now)},
    )
    return len(rebuilt)


def fold(session: Session, *, now: datetime, progress: Any = None) -> FoldResult:
    """Bring the rollup up to date with every committed event; returns what was folded.

    Safe to call from several processes at once: the state row is locked (SQLite: the write
    lock taken by BEGIN IMMEDIATE), so the second caller folds only what is left.
    """
    with write_transaction(session):
        conn = session.connection()
        work = _Fold(conn)
        folded, high = _fold_events(work, queued=True, high_water=_lock_state(conn, now),
                                    progress=progress)
        rebuilt = _finish(work, conn, high, now)
    return FoldResult(folded, rebuilt, high)


def _clear(conn: Connection) -> None:
    for table in ("report_rollup", "report_flow", "report_visit"):
        conn.execute(text(f"DELETE FROM {table}"))


def rebuild(session: Session, *, now: datetime) -> FoldResult:
    """Empty the rollup and fold every event again (after a bulk repair of history), in one
    transaction: a report never sees it half built."""
    with write_transaction(session):
        conn = session.connection()
        _lock_state(conn, now)
        _clear(conn)
        work = _Fold(conn)
        replayed, high = _fold_events(work, queued=False, high_water=0)
        folded, high = _fold_events(work, queued=True, high_water=high)
        rebuilt = _finish(work, conn, high, now)
    return FoldResult(replayed + folded, rebuilt, high)


_SNAPSHOTS = {
    "report_visit": (VISIT_COLUMNS[:1], VISIT_COLUMNS[1:]),
    "report_rollup": (("month", "group_id", "site_id", "category_id", "outcome", "barrier"),
                      SUMS),
    "report_flow": (("month", "group_id", "site_id", "flow", "material"),
                    ("count", "kg", "co2e_kg", "co2e_low_kg")),
}


def _snapshot(conn: Connection) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """The rollup tables by key, leaving out sums that folded back to zero."""
    found: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    for table, (keys, values) in _SNAPSHOTS.items():
        rows = conn.execute(text(f"SELECT {', '.join(keys + values)} FROM {table}"))
        found[table] = {
            tuple(row[:len(keys)]): tuple(_plain(v) for v in row[len(keys):]) for row in rows
            if table == "report_visit" or any(abs(float(v)) > 1e-9 for v in row[len(keys):])
        }
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, int | str | date) or value is None:
        return value
    return round(float(value), 6)


def differences(session: Session, *, now: datetime) -> list[tuple[str, str, str]]:
    """Where the stored rollup differs from a fresh replay of the same events, as (table, key,
    what differs). Changes nothing: the queue is folded first so that both cover the same
    events, the replay is made in the same transaction, and all of it is rolled back."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        conn = session.connection()
        work = _Fold(conn)
        _folded, high = _fold_events(work, queued=True, high_water=_lock_state(conn, now))
        _finish(work, conn, high, now)
        stored = _snapshot(conn)
        _clear(conn)
        work = _Fold(conn)
        _replayed, high = _fold_events(work, queued=False, high_water=0)
        _finish(work, conn, high, now)
        fresh = _snapshot(conn)
    finally:
        session.rollback()
    found = []
    for table, (keys, values) in _SNAPSHOTS.items():
        mine, theirs = stored[table], fresh[table]
        for key in sorted(mine.keys() | theirs.keys(), key=repr):
            had, should = mine.get(key), theirs.get(key)
            if had == should:
                continue
            if had is not None and should is not None and all(
                    _close(a, b) for a, b in zip(had, should, strict=True)):
                continue
            label = ", ".join(f"{k} {v}" for k, v in zip(keys, key, strict=True))
            found.append((table, label, _describe(values, had, should)))
    return found


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    return bool(a == b)


def _describe(names: Sequence[str], had: tuple[Any, ...] | None,
              should: tuple[Any, ...] | None) -> str:
    if had is None:
        return "missing from the rollup"
    if should is None:
        return "in the rollup but not in the events"
    return "; ".join(f"{name} {a} stored, events say {b}"
                     for name, a, b in zip(names, had, should, strict=True) if not _close(a, b))


def watermark(session: Session) -> int:
    """The highest event id the rollup has folded (0 before the first fold)."""
    row = session.connection().execute(
        text("SELECT last_event_id FROM report_rollup_state WHERE id = 1")
    ).first()
    return int(row[0]) if row else 0


def pending_events(session: Session) -> int:
    """How many events wait to be folded: a cheap staleness measure."""
    count = session.connection().execute(
        text("SELECT count(*) FROM report_fold_queue")
    ).scalar_one()
    return int(count)


def flows_between(session: Session, start: date, end: date) -> list[tuple[Any, ...]]:
    """Parts and recycling flows of events on days start..end (inclusive), computed straight
    from the events: for report periods that are not whole months.

    Rows: (month, site_id, flow, material, count, kg, co2e_kg, co2e_low_kg, group_id).
    """
    conn = session.connection()
    work = _Fold(conn)
    low = datetime(start.year, start.month, start.day, tzinfo=UTC)
    high = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    rows = conn.execute(
        _event_sql(work.dialect, "e.occurred_at >= :low AND e.occurred_at < :high "
                   "AND (e.part_id IS NOT NULL OR e.kind = 'recycled')"),
        _params(low=_db_time(conn, low), high=_db_time(conn, high), limit=10**9),
    ).all()
    for row in rows:
        if row.kind == "recycled":
            work.recycled.append((row.id, row.day[:7], row.group_id, row.site_id))
        else:
            work.part(row)
    _fold_recycling(work)
    return [(m, site, flow, material, *sums, group)
            for (m, group, site, flow, material), sums in work.flow.items()]
