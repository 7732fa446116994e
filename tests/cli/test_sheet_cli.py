"""`repaircafe import sheet`."""

from __future__ import annotations

from sqlmodel import func, select

from repaircafe.cli import cli
from repaircafe.models import Item


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
