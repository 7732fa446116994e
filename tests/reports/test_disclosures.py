"""What a report discloses beside its figures: stand-in categories with their share of the CO2e,
outcome coverage beside every success rate, which weight each figure uses, doubtful weights,
flows the area does not record, the data licence, trend buckets and spreadsheet formats."""

import dataclasses
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from reports import (
    CategoryAssumption,
    DoubtfulWeight,
    build_report,
    render_pdf,
    render_xlsx,
    success_rate,
)
from reports.impact import bucket_of, trend_unit
from reports.tables import methodology_lines
from tests.reports import test_formats


def pdf_pages(data: bytes) -> list[str]:
    """Page texts, with the subscript of CO2 read back in line."""
    return [p.replace("CO2 e", "CO2e") for p in test_formats.pdf_pages(data)]


CHARGER = CategoryAssumption("battery-charger-adapter", "substitute", "PC accessory")
LAPTOP = CategoryAssumption("laptop", "size", "Laptop medium")


def _with_charger(records: pd.DataFrame) -> pd.DataFrame:
    """The fixture's kettle (22.16 kg CO2e) becomes a battery charger scored as PC accessory."""
    out = records.copy()
    kettle = out["category"] == "kettle"
    out.loc[kettle, "category"] = "battery-charger-adapter"
    out.loc[kettle, "category_name"] = "Battery/charger/adapter"
    return out


def test_each_stand_in_category_is_listed_with_its_exact_share_of_co2e(records, meta_for):
    r = build_report(_with_charger(records), None, None,
                     meta_for(assumptions=(CHARGER, LAPTOP,
                                           CategoryAssumption("fan", "substitute", "Fan"))))
    total = r.headline.co2e_avoided_kg
    rows = r.assumptions.set_index("category")
    assert set(rows.index) == {"battery-charger-adapter", "laptop"}  # no fan in the report
    assert rows.loc["battery-charger-adapter", "share_of_co2e"] == 22.16 / total
    assert rows.loc["laptop", "share_of_co2e"] == 132.66 / total
    assert rows.loc["battery-charger-adapter", "scored_as"] == "PC accessory"
    text = "\n".join(pdf_pages(render_pdf(r)))
    share = f"{22.16 / total * 100:.1f}%"
    assert f"Battery/charger/adapter scored as PC accessory ({share} of CO2e)" in text
    assert "Laptop assumed to be Laptop medium" in text
    assert "Categories scored through another category" in text


def test_every_success_rate_says_how_many_outcomes_are_known(records, meta):
    r = build_report(records, None, None, meta)
    s = r.headline.success
    assert (s.fixed, s.known, s.objects) == (5, 9, 10)
    assert s.rate == r.headline.repair_success_rate == 5 / 9
    pages = pdf_pages(render_pdf(r))
    assert "55.6% of known outcomes; 10.0% unknown" in pages[0]
    trend = next(p for p in pages if "Monthly trend" in p or "Success = fixed" in p)
    assert "Success = fixed objects / objects with a known outcome." in "\n".join(pages)
    assert "of known outcomes" in trend


def test_one_success_rate_definition():
    s = success_rate(fixed=13, repairable=5, end_of_life=3, unknown=42)
    assert s.rate == 13 / 21 and s.known_share == 21 / 63 and s.unknown_share == 42 / 63
    assert success_rate(0, 0, 0, 4).rate is None


def test_methodology_says_which_weight_each_figure_uses(records, meta_for):
    restart = build_report(records, None, None,
                           meta_for(weight_basis={"category_average": 4, "recorded": 1,
                                                  "none": 0}))
    text = " ".join(methodology_lines(restart))
    assert "even when a weight was measured or estimated" in text
    assert "A recorded weight (measured, else estimated) is used only for Misc and " \
           "non-electric objects" in text
    assert "4 credited objects rest on a category average weight, 1 on a recorded weight" in text
    assert "Waste prevented is the object's weight" not in text
    measured = build_report(records, None, None, meta_for(weight_policy="measured_first",
                                                           factor_set_name="measured-2021"))
    text = " ".join(methodology_lines(measured))
    assert "kept in use is the recorded weight (measured, else estimated) where there is one" \
        in text
    assert "even when a weight was measured" not in text


def test_doubtful_weights_are_listed_by_object_code(records, meta_for):
    lamp = DoubtfulWeight("WXSK-B4BY-D", "Lamp", 499.0, 0.7, "too_heavy")
    r = build_report(records, None, None, meta_for(doubtful_weights=(lamp,)))
    text = "\n".join(pdf_pages(render_pdf(r)))
    assert "look implausible for their category" in text and ": 1. Worth checking" in text
    assert "WXSK-B4BY-D (Lamp, 499 kg recorded)" in text
    clean = "\n".join(pdf_pages(render_pdf(build_report(records, None, None, meta_for()))))
    assert "No recorded weight in this report looks implausible" in clean


def test_flows_the_area_does_not_record_read_not_recorded(records, parts, recycling, meta_for):
    r = build_report(records, None, None, meta_for(recorded_flows=frozenset()))
    assert not r.headline.recycling_recorded and not r.headline.parts_recorded
    first = pdf_pages(render_pdf(r))[0]
    assert first.count("Not recorded") >= 3  # parts, recycled, recycling credit
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(r)))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Recycled (kg)"] == "Not recorded" and summary["Parts reused"] == "Not recorded"
    # recorded, even if nothing happened in the period: a true zero
    zero = build_report(records, None, None,
                        meta_for(recorded_flows=frozenset({"parts", "recycling"})))
    assert zero.headline.recycling_recorded and "Not recorded" not in pdf_pages(
        render_pdf(zero))[0]
    assert build_report(records, parts, recycling, meta_for()).headline.recycling_recorded


