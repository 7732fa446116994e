"""Cafés' own sheets in Dutch, German, French or English: headers, outcomes, barriers and
categories as volunteers write them, and cells that cannot be read kept with a note."""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

import pytest
from sqlmodel import select

from repaircafe.core.setup import category_rows
from repaircafe.domain import lifecycle
from repaircafe.interop.sheets.services import (
    sheet_import,
    sheet_mapping,
    sheet_reading,
    sheet_vocabulary,
)
from repaircafe.models import Category, Item, LifecycleEvent
from tests.factories import NOW
from tests.sheet_files import GERMAN_CSV, write_dutch_xlsx


def dutch_sheet(tmp_path) -> sheet_reading.Sheet:
    return sheet_reading.read_sheet(write_dutch_xlsx(tmp_path / "reparaties.xlsx"))


def german_sheet(tmp_path) -> sheet_reading.Sheet:
    path = tmp_path / "reparaturen.csv"
    path.write_text(GERMAN_CSV, encoding="utf-8")
    return sheet_reading.read_sheet(path)


def plan(session, world, sheet, *, dry_run=True, required=()):
    mapping = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    mapping.key = next(h for h in sheet.headers if h.strip() == "Nr")
    mapping.required = sheet_mapping.required_fields(required)
    report = sheet_import.import_sheet(session, sheet, mapping, group_id=world.group.id,
                                       actor=world.actor("coordinator"), now=NOW,
                                       dry_run=dry_run)
    return mapping, report


# --------------------------------------------------------------------------- the data file


def test_every_vocabulary_line_names_something_we_have():
    slugs = {row["slug"] for row in category_rows()}
    meanings = {
        "header": set(sheet_mapping.FIELDS),
        "outcome": {"fixed", "repairable", "end_of_life", "unknown"},
        "barrier": {str(code) for code in lifecycle.BARRIERS},
        "category": slugs,
        "month": {str(n) for n in range(1, 13)},
    }
    rows = sheet_vocabulary.rows()
    assert rows and {kind for kind, *_ in rows} == set(sheet_vocabulary.KINDS)
    for kind, meaning, lang, phrase in rows:
        assert meaning in meanings[kind], (kind, meaning, phrase)
        assert lang in {"en", "fr", "nl", "de", "es", "*"} and phrase.strip() == phrase != ""


def test_no_phrase_or_stem_means_two_things_of_one_kind():
    for kind in sheet_vocabulary.KINDS:
        exact: dict[str, str] = {}
        stems: dict[str, str] = {}
        for row_kind, meaning, _, phrase in sheet_vocabulary.rows():
            if row_kind != kind:
                continue
            for key in {sheet_vocabulary.fold(phrase), sheet_vocabulary.bare(phrase)} - {""}:
                assert exact.setdefault(key, meaning) == meaning, (kind, phrase, exact[key])
                for stem in sheet_vocabulary.stems(key):
                    assert stems.setdefault(stem, meaning) == meaning, (kind, phrase, stem)


def test_the_vocabulary_file_is_a_plain_csv_of_four_columns():
    text = resources.files("repaircafe").joinpath("data/sheet_vocabulary.csv").read_text()
    reader = csv.reader(text.splitlines())
    assert next(reader) == ["kind", "meaning", "lang", "phrase"]
    assert all(len(line) == 4 for line in reader)


# --------------------------------------------------------------------------- matching


@pytest.fixture(scope="module")
def categories() -> sheet_mapping.CategoryIndex:
    return sheet_mapping.CategoryIndex.build((r["slug"], r["name"]) for r in category_rows())


@pytest.mark.parametrize(("cell", "slug"), [
    ("Casque audio", "headphones"), ("Small kitchen item", "small-kitchen-item"),
    ("small kitchen items", "small-kitchen-item"), ("Koffiezetapparaat", "coffee-maker"),
    ("Koffie zetapparaat", "coffee-maker"), ("koffie-zetapparaat", "coffee-maker"),
    ("Koffiezetapparaten", "coffee-maker"), ("Kaffeemaschine", "coffee-maker"),
    ("Stofzuiger", "vacuum"), ("Staubsauger", "vacuum"), ("Strijkijzer", "iron"),
    ("Bügeleisen", "iron"), ("Fer à repasser", "iron"), ("Lamp", "lamp"), ("Lampe", "lamp"),
    ("Lampe de chevet", "lamp"), ("Schreibtischlampe", "lamp"), ("Leeslamp", "lamp"),
    ("Broodrooster", "toaster"), ("Toaster", "toaster"), ("Fiets", "bicycle"),
    ("Elektrische fiets", "bicycle"), ("Fahrrad", "bicycle"), ("Naaimachine", "sewing-machine"),
    ("Nähmaschine", "sewing-machine"), ("Radio", "portable-radio"), ("Laptop", "laptop"),
    ("Telefoon", "mobile"), ("Mobiele telefoon", "mobile"), ("Handy", "mobile"),
    ("Staafmixer", "food-processor"), ("Electrical ~ Lamp", "lamp"), ("TV", "flat-screen"),
    ("Household (non-electric)", "household-unpowered"),
    ("Telefoonoplader", "battery-charger-adapter"), ("Wasmachine", "large-home-electrical"),
    ("Lichterkette", "decorative-safety-lights"), ("Fer à lisser", "hair-beauty-item"),
])
def test_category_words_and_their_variants(categories, cell, slug):
    assert categories.find(cell) == slug


