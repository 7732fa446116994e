"""Reading a café's spreadsheet (CSV or XLSX) into a Sheet, within limits that keep one upload
from taking the server's memory or time."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_

MAX_ROWS = 50_000


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


def cell_text(value: Any) -> str:
    """A cell as text: empty for none, whole numbers without their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
        text = cell_text(cell).replace(NUL, "") if cell is not None else ""
        text = text or f"Column {index}"
        while text in taken:
            text = f"{text} ({index})"
        taken.add(text)
        headers.append(text)
    return headers


# ---- CSV


def _csv_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
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


def _xlsx_rows(path: Path) -> Generator[tuple[int, list[Any]], None, None]:
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
