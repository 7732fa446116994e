"""Reading an ORDS file in checked chunks of rows, and writing its rejects file."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from repaircafe.domain.errors import Refused
from repaircafe.interop.ords.services.ords_report import Note
from repaircafe.interop.ords.services.ords_rows import OrdsRecord, RowError, parse_row

REJECT_EXTRA_COLUMNS = ("line", "reason")


@dataclass
class RawRow:
    line: int
    values: list[str]
    record_id: str


@dataclass
class Chunk:
    """Consecutive data rows of the file (CHUNK_ROWS of ords_import at most), checked: the
    records to write and the rows rejected on reading, in file order."""

    records: list[OrdsRecord] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    rejects: list[tuple[RawRow, str]] = field(default_factory=list)
    values: dict[int, tuple[str, ...]] = field(default_factory=dict)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)
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


def read_chunks(reader: Iterator[list[str]], header: list[str], today: date,
                position: Callable[[], int], chunk_rows: int) -> Iterator[Chunk]:
    """The file's data rows, parsed, in chunks of `chunk_rows` rows (line numbers counted from
    the header as line 1; a blank line is not a row). `position` gives the bytes read so far.
    """
    width = len(header)
    seen: set[tuple[str, str]] = set()
    chunk = Chunk()
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
                record, notes, dropped = parse_row(dict(zip(header, values, strict=True)),
                                                   start, today)
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
                    if dropped:
                        chunk.dropped.update(dropped)
                    # A tuple rather than the reader's list: the collector stops looking at a
                    # tuple of strings, and a chunk keeps thousands of them.
                    chunk.values[start] = tuple(values)
        if malformed is not None:
            chunk.rejects.append((RawRow(start, values, values[0].strip()), malformed))
        if len(chunk.records) + len(chunk.rejects) >= chunk_rows:
            chunk.bytes_read = position()
            yield chunk
            chunk = Chunk()
    if chunk.records or chunk.rejects:
        chunk.bytes_read = position()
        yield chunk


class RejectsWriter:
    """The rejects file: the original columns, then `line` and `reason`."""

    def __init__(self, path: Path | None, header: list[str]) -> None:
        self.width = len(header)
        self.handle = path.open("w", newline="", encoding="utf-8") if path else None
        self.writer = csv.writer(self.handle) if self.handle else None
        if self.writer:
            self.writer.writerow([*header, *REJECT_EXTRA_COLUMNS])

    def write(self, raw: RawRow, reason: str) -> None:
        if self.writer:
            values = (raw.values + [""] * self.width)[: self.width]
            self.writer.writerow([*values, raw.line, reason])

    def close(self) -> None:
        if self.handle:
            self.handle.close()
