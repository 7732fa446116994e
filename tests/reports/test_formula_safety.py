"""Report CSV and XLSX files never carry a cell a spreadsheet would run as a formula."""

import csv
import io

import openpyxl
import pandas as pd
import pytest

from reports import build_report, render_csv, render_xlsx
from reports.cells import safe_frame, safe_text

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
ATTACKS = (HYPERLINK, "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tTAB", "\rCR")


@pytest.mark.parametrize("text", ATTACKS)
def test_text_starting_with_a_formula_character_gets_a_quote(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["Cardiff", "", "a=b", "x-1", None, -2.5, 0, 3, True])
def test_other_values_are_left_alone(value):
    assert safe_text(value) is value


def test_frames_keep_numbers_as_numbers():
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "kg": [-2.5, 1.0], "n": [-3, 4],
                          "mixed": ["-x", -1.5]})
    safe = safe_frame(frame)
    assert list(safe["name"]) == ["'=1+1", "ok"]
    assert list(safe["kg"]) == [-2.5, 1.0] and safe["kg"].dtype == frame["kg"].dtype
    assert list(safe["n"]) == [-3, 4]
    assert list(safe["mixed"]) == ["'-x", -1.5]
    assert list(frame["name"]) == ["=1+1", "ok"], "the frame given is not changed"


@pytest.fixture
def hostile(records, parts, recycling, meta_for):
    """Sites named like formulas, and a report whose title and scope are formulas too."""
    names = {"Site A": HYPERLINK, "Site B": "+cmd|' /C calc'!A0"}
    records = records.assign(site=records["site"].map(names))
    recycling = recycling.assign(site=recycling["site"].map(names))
    meta = meta_for(title="@SUM(1+1)", scope_label="-2+3")
    return build_report(records, parts, recycling, meta)


def test_report_csv_quotes_formula_text(hostile):
    text = render_csv(hostile).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["scope"] for r in rows} == {"'-2+3"}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), row
            assert not value.startswith("-") or _is_number(value), row


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_report_xlsx_has_no_formula_and_quotes_formula_text(hostile):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(hostile)))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Circularity report"] == "'@SUM(1+1)"
    assert summary["Scope"] == "'-2+3"
    sites = {r[0] for r in book["Sites"].iter_rows(min_row=2, values_only=True)}
    assert {"'" + HYPERLINK, "'+cmd|' /C calc'!A0"} <= sites
    assert "'-2+3" in {r[1] for r in book["Data"].iter_rows(min_row=2, values_only=True)}
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    numbers = [c for s in book.worksheets for r in s.iter_rows() for c in r
               if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    assert numbers and all(c.data_type == "n" for c in numbers)
