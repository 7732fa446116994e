"""Importing Open Repair Data Standard CSV files (v0.3, and v0.2.1 as published in 2020; design
§2, shared ords.md).

One ORDS row is one repair attempt: it becomes an object (``Item``, keyed by data provider and
record id) with a fresh tag, a ``registered`` and a ``repair_attempted`` event, and an impact
record when it was fixed. The object keeps what the row says about itself, so that an export
gives it back as it came: its data provider (``source_provider``), its country
(``country``), the partner's own category wording (``partner_category``, beside the ORDS
category) and its group identifier (in the imported attempt's payload). Places come from the
row: the repair group is the one named by the caller or the data provider, a site per
``group_identifier`` and a café session per site and ``event_date``.

Rules, so that nothing is dropped silently (created + updated + unchanged + rejected equals the
data rows of the file):

- A row is **rejected** (with its line and reason, and copied to the rejects file) when it has no
  ``id`` or ``data_provider``, an id longer than 120 characters, an id already seen earlier in the
  file, an ``event_date`` that is not YYYY-MM-DD or lies after the import, a ``repair_status`` or
  barrier that is none of the wordings or codes of the standard, more or fewer fields than the
  header, text that is not UTF-8, or no value at all.
- A row is **kept with a note** when only an optional value is unusable: a ``country`` that is
  not an ISO 3166-1 alpha-3 code (the object has no country; nothing else is stored in its
  place), a barrier given with a status other than End of life (the barrier is dropped: our
  lifecycle allows it only there), a category that matches no ORDS category (the object has
  none), a ``product_category_id`` and ``product_category`` that name different categories (the
  id is used, and the note says so), a ``product_age`` that is not a number, a brand, problem or
  partner category longer than the columns hold (cut).
- A ``year_of_manufacture`` that is not a year ("????" in v0.2 files) is left out and counted
  for the whole file in the report, not noted row by row.
- A file without v0.3's ``product_category_id`` and ``product_age`` columns but with v0.2's
  product columns is an ORDS v0.2 file; the report's first line says so and how it was mapped.
- An empty ``repair_status`` means Unknown (ORDS: "Unknown (0) — empty"); ``Unknown`` as a brand
  means no brand; an empty ``problem`` is kept (real files have some).
- A new site goes to the territory named ``UNASSIGNED_TERRITORY`` (created when first needed),
  whatever its name: nothing in a row says which municipality a group reports to, so an admin
  assigns it. A site that exists keeps its territory. Rows without a group identifier go to a
  site named after the provider.
- A record imported before is **unchanged** when its status, barrier, category, brand, problem,
  product age, country and partner category are the same; otherwise it is **updated**: the
  object's descriptive columns take the new values and a ``correction`` event pointing at the
  imported ``repair_attempted`` event replaces its outcome and barrier (events are never
  edited), and its impact is voided and recomputed. A known record whose event date or group
  identifier changed is **rejected** with both values in the reason: the day and place of a
  repair are its café session's, which its events point at.
- Events happen at noon UTC on the event date, so the day reads the same in any time zone.

New records are written in bulk straight through the database driver (services/bulk.py), with
their ids reserved up front: a 100,000-row file would otherwise spend most of its time in
per-row parameter handling and in reading new ids back.

This module reads the file and writes it chunk by chunk; the row rules are in ords_rows (the
wordings of each version of the standard in ords_vocabulary), the chunks and the rejects file
in ords_file, places in ords_places, new records in ords_create (their events in ords_events,
their impact in ords_impacts) and changed ones in ords_corrections.
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
from repaircafe.interop.ords.services import ords_vocabulary as vocabulary
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
ORDS_COLUMNS = (*REQUIRED_COLUMNS, "partner_product_category", "product_category",
                "product_category_id", "brand", "year_of_manufacture", "product_age",
                "repair_barrier_if_end_of_life", "group_identifier", "problem", "record_date")


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
    """Import an ORDS v0.3 (or v0.2.1) CSV file; safe to run again on the same or a newer file.

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
            written_header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise Refused("%(file)s is empty.", file=path.name) from None
        except csv.Error as exc:
            raise Refused("%(file)s is not a CSV file (%(error)s).", file=path.name,
                          error=str(exc)) from None
        missing = [c for c in REQUIRED_COLUMNS if c not in written_header]
        if missing:
            raise Refused("%(file)s is not an ORDS v0.3 file: no column %(columns)s.",
                          file=path.name, columns=", ".join(missing))
        header = _read_version(written_header, report)
        importer = _Importer(session, group=group, now=now, report=report)
        rejects_writer = RejectsWriter(rejects_path, written_header)
        today = now.astimezone(UTC).date()
        try:
            for chunk in read_chunks(reader, header, today, handle.tell, CHUNK_ROWS):
                for raw, reason in chunk.rejects:
                    _reject(report, rejects_writer, raw, reason)
                report.notes.extend(chunk.notes)
                report.dropped.update(chunk.dropped)
                if chunk.records:
                    late = importer.write(chunk.records)
                    report.created += importer.created_now
                    report.updated += importer.updated_now
                    report.unchanged += importer.unchanged_now
                    for reject in late:
                        raw = RawRow(reject.line, list(chunk.values[reject.line]),
                                      reject.record_id)
                        _reject(report, rejects_writer, raw, reject.reason,
                                changed=reject.changed)
                if progress is not None:
                    progress(chunk.bytes_read, total)
        finally:
            rejects_writer.close()
    return report


def _read_version(header: list[str], report: ImportReport) -> list[str]:
    """The header as the row rules read it, and the file's ORDS version in the report.

    A file without the columns v0.3 added (product_category_id, product_age) but with the
    product columns of v0.2 (year_of_manufacture, partner_product_category) is a v0.2 file:
    the Open Repair Alliance published its 2020 data so. Its rows are read as v0.3 ones, and the
    report says how.
    """
    has_v03 = any(c in header for c in vocabulary.V03_ONLY_COLUMNS)
    v02_product = {"year_of_manufacture", "partner_product_category",
                   *vocabulary.V02_COLUMNS} & set(header)
    if has_v03 or not v02_product:
        return header
    renamed = {old: new for old, new in vocabulary.V02_COLUMNS.items()
               if old in header and new not in header}
    report.version = "0.2" if renamed else "0.2.1"
    mapped = [f"{old} read as {new}" for old, new in renamed.items()]
    if "product_category" in header or renamed:
        mapped.append("product_category_id looked up from the product_category name "
                      "(v0.2's “Blender” is v0.3's Food processor)")
    if "year_of_manufacture" in header:
        mapped.append("product_age worked out from year_of_manufacture as the event's year "
                      "minus it")
    unknown = [c for c in header if c not in vocabulary.V02_COLUMNS and c not in ORDS_COLUMNS]
    if unknown:
        mapped.append("not imported: column " + ", ".join(unknown))
    report.file_notes.append(f"ORDS v{report.version} file: mapped as v0.3: "
                             + ("; ".join(mapped) if mapped else "every column as it is") + ".")
    return [renamed.get(c, c) for c in header]


def _reject(report: ImportReport, writer: RejectsWriter, raw: RawRow, reason: str, *,
            changed: bool = False) -> None:
    report.rejected.append(Reject(raw.line, raw.record_id, reason, changed))
    writer.write(raw, reason)
