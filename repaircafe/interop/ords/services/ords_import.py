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

This module reads the file and writes it chunk by chunk; the row rules are in ords_rows, the
chunks and the rejects file in ords_file, places in ords_places, new records in ords_create
(their events in ords_events, their impact in ords_impacts) and changed ones in
ords_corrections.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from repaircafe.core.transactions import write_transaction
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.interop.ords.services.bulk import bulk_writer
from repaircafe.interop.ords.services.ords_corrections import Corrector, Known
from repaircafe.interop.ords.services.ords_create import EVENT, ITEM, Creator
from repaircafe.interop.ords.services.ords_events import ACTOR_NAME
from repaircafe.interop.ords.services.ords_file import RawRow, RejectsWriter, read_chunks
from repaircafe.interop.ords.services.ords_impacts import Impacts, ords_categories
from repaircafe.interop.ords.services.ords_places import Places
from repaircafe.interop.ords.services.ords_report import ImportReport, Reject
from repaircafe.interop.ords.services.ords_rows import OrdsRecord

CHUNK_ROWS = 20000
REQUIRED_COLUMNS = ("id", "data_provider", "country", "repair_status", "event_date")


class _Importer:
    """Writes the records of a file chunk by chunk, keeping what the chunks share (places,
    categories, impact figures) between them."""

    def __init__(self, session: Session, *, group: str | None, now: datetime,
                 report: ImportReport) -> None:
        self.session = session
        self.writer = bulk_writer(session)
        self.places = Places(session, self.writer, report)
        categories = ords_categories(session)
        self.creator = Creator(self.writer, self.places, categories, Impacts(session),
                               group=group, now=now)
        self.corrector = Corrector(session, categories, actor=Actor.system(ACTOR_NAME), now=now)
        self.created_now = self.updated_now = self.unchanged_now = 0

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
        existing: dict[tuple[str, str], Known] = {}
        for provider, group in by_provider.items():
            for row in self.writer.rows_with_keys(ITEM, Known._fields,
                                                  ("source_provider", provider),
                                                  ("source_id", [r.source_id for r in group])):
                stored = Known(*row)
                existing[(provider, stored.source_id)] = stored
        fresh = [r for r in records if (r.provider, r.source_id) not in existing]
        known = [r for r in records if (r.provider, r.source_id) in existing]
        self.creator.create(fresh)
        self.created_now = len(fresh)
        corrections = self.corrector.update(known, existing)
        self.updated_now, self.unchanged_now = corrections.updated, corrections.unchanged
        self.writer.keep_statistics([ITEM, EVENT])
        return corrections.rejects


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
        rejects_writer = RejectsWriter(rejects_path, header)
        today = now.astimezone(UTC).date()
        try:
            for chunk in read_chunks(reader, header, today, handle.tell, CHUNK_ROWS):
                for raw, reason in chunk.rejects:
                    _reject(report, rejects_writer, raw, reason)
                report.notes.extend(chunk.notes)
                if chunk.records:
                    late = importer.write(chunk.records)
                    report.created += importer.created_now
                    report.updated += importer.updated_now
                    report.unchanged += importer.unchanged_now
                    for reject in late:
                        raw = RawRow(reject.line, list(chunk.values[reject.line]),
                                      reject.record_id)
                        _reject(report, rejects_writer, raw, reject.reason)
                if progress is not None:
                    progress(chunk.bytes_read, total)
        finally:
            rejects_writer.close()
    return report


def _reject(report: ImportReport, writer: RejectsWriter, raw: RawRow, reason: str) -> None:
    report.rejected.append(Reject(raw.line, raw.record_id, reason))
    writer.write(raw, reason)