def test_a_short_word_inside_a_longer_one_is_not_a_category(categories):
    with pytest.raises(sheet_mapping.Refused):
        categories.find("Vliegende schotel")
    with pytest.raises(sheet_mapping.Refused):
        categories.find("Xy pq")


@pytest.mark.parametrize(("cell", "outcome"), [
    ("Gerepareerd", "fixed"), ("Deels", "repairable"), ("Gedeeltelijk", "repairable"),
    ("Deels gerepareerd", "repairable"), ("Niet gerepareerd", "end_of_life"), ("Nee", "end_of_life"),
    ("Repariert", "fixed"), ("Teilweise", "repairable"), ("Nicht repariert", "end_of_life"),
    ("Onbekend", "unknown"), ("Unbekannt", "unknown"),
])
def test_dutch_and_german_outcomes(cell, outcome):
    assert sheet_mapping.parse_outcome(cell) == outcome


@pytest.mark.parametrize(("cell", "code"), [
    ("Onderdelen niet verkrijgbaar", 1), ("Ersatzteile nicht erhältlich", 1),
    ("Geen onderdelen", 1), ("Te duur", 2), ("Zu teuer", 2), ("Niet te openen", 3),
    ("Lässt sich nicht öffnen", 3), ("Geen informatie", 4), ("Keine Anleitung", 4),
    ("Geen gereedschap", 5), ("Werkzeug fehlt", 5), ("Versleten", 6), ("Verschlissen", 6),
    ("Helaas: onderdelen te duur", 2), ("Spare parts not available", 1), ("4", 4),
])
def test_dutch_and_german_barriers(cell, code):
    assert sheet_mapping.parse_barrier(cell) == code


def test_dutch_and_german_headers_with_odd_spacing_and_case():
    assert sheet_mapping.guess_columns(["Nr", "DATUM", "categorie", "Merk", "KLACHT",
                                        "Gewicht (kg)", "Uitkomst", "Reden", "Leeftijd"]) == {
        "date": "DATUM", "category": "categorie", "brand": "Merk", "problem": "KLACHT",
        "weight": "Gewicht (kg)", "outcome": "Uitkomst", "barrier": "Reden", "age": "Leeftijd"}
    assert sheet_mapping.guess_columns(["Datum", "Kategorie", "Marke", "Problem", "Gewicht",
                                        "Ergebnis", "Grund"]) == {
        "date": "Datum", "category": "Kategorie", "brand": "Marke", "problem": "Problem",
        "weight": "Gewicht", "outcome": "Ergebnis", "barrier": "Grund"}
    assert sheet_mapping.guess_columns(["Probleem", "Resultaat"]) == {
        "problem": "Probleem", "outcome": "Resultaat"}


def test_a_header_of_several_words_goes_by_its_first_word():
    assert sheet_mapping.guess_columns(["Merk/Type", "Reden niet gerepareerd", "Gerepareerd?",
                                        "Leeftijd apparaat", "Datum reparatie",
                                        "Omschrijving klacht"]) == {
        "brand": "Merk/Type", "barrier": "Reden niet gerepareerd", "outcome": "Gerepareerd?",
        "age": "Leeftijd apparaat", "date": "Datum reparatie", "problem": "Omschrijving klacht"}


def test_dutch_month_names_in_dates():
    assert sheet_mapping.parse_date("7 juni 2025") == date(2025, 6, 7)
    assert sheet_mapping.parse_date("3. März 2025") == date(2025, 3, 3)


# --------------------------------------------------------------------------- whole files


def test_a_messy_dutch_workbook_imports_with_notes_for_bad_optional_cells(
        session, world, tmp_path):
    sheet = dutch_sheet(tmp_path)
    mapping, report = plan(session, world, sheet)
    assert mapping.columns == {
        "date": "DATUM", "category": "categorie", "brand": "Merk", "problem": "KLACHT",
        "weight": "Gewicht (kg)", "outcome": "Resultaat", "barrier": "Reden", "age": "Leeftijd"}
    assert mapping.ignored(sheet.headers) == ["Opmerking"]
    assert report.blank == 1
    assert [r.line for r in report.rejected] == [8]
    assert "“misschien” is not an outcome" in report.rejected[0].reason
    got = {p.line: (p.category, p.outcome, p.barrier, p.weight_kg) for p in report.planned}
    assert got == {
        2: ("coffee-maker", "fixed", None, 2.1),
        3: ("coffee-maker", "repairable", None, None),
        4: ("small-kitchen-item", "end_of_life", 1, 1.4),
        6: ("headphones", "fixed", None, 0.3),
        7: ("bicycle", "end_of_life", 2, None),
        9: (None, "repairable", None, None),
    }
    notes = {(n.line, n.field): str(n) for n in report.notes}
    assert set(notes) == {(3, "weight"), (3, "age"), (9, "category"), (9, "barrier")}
    assert notes[3, "weight"].startswith("Weight (kg) “ca. 2kg??” dropped, left empty: ")
    assert notes[3, "age"].startswith("Age or year of manufacture “old” dropped")
    assert "“Vliegende schotel” is not a category" in notes[9, "category"]
    assert "only goes with the outcome End of life" in notes[9, "barrier"]
    assert [p.age_years for p in report.planned if p.line in (2, 3)] == [5.0, None]
    assert "line 3: Weight (kg) “ca. 2kg??” dropped" in str(report)


