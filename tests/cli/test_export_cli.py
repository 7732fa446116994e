"""`repaircafe export ords`."""

from __future__ import annotations

import csv

from frictionless import Package

from repaircafe.cli import cli
from repaircafe.core.events import new_key
from repaircafe.objects.services import repairs
from tests.factories import NOW, make_item


def test_export_ords_writes_records_summary_and_schema(runner, session, world, tmp_path):
    for category in ("toaster", "bicycle"):
        item = make_item(session, world, category=category)
        repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                      actor=world.actor(), now=NOW, key=new_key())
    out = tmp_path / "ords.csv"
    result = runner.invoke(cli, args=["export", "ords", "--scope", "group:Cardiff Fixers",
                                 "--period", "2025", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 repair attempts written" in result.output and "1 unpowered" in result.output
    with out.open(encoding="utf-8") as fh:
        assert [r["product_category"] for r in csv.DictReader(fh)] == ["Toaster"]
    assert (tmp_path / "ords_unpowered.csv").exists()
    assert Package(str(tmp_path / "tableschema.json")).validate().valid


def test_export_ords_refuses_an_unknown_scope_in_one_line(runner, world, tmp_path):
    result = runner.invoke(cli, args=["export", "ords", "--scope", "group:Nowhere",
                                 "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "No group named “Nowhere”" in result.output


def test_export_ords_quotes_text_a_spreadsheet_would_run(runner, session, world, tmp_path):
    world.group.name = '=HYPERLINK("http://evil.example","x")'
    session.add(world.group)
    session.commit()
    for problem in ("+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"):
        item = make_item(session, world, problem=problem)
        repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                      actor=world.actor(), now=NOW, key=new_key())
    out = tmp_path / "ords.csv"
    result = runner.invoke(cli, args=["export", "ords", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["problem"] for r in rows] == ["'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(1+1)"]
    assert {r["group_identifier"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\",\"x\")"}
