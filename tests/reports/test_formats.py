"""CSV, XLSX and PDF renderings: what a council officer (or their spreadsheet) will see."""

import csv
import datetime as dt
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pypdfium2 as pdfium
import pytest

from reports import SHEETS, build_report, render_csv, render_pdf, render_xlsx
from reports.impact import TIDY_COLUMNS

NBSP = "\u00a0"


def pdf_pages(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    try:
        texts = []
        for page in doc:
            tp = page.get_textpage()
            texts.append(re.sub(r"\s+", " ", tp.get_text_range().replace(NBSP, " ")))
            tp.close()
            page.close()
        return texts
    finally:
        doc.close()


@pytest.fixture
def report(records, parts, recycling, meta):
    return build_report(records, parts, recycling, meta)


def test_csv_is_tidy_with_exact_columns(report):
    rows = list(csv.DictReader(io.StringIO(render_csv(report).decode("utf-8"))))
    assert list(rows[0]) == TIDY_COLUMNS
    assert TIDY_COLUMNS[:8] == [
        "period",
        "scope",
        "category",
        "outcome",
        "objects",
        "waste_prevented_kg",
        "co2e_avoided_kg",
        "co2e_avoided_conservative_kg",
    ]
    keys = [(r["period"], r["scope"], r["category"], r["outcome"]) for r in rows]
    assert len(keys) == len(set(keys)), "one row per period x scope x category x outcome"
    assert sum(int(r["objects"]) for r in rows) == 10
    assert {r["scope"] for r in rows} == {"Ville de Testbourg"}
    laptop = next(r for r in rows if r["category"] == "laptop")
    assert (laptop["period"], laptop["outcome"], float(laptop["co2e_avoided_kg"])) == (
        "2025-01",
        "fixed",
        132.66,
    )
    assert any(r["category"] == "uncategorised" for r in rows)
    assert sum(float(r["co2e_avoided_kg"]) for r in rows) == pytest.approx(
        report.headline.co2e_avoided_kg, abs=1e-2
    )


def test_xlsx_opens_and_has_the_expected_sheets(report):
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)), read_only=True)
    assert wb.sheetnames == list(SHEETS)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Objects received"] == 10
    assert summary["Scope"] == "Ville de Testbourg"
    data = list(wb["Data"].iter_rows(values_only=True))
    assert list(data[0]) == TIDY_COLUMNS
    eu = list(wb["EU re-use"].iter_rows(values_only=True))
    assert len(eu) == 6
    wb.close()


def test_pdf_states_scope_period_headline_pages_and_method(report):
    pages = pdf_pages(render_pdf(report))
    text = "\n".join(pages)
    assert "Ville de Testbourg" in pages[0] and "Q1 2025" in pages[0]
    for i, page in enumerate(pages, start=1):
        assert "Ville de Testbourg · Q1 2025" in page  # header on every page
        assert f"Page {i} of {len(pages)}" in page
    assert "Objects received" in pages[0] and "10" in pages[0]
    assert "55.6%" in pages[0]  # 5 fixed of 9 with a known outcome
    assert "268 kg" in pages[0] and "161 kg" in pages[0]  # central and conservative
    assert "48.5 kg" in pages[0]
    assert "Methodology" in pages[-1]
    assert "restart-2021" in pages[-1] and "displacement 0.5" in pages[-1]
    assert "conservative-2021" in pages[-1] and "displacement 0.3" in pages[-1]
    assert "10.5281/zenodo.5900046" in pages[-1]
    for heading in (
        "Breakdown by category",
        "Breakdown by site",
        "Barriers to repair",
        "Waste hierarchy",
        "Recycling by material",
        "Data coverage",
        "(EU) 2021/19",
    ):
        assert heading in text, heading


def test_pdf_in_french(records, parts, recycling, meta_for, french):
    r = build_report(records, parts, recycling, meta_for("fr"), french)
    pages = pdf_pages(render_pdf(r))
    text = "\n".join(pages)
    assert "Rapport de circularité" in pages[0]
    assert "1er trimestre 2025" in pages[0]
    assert "55,6 %" in pages[0] and "48,5 kg" in pages[0]
    assert f"Page 1 sur {len(pages)}" in pages[0]
    assert "Méthodologie" in pages[-1] and "taux de substitution 0,5" in pages[-1]
    assert "Équipements électriques et électroniques" in text
    assert "Pièces détachées indisponibles" in text


def test_pdf_mentions_recomputed_set(records, meta_for):
    r = build_report(records, None, None, meta_for(recomputed_label="measured-2021 v1"))
    assert "recomputed under factor set measured-2021 v1" in pdf_pages(render_pdf(r))[0]


def _many_categories(n_sites: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    cats = [f"category-{i:02d}" for i in range(60)]
    n = 1500
    outcome = rng.choice(["fixed", "repairable", "end_of_life", "unknown"], n)
    return pd.DataFrame(
        {
            "month": rng.choice(["2024-01", "2024-02", "2024-03"], n),
            "site": rng.choice([f"Site {i:02d}" for i in range(n_sites)], n),
            "category": rng.choice(cats, n),
            "outcome": outcome,
            "objects": rng.integers(1, 20, n),
            "barrier": np.where(outcome == "end_of_life", rng.integers(1, 7, n), None),
            "waste_prevented_kg": np.where(outcome == "fixed", 2.0, 0.0),
            "co2e_avoided_kg": np.where(outcome == "fixed", 40.0, 0.0),
            "co2e_avoided_conservative_kg": np.where(outcome == "fixed", 24.0, 0.0),
            "back_in_use": outcome == "fixed",
        }
    )


def test_long_tables_break_across_pages_with_their_header(meta_for):
    meta = meta_for(
        period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31), period_label="Q1 2024"
    )
    r = build_report(_many_categories(), None, None, meta)
    pages = pdf_pages(render_pdf(r))
    with_categories = [p for p in pages if "category-" in p]
    assert len(with_categories) >= 2, "the category table should continue on another page"
    for page in with_categories:
        assert "Category" in page and "Kept in use" in page, "header repeated on each page"
    for i in (0, 59):
        assert f"category-{i:02d}" in "\n".join(pages)