def test_the_dutch_workbook_writes_what_the_dry_run_showed(session, world, tmp_path):
    sheet = dutch_sheet(tmp_path)
    _, report = plan(session, world, sheet, dry_run=False)
    assert report.written and len(report.planned) == 6
    items = session.exec(select(Item).order_by(Item.id)).all()
    slugs = dict(session.exec(select(Category.id, Category.slug)).all())
    assert [(i.source_id, slugs.get(i.category_id), i.weight_kg, i.state) for i in items] == [
        ("1", "coffee-maker", 2.1, "fixed"), ("2", "coffee-maker", None, "awaiting_part"),
        ("3", "small-kitchen-item", 1.4, "end_of_life"), ("4", "headphones", 0.3, "fixed"),
        ("5", "bicycle", None, "end_of_life"), ("7", None, None, "awaiting_part")]
    assert [i.partner_category for i in items] == [
        "Koffiezetapparaat", "Koffie zetapparaat", "Small kitchen item", "Casque audio",
        "Elektrische fiets", "Vliegende schotel"]
    barriers = [e.payload["barrier"] for e in session.exec(
        select(LifecycleEvent).where(LifecycleEvent.kind == "repair_attempted")
        .order_by(LifecycleEvent.id)).all()]
    assert barriers == [None, None, 1, None, 2, None]


def test_a_field_the_mapping_marks_required_rejects_its_bad_cells(session, world, tmp_path):
    sheet = dutch_sheet(tmp_path)
    _, report = plan(session, world, sheet, required=["weight", "category"])
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {3, 7, 8, 9}
    assert "“ca. 2kg??” is not a weight" in reasons[3]
    assert reasons[7] == "The Weight (kg) cell is empty."
    assert "“Vliegende schotel” is not a category" in reasons[9]


def test_a_german_csv_imports_with_its_outcomes_barriers_and_categories(
        session, world, tmp_path):
    sheet = german_sheet(tmp_path)
    mapping, report = plan(session, world, sheet)
    assert mapping.columns == {
        "date": "Datum", "category": "Kategorie", "brand": "Marke", "problem": "Fehler",
        "weight": "Gewicht", "outcome": "Ergebnis", "barrier": "Grund"}
    assert report.rejected == [] and report.notes == []
    assert [(p.category, p.outcome, p.barrier, p.weight_kg) for p in report.planned] == [
        ("vacuum", "fixed", None, 5.5), ("coffee-maker", "repairable", None, 3.0),
        ("iron", "end_of_life", 1, 1.2), ("sewing-machine", "end_of_life", 3, 8.0),
        ("mobile", "end_of_life", 2, 0.2), ("lamp", "fixed", None, 1.0)]
    assert {p.held_on for p in report.planned} == {date(2025, 6, 7)}


def test_the_mapping_in_words_names_each_field_its_column_and_the_ignored_ones(tmp_path):
    sheet = dutch_sheet(tmp_path)
    mapping = sheet_mapping.guess_mapping(sheet.headers, [r for _, r in sheet.rows])
    mapping.key = "Nr"
    lines = sheet_mapping.describe(mapping, sheet.headers, default_site="Cathays Library")
    assert lines[0] == "Column mapping:"
    assert "  Date of the session ← DATUM (required)" in lines
    assert "  Weight (kg) ← Gewicht (kg)" in lines
    assert "  Key ← Nr" in lines
    assert "  Site for rows without one: Cathays Library" in lines
    assert "Not in the file: Site, Model" in lines
    assert lines[-1] == "Ignored columns: Opmerking"


def test_the_fields_marked_required_are_kept_for_the_groups_next_file(session, world, tmp_path):
    sheet = german_sheet(tmp_path)
    plan(session, world, sheet, dry_run=False, required=["weight", "date", "nonsense"])
    saved = sheet_import.mapping_for(session, sheet, group_id=world.group.id)
    assert saved.required == ("weight",)
    assert saved.is_required("weight") and saved.is_required("outcome")
    assert not saved.is_required("age")
    assert sheet_mapping.ColumnMapping.from_dict({"columns": {}}).required == ()


def test_no_phrase_is_longer_than_the_stems_look_at():
    longest = max(len(sheet_vocabulary.bare(phrase)) for *_, phrase in sheet_vocabulary.rows())
    assert longest <= sheet_vocabulary.LONGEST_PHRASE
    assert sheet_mapping.parse_outcome("½") == "repairable"
    with pytest.raises(sheet_mapping.Refused):
        sheet_mapping.parse_outcome("12")
