"""Importing a café's own spreadsheet (CSV or XLSX): plan, dry run, import, error file.

Every data row ends up in exactly one place: created, already imported (same key as before),
or rejected with the reason. The import writes everything in one transaction or nothing, and
a second run of the same file creates nothing new: each row is known by the key column the
user picked (or by its content), stored as the object's source id.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import secrets
import shutil
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.parsers import expat

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.interop.sheets.services.sheet_mapping import (
    FIELDS,
    ROW_KEY,
    CategoryIndex,
    ColumnMapping,
    guess_mapping,
    parse_age,
    parse_barrier,
    parse_date,
    parse_outcome,
    parse_weight_cell,
)
from repaircafe.interop.spreadsheet_safety import safe_cell
from repaircafe.models import (
    Category,
    Item,
    RepairGroup,
    RepairSession,
    SheetMapping,
    Site,
)
from repaircafe.reporting.services import impact as impact_service

MAX_ROWS = 50_000
ERROR_COLUMN = "Error"


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet as read: its header row and data rows, each with its line number."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", {h: i for i, h in enumerate(self.headers)})

    def cell(self, row: Sequence[Any], header: str | None) -> Any:
        index = self.positions.get(header) if header else None
        if index is None:
            return None
        value = row[index] if index < len(row) else None
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class PlannedRow:
    line: int
    key: str
    site_id: int
    site: str
    held_on: date
    category: str | None
    brand: str
    model: str
    problem: str
    weight_kg: float | None
    age_years: float | None
    outcome: str | None
    barrier: int | None


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    cells: list[Any]


@dataclass
class ImportReport:
    """What a dry run would do, or what an import did."""

    mapping: ColumnMapping
    planned: list[PlannedRow] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    blank: int = 0
    new_sessions: list[tuple[str, date]] = field(default_factory=list)
    written: bool = False
    category_names: dict[str, str] = field(default_factory=dict)

    @property
    def attempts(self) -> int:
        return sum(1 for p in self.planned if p.outcome is not None)

    @property
    def rows_read(self) -> int:
        return len(self.planned) + len(self.existing) + len(self.rejected)

    def __str__(self) -> str:
        verb = "Imported" if self.written else "Would import"
        return (f"{verb} {len(self.planned)} objects ({self.attempts} repair attempts, "
                f"{len(self.new_sessions)} new sessions); {len(self.existing)} already "
                f"imported; {len(self.rejected)} rejected; {self.blank} blank lines.")


# --------------------------------------------------------------------------- reading

# Limits that keep one upload from taking the server's memory or time: every step (mapping,
# dry run, import, error file) reads the file again, so each read must stay small and quick.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000
MAX_CELL_CHARS = 32_767  # what one spreadsheet cell holds in Excel and LibreOffice
MAX_LINE_CHARS = 1_000_000
LEADING_ROWS = 1_000  # rows above the header (titles, notes) an XLSX sheet may have
MAX_SHEET_PART_BYTES = 256 * 1024 * 1024
MAX_OTHER_PART_BYTES = 32 * 1024 * 1024
MAX_OTHER_ELEMENTS = 500_000
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
NUL = "\x00"

TOO_MANY_ROWS = N_("The file has more than %(limit)s rows: split it.")
TOO_MANY_COLUMNS = N_("The file has more than %(limit)s columns: delete the ones the import "
                      "does not need.")
TOO_MANY_CELLS = N_("The file has more than %(limit)s cells: split it or delete the columns "
                    "the import does not need.")
CELL_TOO_LONG = N_("Line %(line)s has a cell of more than %(limit)s characters: shorten it.")
STRING_TOO_LONG = N_("The file has a cell of more than %(limit)s characters: shorten it.")
UNREADABLE_XLSX = N_("This XLSX file cannot be read (%(error)s).")
XLSX_TOO_LARGE = N_("This XLSX file is too large once unpacked (%(part)s): copy the rows into "
                    "a new file and upload that.")


def read_sheet(path: Path, name: str | None = None) -> Sheet:
    """A CSV (any common encoding and separator) or XLSX file, first sheet, header on top.

    The file is read row by row and refused as soon as it passes a limit (rows, columns,
    cells, characters in a cell), so a small file that unpacks or pads to millions of cells
    costs no more than the rows read before the limit.
    """
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise Refused("Upload a CSV or XLSX file.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Refused("The file is %(size)s MB; the import reads files of up to %(limit)s MB: "
                      "split it.", size=f"{size / 2**20:.0f}",
                      limit=f"{MAX_FILE_BYTES // 2**20}")
    grid = _xlsx_rows(path) if suffix in XLSX_SUFFIXES else _csv_rows(path)
    try:
        return _sheet_from(grid, name)
    finally:
        grid.close()


def _sheet_from(grid: Iterator[tuple[int, list[Any]]], name: str) -> Sheet:
    header_row: list[Any] = []
    header_line = 0
    for line, row in grid:
        _check_row(line, row)
        if any(_filled(c) for c in row):
            header_row, header_line = row, line
            break
    if not header_row:
        raise Refused("The file is empty.")
    headers = _unique_headers(_trimmed(header_row))
    cells = len(headers)
    rows: list[tuple[int, list[Any]]] = []
    for line, row in grid:
        row = _check_row(line, row)
        if line - header_line > MAX_ROWS:
            raise Refused(TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
        cells += len(row)
        if cells > MAX_CELLS:
            raise Refused(TOO_MANY_CELLS, limit=f"{MAX_CELLS:,}")
        rows.append((line, row))
    return Sheet(name, headers, rows)


def _filled(cell: Any) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def _trimmed(row: list[Any]) -> list[Any]:
    """The row without its empty cells on the right (files pad rows to their widest)."""
    end = len(row)
    while end and not _filled(row[end - 1]):
        end -= 1
    return row[:end]


def _check_row(line: int, row: list[Any]) -> list[Any]:
    """The row, refused when it is wider than the import reads or has a cell too long."""
    if len(row) > MAX_COLUMNS:
        row = _trimmed(row)
        if len(row) > MAX_COLUMNS:
            raise Refused(TOO_MANY_COLUMNS, limit=MAX_COLUMNS)
    for cell in row:
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise Refused(CELL_TOO_LONG, line=line, limit=f"{MAX_CELL_CHARS:,}")
    return row


def _unique_headers(row: Sequence[Any]) -> list[str]:
    """One name per column: empty headers get "Column N", repeated ones their column number.

    Names already given are kept in a set, so a file of thousands of identical headers costs
    one look-up per column, not a scan of every name before it.
    """
    headers: list[str] = []
    taken: set[str] = set()
    for index, cell in enumerate(row, start=1):
        text = _text(cell).replace(NUL, "") if cell is not None else ""
        text = text or f"Column {index}"
        while text in taken:
            text = f"{text} ({index})"
        taken.add(text)
        headers.append(text)
    return headers


# ---- CSV


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV file with their line numbers, decoded and split as they are read."""
    encoding = _csv_encoding(path)
    with path.open("r", encoding=encoding, newline="") as text:
        sample = text.read(20000)
        text.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(_bounded_lines(text), dialect)
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field limit" in str(exc):
                    raise Refused(CELL_TOO_LONG, line=line,
                                  limit=f"{MAX_CELL_CHARS:,}") from None
                raise Refused("Line %(line)s is not valid CSV (%(error)s).", line=line,
                              error=str(exc)) from None
            yield line, row


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without its mark) or else Windows-1252, checked over the whole file."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise Refused("The file is neither UTF-8 nor Windows-1252 text: save it as “CSV UTF-8” "
                  "and upload it again.")


