"""Importing Open Repair Data Standard v0.3 CSV files (design §2, shared ords.md).

One ORDS row is one repair attempt: it becomes an object (``Item``, keyed by data provider and
record id) with a fresh tag, a ``registered`` and a ``repair_attempted`` event, and an impact
record when it was fixed. Places come from the row: the repair group is the one named by the
caller or the data provider, a site per ``group_identifier`` and a café session per site and
``event_date``.

Rules, so that nothing is dropped silently (created + updated + unchanged + rejected equals the
data rows of the file):

- A row is **rejected** (with its line and reason, and copied to the rejects file) when it has no
  ``id`` or ``data_provider``, an id longer than 120 characters, an id already seen earlier in the
  file, a ``country`` that is not three letters, an ``event_date`` that is not YYYY-MM-DD or lies
  after the import, a ``repair_status`` or barrier that is neither an ORDS name nor code, more or
  fewer fields than the header, text that is not UTF-8, or no value at all.
- A row is **kept with a note** when only an optional value is unusable: a barrier given with a
  status other than End of life (the barrier is dropped: our lifecycle allows it only there), a
  category that matches no ORDS category (the object has none), a ``product_age`` that is not a
  number, a brand or problem longer than the columns hold (cut).
- An empty ``repair_status`` means Unknown (ORDS: "Unknown (0) — empty"); ``Unknown`` as a brand
  means no brand; an empty ``problem`` is kept (real files have some).
- Territory of a new site: the ``group_identifier`` up to its first comma, " - " or "(" when it
  has one ("Cardiff, Canton" → Cardiff, "Bridgend - Bryncethin" → Bridgend); otherwise its first
  word ("Cardiff Cathays" → Cardiff), or its first two words when the first is a short one such as
  "St" or "Port". Rows without a group identifier go to a site named after the provider in the
  territory "<provider> area". An admin can move a site to another territory later.
- A record imported before is **unchanged** when its status, barrier, category, brand, problem
  and product age are the same; otherwise it is **updated**: the object's descriptive columns
  take the new values and a ``correction`` event pointing at the imported ``repair_attempted``
  event replaces its outcome and barrier (events are never edited), and its impact is voided and
  recomputed. A new event date or group of a known record is not applied.
- Events happen at noon UTC on the event date, so the day reads the same in any time zone.

New records are written in bulk straight through the database driver (services/bulk.py), with
their ids reserved up front: a 100,000-row file would otherwise spend most of its time in
per-row parameter handling and in reading new ids back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, impact, lifecycle
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused, TransitionRefused
from repaircafe.interop.ords.services.bulk import BulkWriter, bulk_writer
from repaircafe.models import (
    Category,
    ImpactRecord,
    Item,
    LifecycleEvent,
    RepairGroup,
    RepairSession,
    Site,
    Tag,
    Territory,
)
from repaircafe.reporting.services import impact as impact_service

ACTOR_NAME = "ORDS import"
CHUNK_ROWS = 20000
REQUIRED_COLUMNS = ("id", "data_provider", "country", "repair_status", "event_date")
REJECT_EXTRA_COLUMNS = ("line", "reason")
KEY_LIMIT = 120

_STATUS = {
    "fixed": "fixed", "1": "fixed",
    "repairable": "repairable", "2": "repairable",
    "end of life": "end_of_life", "end_of_life": "end_of_life", "3": "end_of_life",
    "unknown": "unknown", "0": "unknown", "": "unknown",
}
_BARRIER = {name.lower(): code for code, name in lifecycle.BARRIERS.items()} | {
    str(code): code for code in lifecycle.BARRIERS
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Za-z]{3}$")
_TERRITORY_CUT = re.compile(r",| - |\(")

ITEM = Item.__table__  # type: ignore[attr-defined]
TAG = Tag.__table__  # type: ignore[attr-defined]
EVENT = LifecycleEvent.__table__  # type: ignore[attr-defined]
IMPACT = ImpactRecord.__table__  # type: ignore[attr-defined]
SESSION = RepairSession.__table__  # type: ignore[attr-defined]

# The columns each bulk insert writes, in the order of its row tuples. Every column is given:
# the models' defaults live in Python, not in the database.
ITEM_COLUMNS = ("id", "group_id", "site_id", "category_id", "brand", "model", "problem",
                "weight_kg", "weight_source", "product_age_years", "state", "is_donor",
                "owner_id", "current_session_id", "registered_at", "updated_at",
                "source_provider", "source_id")
TAG_COLUMNS = ("code", "status", "kind", "group_id", "item_id", "part_id", "bin_id",
               "issued_at", "linked_at", "retired_at")
EVENT_COLUMNS = ("id", "item_id", "part_id", "kind", "payload", "public_note", "internal_note",
                 "actor_id", "actor_name", "repair_session_id", "occurred_at", "recorded_at",
                 "idempotency_key", "corrects_id")
IMPACT_COLUMNS = ("event_id", "item_id", "part_id", "kind", "factor_set", "factor_version",
                  "weight_kg", "weight_source", "waste_prevented_kg", "co2e_avoided_kg",
                  "co2e_avoided_conservative_kg", "material", "is_void", "computed_at")
SESSION_COLUMNS = ("id", "site_id", "held_on", "title", "created_at")


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Reject:
    line: int
    record_id: str
    reason: str


@dataclass(frozen=True)
class Note:
    """A row that was imported, but not exactly as written."""

    line: int
    record_id: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Reject] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    groups: int = 0
    sites: int = 0
    sessions: int = 0

    @property
    def rows(self) -> int:
        """Data rows read: every one is counted in exactly one of the four outcomes."""
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def __str__(self) -> str:
        lines = [
            f"{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.rejected):,} rejected."
        ]
        if self.groups or self.sites or self.sessions:
            lines.append(f"New: {self.groups} groups, {self.sites} sites, "
                         f"{self.sessions:,} café sessions.")
        for reject in self.rejected[:10]:
            lines.append(f"  line {reject.line} ({reject.record_id or 'no id'}): {reject.reason}")
        if len(self.rejected) > 10:
            lines.append(f"  … and {len(self.rejected) - 10:,} more rejected rows")
        if self.notes:
            lines.append(f"{len(self.notes):,} rows imported with a note:")
            for note in self.notes[:5]:
                lines.append(f"  line {note.line} ({note.record_id}): {note.message}")
            if len(self.notes) > 5:
                lines.append(f"  … and {len(self.notes) - 5:,} more notes")
        return "\n".join(lines)


# --------------------------------------------------------------------------- parsing rows


class OrdsRecord(NamedTuple):
    """One valid ORDS row, cleaned (a named tuple: a large file makes one per row)."""

    line: int
    provider: str
    source_id: str
    country: str
    category_ords_id: int | None
    brand: str
    problem: str
    product_age: float | None
    outcome: str
    barrier: int | None
    group_identifier: str
    event_date: date


class RowError(Exception):
    """A row that cannot be imported; the message is the reason shown to the user."""


@lru_cache(maxsize=1)
def _ords_category_names() -> dict[str, int]:
    """Lower-cased ORDS product category names (and our slugs) to ORDS ids."""
    from repaircafe.core.setup import category_rows

    names: dict[str, int] = {}
    for row in category_rows():
        if row["ords_id"]:
            names[row["name"].lower()] = int(row["ords_id"])
            names[row["slug"]] = int(row["ords_id"])
    return names


def territory_name(group_identifier: str, provider: str) -> str:
    """The territory a new site is filed under (see the module rules)."""
    text = group_identifier.strip()
    if not text:
        return f"{provider} area"[:120]
    head = _TERRITORY_CUT.split(text, maxsplit=1)[0].strip()
    if head and head != text:
        return head[:120]
    words = (head or text).split()
    name = " ".join(words[:2]) if len(words[0]) <= 4 and len(words) > 1 else words[0]
    return name[:120]


def _category(row: dict[str, str], notes: list[str]) -> int | None:
    number, found_notes = _category_of(row.get("product_category_id", "").strip(),
                                       row.get("product_category", "").strip())
    notes.extend(found_notes)
    return number


@lru_cache(maxsize=1024)
def _category_of(raw_id: str, name: str) -> tuple[int | None, tuple[str, ...]]:
    """The ORDS category of an id and a name as written, and the notes when they are unusable;
    a file names the same few categories on every row, so each pair is looked at once."""
    notes: tuple[str, ...] = ()
    if raw_id:
        try:
            number = int(float(raw_id))
        except ValueError:
            number = 0
        if 1 <= number <= 40:
            return number, ()
        notes = (f"product_category_id {raw_id!r} is not an ORDS category; left empty",)
    if name:
        found = _ords_category_names().get(name.lower())
        if found is None:
            notes += (f"product_category {name!r} is not an ORDS category; left empty",)
        return found, notes
    return None, notes


def _age(row: dict[str, str], event_day: date, notes: list[str]) -> float | None:
    raw = row.get("product_age", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if 0 <= value < 200:
            return round(value, 1)
        notes.append(f"product_age {raw!r} is not a number of years; left empty")
        return None
    year = row.get("year_of_manufacture", "").strip()
    if year.isdigit() and 1800 < int(year) <= event_day.year:
        return float(event_day.year - int(year))
    return None


def _text(value: str, limit: int, what: str, notes: list[str]) -> str:
    value = value.strip()
    if len(value) > limit:
        notes.append(f"{what} cut to {limit} characters")
        return value[:limit]
    return value


@lru_cache(maxsize=8192)
def _day(text: str) -> date | None:
    """The date written YYYY-MM-DD, or None; a file has a few thousand event days at most."""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_row(row: dict[str, str], line: int, today: date) -> tuple[OrdsRecord, list[str]]:
    """A cleaned record and the notes about it, or RowError with the reason to reject it."""
    source_id = row.get("id", "").strip()
    provider = row.get("data_provider", "").strip()
    if not source_id:
        raise RowError("missing id")
    if len(source_id) > 120:
        raise RowError("id longer than 120 characters")
    if not provider:
        raise RowError("missing data_provider")
    if len(provider) > 120:
        raise RowError("data_provider longer than 120 characters")
    country = row.get("country", "").strip()
    if not _COUNTRY.match(country):
        raise RowError(f"bad country {country!r}: expected an ISO 3166 alpha-3 code such as GBR")
    raw_date = row.get("event_date", "").strip()
    event_day = _day(raw_date)
    if event_day is None:
        raise RowError(f"bad event_date {raw_date!r}: expected YYYY-MM-DD")
    if event_day > today:
        raise RowError(f"event_date {raw_date} is in the future")
    raw_status = row.get("repair_status", "").strip()
    outcome = _STATUS.get(raw_status.lower())
    if outcome is None:
        raise RowError(f"unknown repair_status {raw_status!r}: expected Fixed, Repairable, "
                       "End of life, Unknown or 1, 2, 3, 0")
    raw_barrier = row.get("repair_barrier_if_end_of_life", "").strip()
    barrier = None
    notes: list[str] = []
    if raw_barrier:
        barrier = _BARRIER.get(raw_barrier.lower())
        if barrier is None:
            raise RowError(f"unknown repair_barrier_if_end_of_life {raw_barrier!r}")
        if outcome != "end_of_life":
            notes.append(f"barrier {raw_barrier!r} dropped: only End of life repairs have one")
            barrier = None
    brand = _text(row.get("brand", ""), 120, "brand", notes)
    if brand.lower() == "unknown":
        brand = ""
    record = OrdsRecord(
        line=line,
        provider=provider,
        source_id=source_id,
        country=country.upper(),
        category_ords_id=_category(row, notes),
        brand=brand,
        problem=_text(row.get("problem", ""), 2000, "problem", notes),
        product_age=_age(row, event_day, notes),
        outcome=outcome,
        barrier=barrier,
        group_identifier=_text(row.get("group_identifier", ""), 120, "group_identifier", notes),
        event_date=event_day,
    )
    return record, notes


# --------------------------------------------------------------------------- reading the file


@dataclass
class _RawRow:
    line: int
    values: list[str]
    record_id: str


@dataclass
class _Chunk:
    """Up to CHUNK_ROWS data rows of the file, checked: the records to write and the rows
    rejected on reading, in file order."""

    records: list[OrdsRecord] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    rejects: list[tuple[_RawRow, str]] = field(default_factory=list)
    values: dict[int, tuple[str, ...]] = field(default_factory=dict)
    bytes_read: int = 0


def _malformed(values: list[str], width: int) -> str | None:
    """Why a row cannot be read as a record at all, or None."""
    text = "".join(values)  # one string to search instead of every field
    if not text.strip():
        return "empty row"
    if "\ufffd" in text:
        return "text is not valid UTF-8"
    if "\x00" in text:
        return "a NUL character, which the database cannot store"
    if len(values) > width:
        return f"{len(values)} fields where the header has {width}"
    if len(values) < width:
        return f"only {len(values)} fields where the header has {width}"
    return None


def _read_chunks(reader: Iterator[list[str]], header: list[str], today: date,
                 position: Callable[[], int]) -> Iterator[_Chunk]:
    """The file's data rows, parsed, in chunks of CHUNK_ROWS rows (line numbers counted from
    the header as line 1; a blank line is not a row). `position` gives the bytes read so far.
    """
    width = len(header)
    seen: set[tuple[str, str]] = set()
    chunk = _Chunk()
    line = 1
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise Refused("Line %(line)s: the file is not valid CSV (%(error)s).", line=start,
                          error=str(exc)) from None
        line = reader.line_num  # type: ignore[attr-defined]
        if not values:
            continue
        malformed = _malformed(values, width)
        if malformed is None:
            try:
                record, notes = parse_row(dict(zip(header, values, strict=True)), start, today)
            except RowError as exc:
                malformed = str(exc)
            else:
                key = (record.provider, record.source_id)
                if key in seen:
                    malformed = "duplicate id: already earlier in this file"
                else:
                    seen.add(key)
                    chunk.records.append(record)
                    if notes:
                        chunk.notes.extend(Note(start, record.source_id, n) for n in notes)
                    # A tuple rather than the reader's list: the collector stops looking at a
                    # tuple of strings, and a chunk keeps thousands of them.
                    chunk.values[start] = tuple(values)
        if malformed is not None:
            chunk.rejects.append((_RawRow(start, values, values[0].strip()), malformed))
        if len(chunk.records) + len(chunk.rejects) >= CHUNK_ROWS:
            chunk.bytes_read = position()
            yield chunk
            chunk = _Chunk()
    if chunk.records or chunk.rejects:
        chunk.bytes_read = position()
        yield chunk


# --------------------------------------------------------------------------- places


class _Places:
    """Ids of groups, territories, sites and café sessions, created on first use."""

    def __init__(self, session: Session, writer: BulkWriter, report: ImportReport) -> None:
        self.session = session
        self.writer = writer
        self.report = report
        self.reset()

    def reset(self) -> None:
        self.groups: dict[str, int] = {}
        self.territories: dict[str, int] = {}
        self.sites: dict[tuple[int, str], int] = {}
        self.group_sites: dict[tuple[str, str, str], tuple[int, int]] = {}
        self.sessions: dict[tuple[int, date], int] = {}
        self.loaded_sites: set[int] = set()
        self.created = [0, 0, 0]

    def commit_counts(self) -> None:
        self.report.groups += self.created[0]
        self.report.sites += self.created[1]
        self.report.sessions += self.created[2]
        self.created = [0, 0, 0]

    def _scalar(self, stmt: Any) -> int | None:
        return self.session.execute(stmt).scalar_one_or_none()

    def _insert(self, model: Any, values: dict[str, Any]) -> int:
        table = model.__table__
        return self.session.execute(insert(table).returning(table.c.id), [values]).scalar_one()

    def group(self, name: str, provider: str) -> int:
        if name not in self.groups:
            found = self._scalar(select(RepairGroup.id).where(RepairGroup.name == name))
            if found is None:
                found = self._insert(RepairGroup, {"name": name, "data_provider": provider})
                self.created[0] += 1
            self.groups[name] = found
        return self.groups[name]

    def territory(self, name: str, country: str) -> int:
        if name not in self.territories:
            found = self._scalar(select(Territory.id).where(Territory.name == name))
            if found is None:
                found = self._insert(Territory, {"name": name, "country": country})
            self.territories[name] = found
        return self.territories[name]

    def place(self, group: str, record: OrdsRecord) -> tuple[int, int]:
        """The group and site of a record; asked once per row, so kept per distinct place."""
        key = (group, record.provider, record.group_identifier)
        found = self.group_sites.get(key)
        if found is None:
            group_id = self.group(group, record.provider)
            found = self.group_sites[key] = (group_id, self.site(group_id, record))
        return found

    def site(self, group_id: int, record: OrdsRecord) -> int:
        name = record.group_identifier or record.provider[:120]
        key = (group_id, name)
        if key not in self.sites:
            found = self._scalar(
                select(Site.id).where(Site.group_id == group_id, Site.name == name)
            )
            if found is None:
                territory = self.territory(
                    territory_name(record.group_identifier, record.provider), record.country
                )
                found = self._insert(Site, {"name": name, "group_id": group_id,
                                            "territory_id": territory, "address": ""})
                self.created[1] += 1
            self.sites[key] = found
        return self.sites[key]

    def load_sessions(self, wanted: dict[tuple[int, date], str], now: datetime) -> None:
        """Find or create the café sessions of a chunk: one read per new site, one insert."""
        new_sites = {site for site, _day in wanted} - self.loaded_sites
        if new_sites:
            rows = self.session.execute(
                select(RepairSession.id, RepairSession.site_id, RepairSession.held_on)
                .where(col(RepairSession.site_id).in_(sorted(new_sites)))
            ).all()
            for session_id, site_id, held_on in rows:
                self.sessions[(site_id, held_on)] = session_id
            self.loaded_sites |= new_sites
        missing = [key for key in wanted if key not in self.sessions]
        if not missing:
            return
        ids = self.writer.reserve_ids(SESSION, len(missing))
        created_at = self.writer.datetime(now)
        self.writer.insert(SESSION, SESSION_COLUMNS, [
            (session_id, site, self.writer.date(day), wanted[(site, day)][:200], created_at)
            for session_id, (site, day) in zip(ids, missing, strict=True)])
        self.sessions.update(zip(missing, ids, strict=True))
        self.created[2] += len(missing)


# --------------------------------------------------------------------------- writing


def event_key(provider: str, source_id: str, suffix: str) -> str:
    """The idempotency key of an imported event: the same record always gives the same key."""
    key = f"ords:{provider}:{source_id}:{suffix}"
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(f"{provider}\x00{source_id}".encode()).hexdigest()[:40]
    return f"ords:{digest}:{suffix}"


def registered_payload(code: str) -> str:
    """The stored JSON payload of an imported object's `registered` event."""
    return json.dumps({"code": code, "is_donor": False, "weight_kg": None, "source": "ords"})


