"""Spreadsheet import: files as cafés keep them, every bad row reported, idempotent re-runs."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from repaircafe.domain.errors import Refused
from repaircafe.interop.sheets.services import (
    sheet_import,
    sheet_mapping,
    sheet_planning,
    sheet_reading,
)
from repaircafe.models import Item, LifecycleEvent, RepairSession, SheetMapping
from tests.factories import NOW

FRENCH = (
    "N°;Date;Objet;Marque;Panne;Poids;Réparé ?;Raison;Âge\n"
    "1;14/06/2025;Grille-pain;Moulinex;ne chauffe plus;1,2 kg;oui;;5 ans\n"
    "2;14/06/2025;Electrical ~ Lamp;;interrupteur;800 g;non;pièces trop chères;2015\n"
    ";;;;;;;;\n"
    "3;07/06/2025;Vélo;Peugeot;crevaison;12;en partie;;\n"
    "4;32/06/2025;Bouilloire;;fuite;1;oui;;\n"
    "5;13/06/2025;Chose bizarre;;?;;oui;;\n"
    "6;13/06/2025;Lampe;;;;peut-être;;\n"
    "3;16/06/2025;Lampe;;doublon;;oui;;\n"
    "7;14/07/2031;Lampe;;futur;;oui;;\n"
    "8;13/06/2025;Ventilateur;;bruit;abc;oui;;\n"
    "9;13/06/2025;Radio;;grésille;;oui;Trop usé;\n"
)


def french_sheet(tmp_path, encoding="cp1252"):
    path = tmp_path / "cafe.csv"
    path.write_bytes(FRENCH.encode(encoding))
    return sheet_reading.read_sheet(path)


def run(session, world, sheet, mapping=None, *, dry_run=False, actor="coordinator"):
    mapping = mapping or sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    return sheet_import.import_sheet(session, sheet, mapping, group_id=world.group.id,
                                     actor=world.actor(actor), now=NOW, dry_run=dry_run)


def test_headers_in_french_are_guessed(tmp_path):
    sheet = french_sheet(tmp_path)
    mapping = sheet_mapping.guess_mapping(sheet.headers, [r for _, r in sheet.rows])
    assert mapping.columns == {
        "date": "Date", "category": "Objet", "brand": "Marque", "problem": "Panne",
        "weight": "Poids", "outcome": "Réparé ?", "barrier": "Raison", "age": "Âge"}
    assert mapping.date_order == "dmy"


def test_dry_run_shows_what_would_be_created_and_every_rejected_row(session, world, tmp_path):
    sheet = french_sheet(tmp_path)
    mapping = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    mapping.key = "N°"
    report = run(session, world, sheet, mapping, dry_run=True)
    assert [p.line for p in report.planned] == [2, 3, 5, 7, 11, 12], report.rejected
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {6, 8, 9, 10}
    assert "not a date" in reasons[6]
    assert "not an outcome" in reasons[8]
    assert "Same key as line 5" in reasons[9]
    assert "future" in reasons[10]
    notes = {n.line: str(n) for n in report.notes}
    assert set(notes) == {7, 11, 12}
    assert notes[7].startswith("Category “Chose bizarre” dropped") and "not a category" in notes[7]
    assert notes[11].startswith("Weight (kg) “abc” dropped") and "not a weight" in notes[11]
    assert notes[12].startswith("Barrier (End of life) “Trop usé” dropped")
    assert "barrier only goes with" in notes[12]
    assert report.blank == 1
    assert report.rows_read + report.blank == len(sheet.rows)
    odd, fan, radio = report.planned[3:]
    assert (odd.category, fan.weight_kg, radio.barrier, radio.outcome) == (
        None, None, None, "fixed")
    toaster, lamp, bike = report.planned[:3]
    assert (toaster.category, toaster.weight_kg, toaster.outcome, toaster.age_years) == (
        "toaster", 1.2, "fixed", 5.0)
    assert (lamp.category, lamp.weight_kg, lamp.outcome, lamp.barrier, lamp.age_years) == (
        "lamp", 0.8, "end_of_life", 2, 10.0)
    assert (bike.category, bike.outcome, bike.held_on) == ("bicycle", "repairable",
                                                          date(2025, 6, 7))
    assert report.new_sessions == [("Cathays Library", date(2025, 6, 7)),
                                   ("Cathays Library", date(2025, 6, 13))]
    assert session.exec(select(func.count()).select_from(Item)).one() == 0


def test_import_creates_objects_attempts_and_sessions_once(session, world, tmp_path):
    sheet = french_sheet(tmp_path, encoding="utf-8")
    mapping = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    mapping.key = "N°"
    report = run(session, world, sheet, mapping)
    assert report.written and len(report.planned) == 6 and report.attempts == 6
    items = session.exec(select(Item).order_by(Item.id)).all()
    assert [(i.state, i.source_id) for i in items] == [
        ("fixed", "1"), ("end_of_life", "2"), ("awaiting_part", "3"), ("fixed", "5"),
        ("fixed", "8"), ("fixed", "9")]
    assert session.exec(select(func.count()).select_from(LifecycleEvent)).one() == 12
    assert session.exec(select(func.count()).select_from(RepairSession)).one() == 4
    again = run(session, world, sheet, mapping)
    assert again.planned == [] and again.existing == [2, 3, 5, 7, 11, 12]
    assert session.exec(select(func.count()).select_from(Item)).one() == 6
    saved = session.exec(select(SheetMapping)).one()
    assert saved.mapping["key"] == "N°" and saved.mapping["columns"]["date"] == "Date"


def test_saved_mapping_is_used_for_the_next_file(session, world, tmp_path):
    sheet = french_sheet(tmp_path)
    mapping = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    mapping.key, mapping.columns["problem"] = "N°", "Marque"
    run(session, world, sheet, mapping)
    assert sheet_import.mapping_for(session, sheet, group_id=world.group.id).columns[
        "problem"] == "Marque"


def test_rows_without_key_column_are_known_by_their_content(session, world, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("date,item,fixed?\n2025-06-01,toaster,yes\n2025-06-01,toaster,yes\n"
                    "2025-06-02,kettle,no\n", encoding="utf-8")
    sheet = sheet_reading.read_sheet(path)
    first = run(session, world, sheet)
    assert len(first.planned) == 2
    assert [r.reason for r in first.rejected] == ["Same key as line 2: the row is there twice."]
    second = run(session, world, sheet)
    assert second.planned == [] and len(second.existing) == 2


def test_error_file_holds_the_rejected_rows_with_reasons(session, world, tmp_path):
    sheet = french_sheet(tmp_path)
    mapping = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    mapping.key = "N°"
    report = run(session, world, sheet, mapping, dry_run=True)
    text = sheet_planning.error_file(sheet, report)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [*sheet.headers, "Error"]
    assert len(rows) == 1 + len(report.rejected)
    assert rows[1][:3] == ["4", "32/06/2025", "Bouilloire"]
    assert rows[1][-1].startswith("line 6: ")


def test_xlsx_with_real_dates_serials_and_english_headers(session, world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Ref", "Visit date", "Category", "Weight (kg)", "Result", "Venue"])
    sheet.append([101, datetime(2025, 5, 3), "Kettle", 1.1, "Fixed", "Cathays Library"])
    sheet.append([102, 45780, "Toaster", "0,9", "End of life", "cathays library"])
    sheet.append([103, "05/03/2025", "Laptop", None, "Repairable", "Nowhere Hall"])
    path = tmp_path / "cafe.xlsx"
    book.save(path)
    read = sheet_reading.read_sheet(path)
    mapping = sheet_import.mapping_for(session, read, group_id=world.group.id)
    assert mapping.columns["site"] == "Venue" and mapping.columns["outcome"] == "Result"
    mapping.key = "Ref"
    report = run(session, world, read, mapping)
    assert [p.held_on for p in report.planned] == [date(2025, 5, 3), date(2025, 5, 3)]
    assert [r.reason for r in report.rejected] == ["Unknown site “Nowhere Hall”."]
    assert session.exec(select(Item.source_id).order_by(Item.id)).all() == ["101", "102"]


def test_only_importers_of_the_group_may_import(session, world, tmp_path):
    sheet = french_sheet(tmp_path)
    with pytest.raises(Refused):
        run(session, world, sheet, actor="fixer")
    mapping = sheet_mapping.ColumnMapping({"date": "Date"})
    with pytest.raises(Refused):
        sheet_import.import_sheet(session, sheet, mapping, group_id=world.other_group.id,
                                  actor=world.actor("coordinator"), now=NOW)


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("14/06/2025", "dmy", date(2025, 6, 14)), ("06/14/2025", "mdy", date(2025, 6, 14)),
    ("14.06.25", "dmy", date(2025, 6, 14)), ("2025-06-14", "dmy", date(2025, 6, 14)),
    ("14 juin 2025", "dmy", date(2025, 6, 14)), ("June 14, 2025", "dmy", date(2025, 6, 14)),
    ("14/06/2025 10:30", "dmy", date(2025, 6, 14)), ("20250614", "dmy", date(2025, 6, 14)),
])
def test_local_date_forms(text, order, expected):
    assert sheet_mapping.parse_date(text, order) == expected


@pytest.mark.parametrize(("cell", "outcome"), [
    ("Oui", "fixed"), ("NON", "end_of_life"), ("½", "repairable"), ("Repairable", "repairable"),
    ("End of life", "end_of_life"), ("", "unknown"), (1, "fixed"), ("ja", "fixed"),
    (True, "fixed"),
])
def test_outcome_words(cell, outcome):
    assert sheet_mapping.parse_outcome(cell) == outcome


def test_weights_with_commas_units_and_grams():
    assert sheet_mapping.parse_weight_cell("1,5") == 1.5
    assert sheet_mapping.parse_weight_cell("1 200 g") == 1.2
    assert sheet_mapping.parse_weight_cell("2 kg") == 2.0
    assert sheet_mapping.parse_weight_cell(None) is None
    with pytest.raises(Refused):
        sheet_mapping.parse_weight_cell("heavy")


def test_text_longer_than_its_column_is_cut_with_a_note_unless_required(session, world):
    headers = ["Date", "Marque", "Panne", "Réparé"]
    rows = [(2, ["01/06/2025", "M" * 150, "p" * 2500, "oui"])]
    sheet = sheet_reading.Sheet("long.csv", headers, rows)
    mapping = sheet_mapping.ColumnMapping(
        {"date": "Date", "brand": "Marque", "problem": "Panne", "outcome": "Réparé"},
        "", "dmy", world.site.id)
    report = sheet_planning.plan_import(session, sheet, mapping, group_id=world.group.id,
                                        today=NOW.date())
    (planned,) = report.planned
    assert (len(planned.brand), len(planned.problem)) == (120, 2000)
    assert [str(n) for n in report.notes] == ["Brand cut to its first 120 characters.",
                                              "Problem cut to its first 2,000 characters."]
    mapping.required = ("brand",)
    strict = sheet_planning.plan_import(session, sheet, mapping, group_id=world.group.id,
                                        today=NOW.date())
    assert [r.reason for r in strict.rejected] == [
        "Brand is too long (150 characters, at most 120)."]