def _bounded_lines(text: io.TextIOBase) -> Iterator[str]:
    """The file's lines, refused when one is too long to be a row of a spreadsheet."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise Refused("Line %(line)s is longer than %(limit)s characters: is this a "
                          "spreadsheet?", line=number, limit=f"{MAX_LINE_CHARS:,}")
        yield line


# ---- XLSX


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Rows of the first sheet of an XLSX file, with their row numbers.

    Every XML part is first streamed once through a checker (``_PartCheck``) that stops at
    the first limit passed; only then does openpyxl open the file (read-only, so rows are
    parsed as they are asked for), told exactly how many rows and columns hold values so it
    pads nothing to a size the file merely declares.
    """
    from openpyxl import load_workbook

    checks = _check_xlsx_parts(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise Refused(UNREADABLE_XLSX, error=exc.__class__.__name__) from None
    try:
        if not book.worksheets:
            raise Refused("The file is empty.")
        sheet = book.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise Refused(TOO_MANY_COLUMNS, limit=MAX_COLUMNS)
        if (sheet.max_row or 0) > MAX_ROWS + LEADING_ROWS:
            raise Refused(TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
        check = checks.get(getattr(sheet, "_worksheet_path", ""))
        if check is None:
            raise Refused(UNREADABLE_XLSX, error="no worksheet")
        if not check.last_row:
            return
        rows = sheet.iter_rows(max_row=check.last_row, max_col=check.widest, values_only=True)
        for line, row in enumerate(rows, start=1):
            yield line, list(row)
    except Refused:
        raise
    except Exception as exc:
        raise Refused(UNREADABLE_XLSX, error=exc.__class__.__name__) from None
    finally:
        book.close()


def _check_xlsx_parts(path: Path) -> dict[str, _PartCheck]:
    """Every XML part of the file checked against the limits; the checks by part name."""
    checks: dict[str, _PartCheck] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                if info.file_size > MAX_SHEET_PART_BYTES:
                    raise Refused(XLSX_TOO_LARGE, part=info.filename)
                with archive.open(info) as stream:
                    checks[info.filename] = _PartCheck.run(stream, info)
    except Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, expat.ExpatError,
            EOFError, OSError, ValueError, zlib.error) as exc:
        raise Refused(UNREADABLE_XLSX, error=exc.__class__.__name__) from None
    return checks


class _PartCheck:
    """One streamed pass over an XML part of an XLSX file, refusing it at the first limit.

    The part's root element says what it is. A worksheet may have at most the rows, columns
    and cell length the import reads; the shared strings (the text of every cell) at most
    that cell length per string; any other part, read whole by openpyxl, a bounded size and
    number of elements. Document type declarations, which XML bombs need, are refused.
    """

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.kind = ""
        self.row = self.column = self.chars = self.elements = self.cells = 0
        self.widest = self.last_row = 0

    @classmethod
    def run(cls, stream: Any, info: zipfile.ZipInfo) -> _PartCheck:
        check = cls(info.filename, info.file_size)
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = check.start
        parser.CharacterDataHandler = check.text
        parser.StartDoctypeDeclHandler = check.doctype
        parser.ParseFile(stream)
        return check

    def doctype(self, *_args: Any) -> None:
        raise Refused(UNREADABLE_XLSX, error="DTD")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name[name.rfind(" ") + 1:]
        if not self.kind:
            self.kind = local if local in ("worksheet", "sst") else "other"
            if self.kind == "other" and self.size > MAX_OTHER_PART_BYTES:
                raise Refused(XLSX_TOO_LARGE, part=self.name)
        if self.kind == "worksheet":
            self._worksheet(local, attrs)
        elif self.kind == "sst":
            if local == "si":
                self.chars = 0
        else:
            self.elements += 1
            if self.elements > MAX_OTHER_ELEMENTS:
                raise Refused(XLSX_TOO_LARGE, part=self.name)

    def _worksheet(self, local: str, attrs: dict[str, str]) -> None:
        if local == "c":
            ref = attrs.get("r")
            self.column = _column_number(ref) if ref else self.column + 1
            self.chars = 0
        elif local in ("v", "is", "f"):
            if self.column > MAX_COLUMNS:
                raise Refused(TOO_MANY_COLUMNS, limit=MAX_COLUMNS)
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise Refused(TOO_MANY_CELLS, limit=f"{MAX_CELLS:,}")
            self.widest = max(self.widest, self.column)
            self.last_row = self.row
        elif local == "row":
            number = attrs.get("r")
            if number is None:
                self.row += 1
            elif number.isascii() and number.isdigit() and len(number) < 10:
                self.row = int(number)
            else:
                raise Refused(UNREADABLE_XLSX, error=f"row {number[:20]}")
            if self.row > MAX_ROWS + LEADING_ROWS:
                raise Refused(TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
            self.column = self.chars = 0

    def text(self, data: str) -> None:
        self.chars += len(data)
        if self.kind == "other":
            if self.chars > MAX_OTHER_PART_BYTES:
                raise Refused(XLSX_TOO_LARGE, part=self.name)
        elif self.chars > MAX_CELL_CHARS:
            if self.kind == "worksheet" and self.row:
                raise Refused(CELL_TOO_LONG, line=self.row, limit=f"{MAX_CELL_CHARS:,}")
            raise Refused(STRING_TOO_LONG, limit=f"{MAX_CELL_CHARS:,}")


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?[0-9]+")


def _column_number(ref: str) -> int:
    """The column of a cell reference such as "AB12" (A is 1)."""
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        raise Refused(UNREADABLE_XLSX, error=f"cell {ref[:20]}")
    number = 0
    for letter in match[1].upper():
        number = number * 26 + ord(letter) - 64
    return number


# --------------------------------------------------------------------------- planning


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_key(sheet: Sheet, row: Sequence[Any], mapping: ColumnMapping) -> str:
    """The key that makes a row importable once: its key cell, or a digest of its content."""
    if mapping.key != ROW_KEY:
        return _text(sheet.cell(row, mapping.key))
    content = "\x1f".join(_text(sheet.cell(row, mapping.columns.get(f))) for f in FIELDS)
    return "row:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def source_provider(group_id: int) -> str:
    return f"sheet:{group_id}"


def _source_id(key: str) -> str:
    return key if len(key) <= 120 else "sha:" + hashlib.sha256(key.encode()).hexdigest()


def plan_import(
    session: Session, sheet: Sheet, mapping: ColumnMapping, *, group_id: int, today: date,
) -> ImportReport:
    """Read every row against the mapping and say what it would become; writes nothing."""
    if "date" not in mapping.columns:
        raise Refused("Choose the column that holds the date of each visit.")
    sites = {s.name.casefold(): s for s in session.exec(
        select(Site).where(Site.group_id == group_id)).all()}
    default_site = next((s for s in sites.values() if s.id == mapping.site_id), None)
    if mapping.site_id is not None and default_site is None:
        raise NotFound("That site does not belong to the group.")
    if default_site is None and len(sites) == 1:
        default_site = next(iter(sites.values()))
    names = dict(session.exec(select(Category.slug, Category.name)).all())
    index = CategoryIndex.build(names.items())
    provider = source_provider(group_id)
    known = set(session.exec(select(Item.source_id).where(
        Item.source_provider == provider)).all())
    held = {(s.site_id, s.held_on) for s in session.exec(
        select(RepairSession).where(col(RepairSession.site_id).in_(
            [s.id for s in sites.values()]))).all()}
    report = ImportReport(mapping, category_names=names)
    seen: dict[str, int] = {}
    new_sessions: dict[tuple[int, date], str] = {}
    for line, row in sheet.rows:
        if not any(_text(c) for c in row):
            report.blank += 1
            continue
        try:
            if _holds_nul(sheet, row, mapping):
                raise Refused("A cell of this row holds a NUL character, which cannot be "
                              "stored: delete it.")
            key = row_key(sheet, row, mapping)
            if not key:
                raise Refused("The key column “%(column)s” is empty.", column=mapping.key)
            if key in seen:
                raise Refused("Same key as line %(line)d: the row is there twice.",
                              line=seen[key])
            seen[key] = line
            if _source_id(key) in known:
                report.existing.append(line)
                continue
            planned = _plan_row(sheet, row, line, key, mapping, sites, default_site, index,
                                today)
        except Refused as exc:
            report.rejected.append(Rejected(line, exc.message, list(row)))
            continue
        report.planned.append(planned)
        if (planned.site_id, planned.held_on) not in held:
            new_sessions.setdefault((planned.site_id, planned.held_on), planned.site)
    report.new_sessions = sorted(((name, day) for (_, day), name in new_sessions.items()),
                                 key=lambda s: (s[1], s[0]))
    return report


def _holds_nul(sheet: Sheet, row: Sequence[Any], mapping: ColumnMapping) -> bool:
    """Whether a cell the import reads holds a NUL (databases refuse it in text)."""
    for header in (*mapping.columns.values(), mapping.key):
        cell = sheet.cell(row, header)
        if isinstance(cell, str) and NUL in cell:
            return True
    return False


def _plan_row(
    sheet: Sheet, row: Sequence[Any], line: int, key: str, mapping: ColumnMapping,
    sites: dict[str, Site], default_site: Site | None, index: CategoryIndex, today: date,
) -> PlannedRow:
    columns = mapping.columns
    held_on = parse_date(sheet.cell(row, columns.get("date")), mapping.date_order, today=today)
    site_text = _text(sheet.cell(row, columns.get("site")))
    site = sites.get(site_text.casefold()) if site_text else default_site
    if site is None:
        if site_text:
            raise Refused("Unknown site “%(site)s”.", site=site_text)
        raise Refused("No site: choose a default site for rows without one.")
    outcome = parse_outcome(sheet.cell(row, columns["outcome"])) if "outcome" in columns \
        else None
    barrier = parse_barrier(sheet.cell(row, columns.get("barrier")))
    if barrier is not None and outcome != "end_of_life":
        raise Refused("A barrier only goes with the outcome End of life.")
    return PlannedRow(
        line=line, key=key, site_id=site.id or 0, site=site.name, held_on=held_on,
        category=index.find(sheet.cell(row, columns.get("category"))),
        brand=values.clean_text(_text(sheet.cell(row, columns.get("brand"))), limit=120,
                                field=N_("Brand")),
        model=values.clean_text(_text(sheet.cell(row, columns.get("model"))), limit=120,
                                field=N_("Model")),
        problem=values.clean_text(_text(sheet.cell(row, columns.get("problem"))), limit=2000,
                                  field=N_("Problem")),
        weight_kg=parse_weight_cell(sheet.cell(row, columns.get("weight"))),
        age_years=parse_age(sheet.cell(row, columns.get("age")), held_on),
        outcome=outcome, barrier=barrier,
    )


# --------------------------------------------------------------------------- importing


def import_sheet(
    session: Session, sheet: Sheet, mapping: ColumnMapping, *, group_id: int, actor: Actor,
    now: datetime, dry_run: bool = False,
) -> ImportReport:
    """Plan the rows; unless it is a dry run, create them all in one transaction and keep the
    mapping for the group's next upload."""
    _check_group(session, actor, group_id)
    report = plan_import(session, sheet, mapping, group_id=group_id, today=now.date())
    if dry_run:
        return report
    categories = {c.slug: c for c in session.exec(select(Category)).all()}
    provider = source_provider(group_id)
    with write_transaction(session):
        opened: dict[tuple[int, date], RepairSession] = {
            (s.site_id, s.held_on): s for s in session.exec(
                select(RepairSession).join(Site, Site.id == RepairSession.site_id)
                .where(Site.group_id == group_id)).all()}
        for planned in report.planned:
            _create(session, planned, group_id, provider, categories, opened, actor, now)
        _save_mapping(session, group_id, mapping, actor, now)
    report.written = True
    return report


def _create(
    session: Session, planned: PlannedRow, group_id: int, provider: str,
    categories: dict[str, Category], opened: dict[tuple[int, date], RepairSession],
    actor: Actor, now: datetime,
) -> None:
    repair_session = opened.get((planned.site_id, planned.held_on))
    if repair_session is None:
        repair_session = RepairSession(site_id=planned.site_id, held_on=planned.held_on,
                                       title=planned.site, created_at=now)
        session.add(repair_session)
        session.flush()
        opened[(planned.site_id, planned.held_on)] = repair_session
    category = categories.get(planned.category) if planned.category else None
    at = datetime.combine(planned.held_on, time(12), UTC)
    item = Item(
        group_id=group_id, site_id=planned.site_id, category_id=category.id if category else None,
        brand=planned.brand, model=planned.model, problem=planned.problem,
        weight_kg=planned.weight_kg,
        weight_source="estimated" if planned.weight_kg is not None else None,
        product_age_years=planned.age_years, state="", current_session_id=repair_session.id,
        registered_at=at, updated_at=now, source_provider=provider,
        source_id=_source_id(planned.key),
    )
    session.add(item)
    session.flush()
    digest = hashlib.sha256(f"{provider}:{planned.key}".encode()).hexdigest()[:40]
    ev.item_event(session, item, kind="registered",
                  payload={"code": None, "is_donor": False, "weight_kg": planned.weight_kg,
                           "source": provider},
                  actor=actor, now=now, key=f"sheet:{digest}:registered", occurred_at=at,
                  repair_session_id=repair_session.id)
    if planned.outcome is None:
        return
    event = ev.item_event(session, item, kind="repair_attempted",
                          payload={"outcome": planned.outcome, "barrier": planned.barrier,
                                   "minutes": None, "fixer": ""},
                          actor=actor, now=now, key=f"sheet:{digest}:repair", occurred_at=at,
                          repair_session_id=repair_session.id)
    session.flush()
    impact_service.record_repair_impact(session, item=item, event=event, now=now)


def _check_group(session: Session, actor: Actor, group_id: int) -> RepairGroup:
    access.require(actor, "import_data")
    return access.load(session, RepairGroup, group_id, actor, write=True)


# --------------------------------------------------------------------------- mappings


def saved_mapping(session: Session, *, group_id: int) -> ColumnMapping | None:
    """The mapping the group used last time, if any."""
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    return ColumnMapping.from_dict(row.mapping) if row else None


def _save_mapping(session: Session, group_id: int, mapping: ColumnMapping, actor: Actor,
                  now: datetime) -> None:
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    row = row or SheetMapping(group_id=group_id)
    row.mapping, row.updated_by_id, row.updated_at = mapping.as_dict(), actor.id, now
    session.add(row)


def mapping_for(session: Session, sheet: Sheet, *, group_id: int) -> ColumnMapping:
    """The group's saved mapping where it fits this file, else a guess from the headers."""
    guessed = guess_mapping(sheet.headers, [r for _, r in sheet.rows])
    saved = saved_mapping(session, group_id=group_id)
    if saved is None:
        return guessed
    fitted = saved.fitted_to(sheet.headers)
    for name, header in guessed.columns.items():
        if name not in fitted.columns and header not in fitted.columns.values():
            fitted.columns[name] = header
    return fitted


def error_file(sheet: Sheet, report: ImportReport) -> str:
    """The rejected rows as they were, plus the reason, to fix and upload again.

    Cells that a spreadsheet would run as formulas are written as text (see
    spreadsheet_safety): the file echoes whatever the uploaded sheet held.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*map(safe_cell, sheet.headers), ERROR_COLUMN])
    for rejected in report.rejected:
        cells = [safe_cell(_text(c) if not isinstance(c, date) else c.isoformat())
                 for c in rejected.cells]
        cells += [""] * (len(sheet.headers) - len(cells))
        writer.writerow([*cells[:len(sheet.headers)],
                         safe_cell(f"line {rejected.line}: {rejected.reason}")])
    return "\ufeff" + out.getvalue()


# --------------------------------------------------------------------------- uploads

UPLOAD_MAX_AGE = timedelta(hours=24)
INCOMING = ".incoming"
ERRORS_FILE = "errors.csv"


def uploads_folder(instance_path: str | Path) -> Path:
    """Where uploads wait between the steps of an import: under the instance folder."""
    return Path(instance_path) / "uploads"


def receive_upload(session: Session, folder: Path, *, name: str, data: bytes, actor: Actor,
                   group_id: int | None) -> Upload:
    """Keep an upload that can be read (see upload_sheet); a refused one leaves no file behind.

    The file is first kept in a folder of its own under ``.incoming`` and moved among the
    uploads only once read, so a refusal (or a crash part-way) removes exactly this upload.
    """
    staging = folder / INCOMING / secrets.token_urlsafe(8)
    try:
        staged = upload_sheet(session, staging, name=name, data=data, actor=actor,
                              group_id=group_id)
        target = folder / staged.token
        (staging / staged.token).rename(target)
        return replace(staged, path=target / staged.path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def finish_upload(folder: Path, upload: Upload, sheet: Sheet, report: ImportReport) -> None:
    """After the import: the uploaded file goes; only its rejected rows stay for the error file
    (until remove_stale_uploads), since the user downloads them after seeing the result."""
    target = folder / upload.token
    if report.rejected:
        (target / ERRORS_FILE).write_text(error_file(sheet, report), encoding="utf-8")
    upload.path.unlink(missing_ok=True)


def imported_errors(folder: Path, token: str, *, user_id: int | None) -> str | None:
    """The error file kept by finish_upload for this user's imported upload, if any."""
    if not re.fullmatch(r"[\w-]{10,40}", token):
        return None
    target = folder / token
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        if meta.get("user_id") != user_id:
            return None
        return (target / ERRORS_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def remove_stale_uploads(folder: Path, *, max_age: timedelta = UPLOAD_MAX_AGE,
                         now: datetime | None = None) -> int:
    """Delete uploads (and unfinished ones) untouched for max_age; returns how many.

    Uploads hold a café's records: they are kept only while someone is between the steps
    of an import, not for good.
    """
    cutoff = (now or datetime.now(UTC)).timestamp() - max_age.total_seconds()
    removed = 0
    for parent in (folder, folder / INCOMING):
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name == INCOMING or not entry.is_dir():
                continue
            try:
                stale = entry.stat().st_mtime < cutoff
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
    return removed


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    name: str
    user_id: int | None
    group_id: int


def store_upload(folder: Path, *, name: str, data: bytes, user_id: int | None,
                 group_id: int) -> Upload:
    """Keep an uploaded file for the mapping and dry-run steps (the upload is the only copy)."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise Refused("Upload a CSV or XLSX file.")
    if not data:
        raise Refused("The file is empty.")
    token = secrets.token_urlsafe(16)
    target = folder / token
    target.mkdir(parents=True, exist_ok=True)
    (target / f"sheet{suffix}").write_bytes(data)
    clean = re.sub(r"[^\w.\- ]", "_", Path(name).name)[:120] or f"sheet{suffix}"
    (target / "meta.json").write_text(json.dumps(
        {"name": clean, "user_id": user_id, "group_id": group_id}), encoding="utf-8")
    return Upload(token, target / f"sheet{suffix}", clean, user_id, group_id)


def open_upload(folder: Path, token: str, *, user_id: int | None) -> Upload:
    """An upload kept earlier by the same user."""
    if not re.fullmatch(r"[\w-]{10,40}", token):
        raise NotFound("That upload does not exist.")
    target = folder / token
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    except OSError:
        raise NotFound("That upload does not exist (it may have been cleared).") from None
    if meta.get("user_id") != user_id:
        raise NotFound("That upload does not exist.")
    path = next((p for p in target.iterdir() if p.name.startswith("sheet")), None)
    if path is None:
        raise NotFound("That upload does not exist (it may have been cleared).")
    return Upload(token, path, meta["name"], user_id, int(meta["group_id"]))


def load_upload(folder: Path, token: str, *, user_id: int | None) -> tuple[Upload, Sheet]:
    upload = open_upload(folder, token, user_id=user_id)
    return upload, read_sheet(upload.path, upload.name)


@dataclass(frozen=True)
class Prepared:
    """An upload read and matched to a mapping, with the group's sites to choose from."""

    upload: Upload
    sheet: Sheet
    mapping: ColumnMapping
    sites: list[Site]


def prepare_upload(session: Session, folder: Path, token: str, *, actor: Actor,
                   mapping: ColumnMapping | None = None) -> Prepared:
    """Read a kept upload; the mapping is the one given, else the saved one, else a guess."""
    upload, sheet = load_upload(folder, token, user_id=actor.id)
    _check_group(session, actor, upload.group_id)
    sites = list(session.exec(select(Site).where(Site.group_id == upload.group_id)
                              .order_by(col(Site.name))).all())
    chosen = mapping or mapping_for(session, sheet, group_id=upload.group_id)
    return Prepared(upload, sheet, chosen, sites)


def import_upload(session: Session, folder: Path, token: str, mapping: ColumnMapping, *,
                  actor: Actor, now: datetime, dry_run: bool) -> tuple[Prepared, ImportReport]:
    """Dry run or import of a kept upload with the mapping the user confirmed."""
    prepared = prepare_upload(session, folder, token, actor=actor, mapping=mapping)
    report = import_sheet(session, prepared.sheet, mapping, group_id=prepared.upload.group_id,
                          actor=actor, now=now, dry_run=dry_run)
    return prepared, report


def upload_sheet(session: Session, folder: Path, *, name: str, data: bytes, actor: Actor,
                 group_id: int | None) -> Upload:
    """Keep an upload for the actor's group (an admin names the group)."""
    if access.scope_kind(actor) != "all" or group_id is None:
        group_id = actor.group_id
    if group_id is None:
        raise Refused("Choose the group the file belongs to.")
    _check_group(session, actor, group_id)
    upload = store_upload(folder, name=name, data=data, user_id=actor.id, group_id=group_id)
    read_sheet(upload.path, upload.name)
    return upload


def importable_groups(session: Session, *, actor: Actor) -> list[RepairGroup]:
    """Groups the actor may import into."""
    if not permissions.can(actor.role, "import_data"):
        return []
    stmt = select(RepairGroup).where(access.scope_filter(actor, RepairGroup, write=True))
    return list(session.exec(stmt.order_by(col(RepairGroup.name))).all())