@lru_cache(maxsize=4096)
def _at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@lru_cache(maxsize=64)
def state_after_import(outcome: str, barrier: int | None) -> str:
    """An imported object's state: its two events replayed by the lifecycle rules."""
    state = lifecycle.project_item([
        lifecycle.EventFact(1, "registered", {}),
        lifecycle.EventFact(2, "repair_attempted", {"outcome": outcome, "barrier": barrier}),
    ])
    assert state is not None
    return state


@dataclass(frozen=True)
class _CategoryInfo:
    id: int
    slug: str
    powered: bool


def _categories(session: Session) -> dict[int, _CategoryInfo]:
    rows = session.execute(select(Category.ords_id, Category.id, Category.slug,
                                  Category.is_powered).where(col(Category.ords_id).is_not(None)))
    return {ords_id: _CategoryInfo(cid, slug, powered) for ords_id, cid, slug, powered in rows}


class _Impacts:
    """Repair savings of fixed imported objects (no weight: category figures), per category.

    Like services.impact.record_repair_impact: one record per factor set a figure is stored
    under, each carrying the conservative figure beside its own. The figures depend on the
    category alone, so they are computed once per category and kept as the middle of an
    IMPACT_COLUMNS row (from ``kind`` to ``is_void``).
    """

    def __init__(self, session: Session) -> None:
        self.sets = impact_service.needed_sets(session)
        self.low = impact_service.factor_set(impact_service.CONSERVATIVE_SET)
        self.cache: dict[tuple[str | None, bool], list[tuple[Any, ...]]] = {}

    def values(self, category: _CategoryInfo | None) -> list[tuple[Any, ...]]:
        key = (category.slug if category else None, category.powered if category else True)
        if key not in self.cache:
            low = impact.repair_savings(key[0], key[1], "fixed", None, None, self.low)
            self.cache[key] = [
                ("repair", savings.factor_set, savings.factor_set_version,
                 savings.weight_kg or 0.0, savings.weight_source, savings.waste_prevented_kg,
                 savings.co2e_avoided_kg, low.co2e_avoided_kg, None, False)
                for savings in (impact.repair_savings(key[0], key[1], "fixed", None, None, fs)
                                for fs in self.sets)
            ]
        return self.cache[key]


