"""`repaircafe import sheet`."""

from __future__ import annotations

from sqlmodel import func, select

from repaircafe.cli import cli
from repaircafe.models import Item
from tests.sheet_files import write_dutch_xlsx


def test_import_sheet_dry_run_then_import_with_error_file(runner, session, world, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("Nr;Datum;Gerät;Ergebnis\n1;01.06.2025;Toaster;ja\n2;02.06.2025;Toaster;"
                    "vielleicht\n", encoding="utf-8")
    args = ["import", "sheet", str(path), "--group", "Cardiff Fixers", "--key", "Nr",
            "--map", "category=Gerät", "--site", "Cathays Library"]
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would import 1 objects" in dry.output and "1 rejected" in dry.output
    assert session.exec(select(func.count()).select_from(Item)).one() == 0
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "Imported 1 objects" in done.output
    errors = (tmp_path / "visits.errors.csv").read_text(encoding="utf-8")
    assert "vielleicht" in errors and "not an outcome" in errors
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 1


def test_import_sheet_refuses_an_unknown_column(runner, world, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("date,item\n2025-06-01,toaster\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", "sheet", str(path), "--group", "Cardiff Fixers",
                                 "--key", "Ref"])
    assert result.exit_code == 1 and "no such column" in result.output


def test_dry_run_prints_the_column_mapping_and_the_notes(runner, session, world, tmp_path):
    path = write_dutch_xlsx(tmp_path / "reparaties.xlsx")
    dry = runner.invoke(cli, ["import", "sheet", str(path), "--group", "Cardiff Fixers",
                              "--key", "Nr", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    for line in ["Column mapping:", "  Date of the session ← DATUM (required)",
                 "  Category ← categorie", "  Brand ← Merk", "  Problem ← KLACHT",
                 "  Weight (kg) ← Gewicht (kg)", "  Outcome ← Resultaat (required)",
                 "  Barrier (End of life) ← Reden", "  Age or year of manufacture ← Leeftijd",
                 "  Key ← Nr", "  Site for rows without one: Cathays Library",
                 "Not in the file: Site, Model", "Ignored columns: Opmerking"]:
        assert line in lines, dry.output
    assert "Would import 6 objects" in dry.output and "1 rejected" in dry.output
    assert "  line 3: Weight (kg) “ca. 2kg??” dropped, left empty: " in dry.output
    assert session.exec(select(func.count()).select_from(Item)).one() == 0


def test_a_required_field_is_chosen_on_the_command_line(runner, session, world, tmp_path):
    path = write_dutch_xlsx(tmp_path / "reparaties.xlsx")
    result = runner.invoke(cli, ["import", "sheet", str(path), "--group", "Cardiff Fixers",
                                 "--key", "Nr", "--require", "weight"])
    assert result.exit_code == 0, result.output
    assert "  Weight (kg) ← Gewicht (kg) (required)" in result.output.splitlines()
    assert "Imported 3 objects" in result.output and "4 rejected" in result.output
    errors = (tmp_path / "reparaties.errors.csv").read_text(encoding="utf-8")
    assert "ca. 2kg??" in errors and "misschien" in errors
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 3