def test_licence_attribution_only_with_imported_records(records, meta_for):
    imported = build_report(records, None, None,
                            meta_for(data_providers=("Repair Café Wales", "anstiftung")))
    text = "\n".join(pdf_pages(render_pdf(imported)))
    assert "records from Repair Café Wales, anstiftung, licensed under CC BY-SA 4.0" in text
    assert "Data licence" in text
    own = "\n".join(pdf_pages(render_pdf(build_report(records, None, None, meta_for()))))
    assert "CC BY-SA" not in own


def test_units_are_consistent_in_the_headline(records, meta_for):
    big = records.copy()
    big["waste_prevented_kg"] = big["waste_prevented_kg"] * 1000
    first = pdf_pages(render_pdf(build_report(big, None, None, meta_for())))[0]
    headline = first.split("Headline figures")[1].split("CO2e avoided by repair")[0]
    assert " t " in headline + " " and " kg" not in headline
    small = pdf_pages(render_pdf(build_report(records, None, None, meta_for())))[0]
    headline = small.split("Headline figures")[1].split("CO2e avoided by repair")[0]
    assert "0.05 t" not in headline and "48.5 kg Back in use" in headline


def test_a_report_recomputed_under_the_conservative_set_shows_no_range(records, meta_for):
    meta = meta_for(factor_set_name="conservative-2021", displacement=0.3,
                    recomputed_label="conservative-2021 v1 (recomputed)")
    first = pdf_pages(render_pdf(build_report(records, None, None, meta)))[0]
    assert "CO2e avoided (conservative-2021)" in first
    assert "(central)" not in first and "lies between" not in first
    assert "under the conservative factor set conservative-2021" in first
    text = "\n".join(pdf_pages(render_pdf(build_report(records, None, None, meta))))
    assert "CO2e (kg)" in text and "CO2e conservative (kg)" not in text
    assert "CO2e central" not in text


@pytest.mark.parametrize(("start", "end", "unit", "buckets"), [
    (dt.date(2024, 1, 1), dt.date(2025, 12, 31), "month", 24),
    (dt.date(2023, 1, 1), dt.date(2025, 12, 31), "quarter", 12),
    (dt.date(2018, 1, 1), dt.date(2025, 12, 31), "year", 8),
])
def test_long_periods_trend_by_quarter_then_by_year(records, meta_for, start, end, unit,
                                                     buckets):
    assert trend_unit(start, end) == unit
    r = build_report(records, None, None, meta_for(period_start=start, period_end=end))
    assert r.trend_unit == unit and len(r.trend) == buckets
    assert r.trend["objects"].sum() == 10
    key = bucket_of("2025-02", unit)
    row = r.trend.set_index("bucket").loc[key]
    if unit != "month":
        assert row["objects"] == 10 and row["success_rate"] == pytest.approx(5 / 9)
    text = "\n".join(pdf_pages(render_pdf(r)))
    heading = {"month": "Monthly trend", "quarter": "Trend by quarter", "year": "Trend by year"}
    assert heading[unit] in text
    assert {"quarter": "2025-Q1", "year": "2018", "month": "2024-01"}[unit] in text


def test_french_quarters_read_t(records, meta_for, french):
    meta = meta_for("fr", period_start=dt.date(2023, 1, 1), period_end=dt.date(2025, 12, 31))
    r = build_report(records, None, None, meta, french)
    assert "2025-T1" in list(r.trend["label"])


def test_xlsx_number_formats(records, parts, recycling, meta):
    r = build_report(records, parts, recycling, meta)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(r)))
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Repair success rate"].number_format == "0.0%"
    assert summary["Records with a category"].value == 9  # a count, not a share
    assert summary["Share of records with a category"].value == pytest.approx(0.9)
    assert summary["Share of records with a category"].number_format == "0.0%"
    assert summary["Kept in use (kg)"].number_format == "#,##0.00"
    monthly = book["Monthly"]
    head = [c.value for c in monthly[1]]
    second = monthly[2]
    assert second[head.index("success_rate")].number_format == "0.0%"
    assert second[head.index("waste_prevented_kg")].number_format == "#,##0.00"
    outcomes = book["Outcomes"]
    head = [c.value for c in outcomes[1]]
    assert outcomes[2][head.index("share")].number_format == "0.0%"
    eu = book["EU re-use"]
    head = [c.value for c in eu[1]]
    assert eu[2][head.index("reused_tonnes")].number_format == "#,##0.000"


def test_meta_defaults_keep_older_callers_working(records, meta):
    plain = dataclasses.replace(meta)
    r = build_report(records, None, None, plain)
    assert r.assumptions.empty and r.headline.recycling_recorded is False


def test_xlsx_lists_stand_ins_and_weights_to_check(records, meta_for):
    lamp = DoubtfulWeight("WXSK-B4BY-D", "Lamp", 499.0, 0.7, "too_heavy")
    r = build_report(_with_charger(records), None, None,
                     meta_for(assumptions=(CHARGER,), doubtful_weights=(lamp,)))
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(r)))
    rows = list(book["Assumptions"].iter_rows(values_only=True))
    head = rows[0]
    stand_in = dict(zip(head, rows[1], strict=True))
    check = dict(zip(head, rows[2], strict=True))
    assert stand_in["key"] == "battery-charger-adapter" and stand_in["scored_as"] == "PC accessory"
    assert stand_in["share_of_co2e"] == pytest.approx(22.16 / r.headline.co2e_avoided_kg)
    assert (check["key"], check["weight_kg"]) == ("WXSK-B4BY-D", 499.0)