class _Known(NamedTuple):
    """What an object imported before holds of the values a row can change."""

    id: int
    source_id: str
    category_id: int | None
    brand: str
    problem: str
    product_age_years: float | None


class _Importer:
    """Writes the records of a file chunk by chunk, keeping what the chunks share (places,
    categories, impact figures) between them."""

    def __init__(self, session: Session, *, group: str | None, now: datetime,
                 report: ImportReport) -> None:
        self.session = session
        self.group = group
        self.now = now
        self.report = report
        self.actor = Actor.system(ACTOR_NAME)
        self.writer = bulk_writer(session)
        self.places = _Places(session, self.writer, report)
        self.categories = _categories(session)
        self.impacts = _Impacts(session)
        self.attempt_payloads: dict[tuple[str, int | None], str] = {}

    # ---- one chunk

    def write(self, records: list[OrdsRecord]) -> list[Reject]:
        """Write one chunk in one transaction; returns rows refused while writing."""
        for attempt in range(3):
            try:
                with write_transaction(self.session):
                    outcome = self._write(records)
                self.places.commit_counts()
                return outcome
            except IntegrityError:
                # A tag code drawn twice, or another import of the same records at the same
                # time: everything in the chunk was rolled back; read again and retry.
                self.places.reset()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _write(self, records: list[OrdsRecord]) -> list[Reject]:
        by_provider: dict[str, list[OrdsRecord]] = {}
        for record in records:
            by_provider.setdefault(record.provider, []).append(record)
        existing: dict[tuple[str, str], _Known] = {}
        for provider, group in by_provider.items():
            for row in self.writer.rows_with_keys(ITEM, _Known._fields,
                                                  ("source_provider", provider),
                                                  ("source_id", [r.source_id for r in group])):
                known = _Known(*row)
                existing[(provider, known.source_id)] = known
        fresh = [r for r in records if (r.provider, r.source_id) not in existing]
        known = [r for r in records if (r.provider, r.source_id) in existing]
        self._create(fresh)
        self.created_now = len(fresh)
        rejects = self._update(known, existing)
        self.writer.keep_statistics([ITEM, EVENT])
        return rejects

    def _create(self, records: list[OrdsRecord]) -> None:
        """New objects with their tag, two events and impact: one bulk insert per table.

        Object and event ids are reserved first, so tags, events and impact records can point
        at them without reading anything back. Rows are built as the driver takes them, so on
        PostgreSQL the server stores one while the next is being made.
        """
        if not records:
            return
        places = self._places_of(records)
        item_ids = self.writer.reserve_ids(ITEM, len(records))
        event_ids = self.writer.reserve_ids(EVENT, 2 * len(records))
        tag_codes = codes.new_codes(len(records))
        self.writer.insert(ITEM, ITEM_COLUMNS, self._item_rows(records, places, item_ids))
        self.writer.insert(TAG, TAG_COLUMNS, self._tag_rows(places, item_ids, tag_codes))
        self.writer.insert(EVENT, EVENT_COLUMNS,
                           self._event_rows(records, places, item_ids, tag_codes, event_ids))
        self.writer.insert(IMPACT, IMPACT_COLUMNS,
                           self._impact_rows(records, item_ids, event_ids[1::2]))

    def _places_of(self, records: list[OrdsRecord]) -> list[tuple[int, int, int]]:
        """(group, site, café session) of each record, creating the ones not there yet."""
        sites = []
        wanted: dict[tuple[int, date], str] = {}
        place = self.places.place
        for record in records:
            group_id, site_id = place(self.group or record.provider, record)
            sites.append((group_id, site_id))
            wanted[(site_id, record.event_date)] = record.group_identifier or record.provider
        self.places.load_sessions(wanted, self.now)
        sessions = self.places.sessions
        return [(group_id, site_id, sessions[(site_id, record.event_date)])
                for record, (group_id, site_id) in zip(records, sites, strict=True)]

    def _category_id(self, record: OrdsRecord) -> int | None:
        category = self.categories.get(record.category_ords_id or 0)
        return category.id if category else None

    def _item_rows(self, records: list[OrdsRecord], places: list[tuple[int, int, int]],
                   item_ids: list[int]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for record, (group_id, site_id, session_id), item_id in zip(
                records, places, item_ids, strict=True):
            yield (item_id, group_id, site_id, self._category_id(record), record.brand, "",
                   record.problem, None, None, record.product_age,
                   state_after_import(record.outcome, record.barrier), False, None, session_id,
                   self.writer.datetime(_at_noon(record.event_date)), now, record.provider,
                   record.source_id)

    def _tag_rows(self, places: list[tuple[int, int, int]], item_ids: list[int],
                  tag_codes: list[str]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for (group_id, _site, _session), item_id, code in zip(
                places, item_ids, tag_codes, strict=True):
            yield (code, "linked", "item", group_id, item_id, None, None, now, now, None)

    def _event_rows(self, records: list[OrdsRecord], places: list[tuple[int, int, int]],
                    item_ids: list[int], tag_codes: list[str], event_ids: list[int]
                    ) -> Iterator[tuple[Any, ...]]:
        """`registered` then `repair_attempted` for each object, at noon of the event day."""
        now = self.writer.datetime(self.now)
        for index, record in enumerate(records):
            item_id = item_ids[index]
            common = ("", "", None, ACTOR_NAME, places[index][2],
                      self.writer.datetime(_at_noon(record.event_date)), now)
            yield (event_ids[2 * index], item_id, None, "registered",
                   registered_payload(tag_codes[index]), *common,
                   event_key(record.provider, record.source_id, "registered"), None)
            yield (event_ids[2 * index + 1], item_id, None, "repair_attempted",
                   self._attempt_payload(record.outcome, record.barrier), *common,
                   event_key(record.provider, record.source_id, "repair_attempted"), None)

    def _attempt_payload(self, outcome: str, barrier: int | None) -> str:
        """The stored payload of an imported repair attempt; a handful of distinct ones."""
        key = (outcome, barrier)
        if key not in self.attempt_payloads:
            self.attempt_payloads[key] = self.writer.json(
                {"outcome": outcome, "barrier": barrier, "minutes": None, "fixer": ""})
        return self.attempt_payloads[key]

    def _impact_rows(self, records: list[OrdsRecord], item_ids: list[int],
                     attempted_ids: list[int]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for record, item_id, event_id in zip(records, item_ids, attempted_ids, strict=True):
            if record.outcome == "fixed":
                category = self.categories.get(record.category_ords_id or 0)
                for values in self.impacts.values(category):
                    yield (event_id, item_id, None, *values, now)

    # ---- records seen before

    def _update(self, records: list[OrdsRecord], existing: dict[tuple[str, str], _Known]
                ) -> list[Reject]:
        if not records:
            self.updated_now = self.unchanged_now = 0
            return []
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
        for key, record in keys.items():
            row = existing[(record.provider, record.source_id)]
            target = targets.get(key)
            if target is None:
                rejects.append(Reject(record.line, record.source_id,
                                      "an object with this id exists but was not imported "
                                      "from ORDS; left as it is"))
                continue
            current = _effective_payload(target, fixes.get(target.id or 0, []))
            category = self.categories.get(record.category_ords_id or 0)
            wanted = {
                "outcome": record.outcome, "barrier": record.barrier,
                "category_id": category.id if category else None, "brand": record.brand,
                "problem": record.problem, "product_age_years": record.product_age,
            }
            have = {
                "outcome": current.get("outcome"), "barrier": current.get("barrier"),
                "category_id": row.category_id, "brand": row.brand, "problem": row.problem,
                "product_age_years": row.product_age_years,
            }
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
        self.updated_now, self.unchanged_now = updated, unchanged
        return rejects

    def _correct(self, item_id: int, target: LifecycleEvent, earlier: int, record: OrdsRecord,
                 wanted: dict[str, Any], changed: dict[str, list[Any]]) -> None:
        item = self.session.get(Item, item_id, with_for_update=True, populate_existing=True)
        assert item is not None
        history = self.session.execute(
            select(LifecycleEvent).where(LifecycleEvent.item_id == item_id)
        ).scalars().all()
        replace = {k: wanted[k] for k in ("outcome", "barrier") if k in changed}
        payload = {"replace": replace, "changed": changed,
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
        self.session.flush()
        impact_service.void_impact(self.session, event_id=target.id or 0)
        effective = _effective_payload(target, self._fixes_of(target))
        corrected = LifecycleEvent(**{**target.model_dump(), "payload": effective})
        impact_service.record_repair_impact(self.session, item=item, event=corrected,
                                            now=self.now)
        self.session.flush()

    def _fixes_of(self, target: LifecycleEvent) -> list[LifecycleEvent]:
        return list(self.session.execute(
            select(LifecycleEvent).where(LifecycleEvent.corrects_id == target.id)
            .order_by(col(LifecycleEvent.id))
        ).scalars())


def _effective_payload(target: LifecycleEvent, fixes: list[LifecycleEvent]) -> dict[str, Any]:
    """The payload of an event as its corrections leave it."""
    facts = ev.facts([target, *fixes])
    for fact in lifecycle.effective_events(facts):
        if fact.id == target.id:
            return dict(fact.payload)
    return {"outcome": None, "barrier": None}


# --------------------------------------------------------------------------- entry point


def import_ords(
    session: Session,
    path: Path,
    *,
    group: str | None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    rejects_path: Path | None = None,
) -> ImportReport:
    """Import an ORDS v0.3 CSV file; safe to run again on the same or a newer file.

    The file is streamed and written in chunks of CHUNK_ROWS rows, one transaction each, so a
    failure part-way leaves whole chunks behind and a second run completes the rest. `progress`
    is called with (bytes read, file size).
    """
    path = Path(path)
    total = path.stat().st_size
    report = ImportReport()
    group = group.strip() if group else None
    if group is not None and (not group or len(group) > 120):
        raise Refused("A group name needs 1 to 120 characters.")
    with path.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise Refused("%(file)s is empty.", file=path.name) from None
        except csv.Error as exc:
            raise Refused("%(file)s is not a CSV file (%(error)s).", file=path.name,
                          error=str(exc)) from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise Refused("%(file)s is not an ORDS v0.3 file: no column %(columns)s.",
                          file=path.name, columns=", ".join(missing))
        importer = _Importer(session, group=group, now=now, report=report)
        rejects_writer = _RejectsWriter(rejects_path, header)
        today = now.astimezone(UTC).date()
        try:
            for chunk in _read_chunks(reader, header, today, handle.tell):
                for raw, reason in chunk.rejects:
                    _reject(report, rejects_writer, raw, reason)
                report.notes.extend(chunk.notes)
                if chunk.records:
                    late = importer.write(chunk.records)
                    report.created += importer.created_now
                    report.updated += importer.updated_now
                    report.unchanged += importer.unchanged_now
                    for reject in late:
                        raw = _RawRow(reject.line, list(chunk.values[reject.line]),
                                      reject.record_id)
                        _reject(report, rejects_writer, raw, reject.reason)
                if progress is not None:
                    progress(chunk.bytes_read, total)
        finally:
            rejects_writer.close()
    return report


def _reject(report: ImportReport, writer: _RejectsWriter, raw: _RawRow, reason: str) -> None:
    report.rejected.append(Reject(raw.line, raw.record_id, reason))
    writer.write(raw, reason)


class _RejectsWriter:
    """The rejects file: the original columns, then `line` and `reason`."""

    def __init__(self, path: Path | None, header: list[str]) -> None:
        self.width = len(header)
        self.handle = path.open("w", newline="", encoding="utf-8") if path else None
        self.writer = csv.writer(self.handle) if self.handle else None
        if self.writer:
            self.writer.writerow([*header, *REJECT_EXTRA_COLUMNS])

    def write(self, raw: _RawRow, reason: str) -> None:
        if self.writer:
            values = (raw.values + [""] * self.width)[: self.width]
            self.writer.writerow([*values, raw.line, reason])

    def close(self) -> None:
        if self.handle:
            self.handle.close()
