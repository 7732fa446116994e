"""Spreadsheet files built to exhaust memory or time are refused quickly, in little memory,
and malformed cells become row errors instead of crashes."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from repaircafe.domain.errors import Refused
from repaircafe.interop.sheets.services import sheet_planning, sheet_reading
from repaircafe.interop.sheets.services.sheet_mapping import ColumnMapping
from repaircafe.interop.sheets.services.sheet_reading import read_sheet
from tests.factories import NOW

MEMORY_LIMIT = 300 * 2**20

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def write_xlsx(path: Path, sheet_xml: str | Iterator[bytes],
               strings: str | Iterator[bytes] = f'<sst {MAIN}><si><t>Date</t></si></sst>') -> Path:
    """A minimal XLSX file whose sheet and shared strings are given as text or as a stream
    of bytes (written compressed as they come, so a huge part stays small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, part in (("xl/worksheets/sheet1.xml", sheet_xml),
                           ("xl/sharedStrings.xml", strings)):
            if isinstance(part, str):
                archive.writestr(name, part)
                continue
            with archive.open(name, "w", force_zip64=True) as stream:
                for chunk in part:
                    stream.write(chunk)
    return path


def refused_quickly(path: Path, expected: str, *, seconds: float = 10.0) -> str:
    """Read the file; it must be refused with `expected` in the message, within the time
    and with less than MEMORY_LIMIT allocated at the peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(Refused) as refused:
            read_sheet(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < seconds
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MB"
    assert expected in str(refused.value), str(refused.value)
    return str(refused.value)


def test_a_small_xlsx_declaring_the_whole_sheet_is_refused_at_once(tmp_path):
    path = write_xlsx(tmp_path / "dim_bomb.xlsx", (
        f'<worksheet {MAIN}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'))
    assert path.stat().st_size < 2000
    refused_quickly(path, "more than", seconds=2)


def test_a_far_away_cell_without_a_declared_size_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "far.xlsx", (
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>'))
    refused_quickly(path, "more than 50,000 rows", seconds=2)


def test_a_shared_string_of_400_mb_is_refused_without_unpacking_it(tmp_path):
    def huge_string() -> Iterator[bytes]:
        yield f'<sst {MAIN}><si><t>'.encode()
        block = b"a" * 2**20
        for _ in range(400):
            yield block
        yield b"</t></si></sst>"

    path = write_xlsx(tmp_path / "sst_bomb.xlsx", (
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '</sheetData></worksheet>'), huge_string())
    assert path.stat().st_size < 2 * 2**20
    refused_quickly(path, "too large once unpacked", seconds=5)


def test_a_shared_string_longer_than_a_cell_is_refused_early(tmp_path):
    long_text = "b" * 40_000
    path = write_xlsx(tmp_path / "long.xlsx", (
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '</sheetData></worksheet>'), f'<sst {MAIN}><si><t>{long_text}</t></si></sst>')
    refused_quickly(path, "a cell of more than 32,767 characters", seconds=2)


def test_a_million_row_xlsx_is_refused_in_little_memory(tmp_path):
    def rows() -> Iterator[bytes]:
        yield f'<worksheet {MAIN}><sheetData>'.encode()
        yield b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        for start in range(2, 1_000_002, 10_000):
            yield "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                          for n in range(start, start + 10_000)).encode()
        yield b"</sheetData></worksheet>"

    path = write_xlsx(tmp_path / "rows.xlsx", rows())
    refused_quickly(path, "more than 50,000 rows")


def test_a_million_row_csv_is_refused_in_little_memory(tmp_path):
    path = tmp_path / "rows.csv"
    with path.open("w") as out:
        out.write("Date;Objet\n")
        for _ in range(10):
            out.write("01/06/2025;Grille-pain\n" * 100_000)
    refused_quickly(path, "more than 50,000 rows")


def test_a_document_type_declaration_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "laughs.xlsx", (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t>'
        '</is></c></row></sheetData></worksheet>'))
    refused_quickly(path, "cannot be read (DTD)", seconds=2)


def test_openpyxl_parses_xml_with_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_a_real_xlsx_file_still_reads(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Objet", "Poids"])
    sheet.append(["14/06/2025", "Grille-pain", 1.2])
    sheet["E7"] = None
    book.save(tmp_path / "ok.xlsx")
    read = read_sheet(tmp_path / "ok.xlsx")
    assert read.headers == ["Date", "Objet", "Poids"]
    assert read.rows == [(2, ["14/06/2025", "Grille-pain", 1.2])]


@pytest.mark.parametrize("count", [300, 100_000])
def test_thousands_of_identical_headers_are_refused_quickly(tmp_path, count):
    path = tmp_path / "cols.csv"
    path.write_text(",".join(["a"] * count) + "\n" + ",".join(["1"] * count) + "\n")
    refused_quickly(path, "more than 200 columns", seconds=2)


def test_repeated_headers_get_their_column_number_in_linear_time(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(",".join(["a"] * 200) + "\n" + ",".join(["1"] * 200) + "\n")
    started = time.perf_counter()
    read = read_sheet(path)
    assert time.perf_counter() - started < 1
    assert read.headers[:3] == ["a", "a (2)", "a (3)"] and len(set(read.headers)) == 200
    assert sheet_reading._unique_headers(["x", "x (2)", "x", ""]) == \
        ["x", "x (2)", "x (3)", "Column 4"]


def test_csv_neither_utf8_nor_windows_1252_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Date;Objet\n01/06/2025;\x81\x8d\x8f\x90\x9d\n")
    refused_quickly(path, "neither UTF-8 nor Windows-1252", seconds=2)


def test_a_csv_field_over_the_csv_limit_is_refused_clearly(tmp_path):
    path = tmp_path / "huge_field.csv"
    path.write_text('Date;Objet\n01/06/2025;"' + "x" * 200_000 + '"\n')
    assert "Line 2 has a cell of more than 32,767" in refused_quickly(path, "Line 2")


def test_a_csv_cell_longer_than_a_spreadsheet_cell_is_refused(tmp_path):
    path = tmp_path / "long_cell.csv"
    path.write_text("Date;Objet\n01/06/2025;" + "x" * 40_000 + "\n")
    refused_quickly(path, "Line 2 has a cell of more than 32,767 characters", seconds=2)


def test_a_line_of_millions_of_characters_is_refused(tmp_path):
    path = tmp_path / "long_line.csv"
    path.write_text("Date;Objet\n" + "x" * 3_000_000 + "\n")
    refused_quickly(path, "Line 2 is longer than 1,000,000 characters", seconds=2)


BAD_CELLS = ["99999999999999999999/1/1", "1/1/99999999999999999999", "9" * 5000,
             "99999999999999999999999", 10**30, 10**400, float("inf"), float("nan"), "²", "٣",
             "1²", "1e309", "-1", "0x10", "1.2.3", "\x00"]
# Malformed cells of a required field reject the row; of an optional field, they are left
# empty and the row kept with a note. Either way the message stays short.
MUST_REJECT = {
    "date": ["99999999999999999999/1/1", "1/1/99999999999999999999", "9" * 5000, "²", "٣"],
    "outcome": ["99999999999999999999999", 10**30, 10**400, float("inf"), float("nan"), "²",
                "٣", "1²", "0x10"],
    "brand": [],
}
MUST_NOTE = {
    "weight": ["99999999999999999999999", 10**30, 10**400, float("inf"), float("nan"), "²",
               "٣", "1²", "1e309", "-1", "0x10", "1.2.3"],
    "age": ["9" * 5000, "99999999999999999999999", 10**30, 10**400, "²", "٣", "1²"],
    "barrier": ["9" * 5000, 10**30, 10**400, "²", "٣", "1²", "-1", "0x10"],
}


def malformed_report(session, world, field):
    headers = ["Date", "Objet", "Poids", "Age", "Réparé", "Raison", "Marque"]
    columns = {"date": "Date", "category": "Objet", "weight": "Poids", "age": "Age",
               "outcome": "Réparé", "barrier": "Raison", "brand": "Marque"}
    good = {"date": "01/06/2025", "weight": "1,2", "age": "5", "outcome": "non",
            "barrier": "1", "brand": "Moulinex"}
    rows = []
    for line, bad in enumerate(BAD_CELLS, start=2):
        values = {**good, field: bad}
        rows.append((line, [values["date"], "toaster", values["weight"], values["age"],
                            values["outcome"], values["barrier"], values["brand"]]))
    sheet = sheet_reading.Sheet("bad.csv", headers, rows)
    mapping = ColumnMapping(columns, "", "dmy", world.site.id)
    report = sheet_planning.plan_import(session, sheet, mapping, group_id=world.group.id,
                                        today=NOW.date())
    assert report.rows_read == len(BAD_CELLS)
    assert "NUL character" in {r.line: r.reason for r in report.rejected}[len(BAD_CELLS) + 1]
    return report


def line_of(bad):
    return next(n for n, cell in enumerate(BAD_CELLS, start=2) if repr(cell) == repr(bad))


@pytest.mark.parametrize("field", list(MUST_REJECT))
def test_malformed_numbers_and_dates_are_row_errors(session, world, field):
    report = malformed_report(session, world, field)
    rejected = {r.line: r.reason for r in report.rejected}
    for bad in [*MUST_REJECT[field], "\x00"]:
        assert line_of(bad) in rejected, (field, bad)
        assert len(rejected[line_of(bad)]) < 300


@pytest.mark.parametrize("field", list(MUST_NOTE))
def test_malformed_optional_numbers_are_dropped_with_a_short_note(session, world, field):
    report = malformed_report(session, world, field)
    notes = {n.line: n for n in report.notes}
    planned = {p.line: p for p in report.planned}
    for bad in MUST_NOTE[field]:
        line = line_of(bad)
        assert line in planned and notes[line].field == field, (field, bad)
        assert len(str(notes[line])) < 400
    assert {r.line for r in report.rejected} == {len(BAD_CELLS) + 1}


def test_long_category_and_barrier_cells_are_matched_quickly(session, world):
    many_words = " ".join(["schotel"] * 4000)
    one_word = "x" * 30_000
    headers = ["Date", "Objet", "Réparé", "Raison"]
    rows = [(line, ["01/06/2025", f"{cell} {line}", "non", f"{cell} {line}"])
            for line, cell in enumerate([many_words, one_word] * 20, start=2)]
    sheet = sheet_reading.Sheet("long.csv", headers, rows)
    mapping = ColumnMapping({"date": "Date", "category": "Objet", "outcome": "Réparé",
                             "barrier": "Raison"}, "", "dmy", world.site.id)
    started = time.perf_counter()
    report = sheet_planning.plan_import(session, sheet, mapping, group_id=world.group.id,
                                        today=NOW.date())
    assert time.perf_counter() - started < 3
    assert len(report.planned) == 40 and report.rejected == []
    assert {n.field for n in report.notes} == {"category", "barrier"}
    assert all(len(str(n)) < 400 for n in report.notes)
