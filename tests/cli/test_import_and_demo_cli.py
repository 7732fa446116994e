"""`repaircafe import ords FILE` and `repaircafe demo --no-serve`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from repaircafe.cli import cli
from repaircafe.db import make_engine
from repaircafe.models import Item

HEADER = ("id,data_provider,country,partner_product_category,product_category,"
          "product_category_id,brand,year_of_manufacture,product_age,repair_status,"
          "repair_barrier_if_end_of_life,group_identifier,event_date,problem")


def test_import_ords_prints_the_report_and_writes_rejects(runner, engine, tmp_path):
    source = tmp_path / "partner.csv"
    source.write_text("\n".join([
        HEADER,
        "p_1,Repair Connects,GBR,Kettle,Kettle,14,Bosch,,,Fixed,,Bristol,2024-02-03,No heat",
        "p_2,Repair Connects,GBR,Kettle,Kettle,14,,,,Maybe,,Bristol,2024-02-03,Odd status",
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "ords", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected." in result.output
    rejects = tmp_path / "partner.rejects.csv"
    assert str(rejects) in result.output
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["id"], r["line"]) for r in rows] == [("p_2", "3")]
    assert "repair_status" in rows[0]["reason"]
    again = runner.invoke(cli, args=["import", "ords", str(source), "--group", "Bristol"])
    assert "0 created, 0 updated, 1 unchanged, 1 rejected" in again.output


def test_import_of_a_v021_file_says_so_first(runner, engine, tmp_path):
    source = tmp_path / "OpenRepairData_v0.2.1_FixitClinic_202009.csv"
    source.write_text("\n".join([
        "id,data_provider,country,partner_product_category,product_category,brand,"
        "year_of_manufacture,repair_status,repair_barrier_if_end_of_life,group_identifier,"
        "event_date,problem",
        'fixitclinic_1,Fixit Clinic,USA,Iron,Iron,Sunbeam,2016,Unknown,,Fixit Clinic,'
        '2018-01-02,"Steam selector switch broken"',
        "fixitclinic_2,Fixit Clinic,USA,Iron,Iron,Sunbeam,????,End of life,Too worn out,"
        "Fixit Clinic,2018-01-02,",
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "ords", str(source)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ORDS v0.2.1 file: mapped as v0.3: ")
    assert "year_of_manufacture '????' on 1 row: not a year of manufacture, left empty" in lines
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected." in lines


def test_import_of_a_file_that_is_not_ords_is_one_line(runner, tmp_path):
    source = tmp_path / "other.csv"
    source.write_text("name,colour\nkettle,red\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "ords", str(source)])
    assert result.exit_code == 1
    assert "not an ORDS v0.3 file" in result.output


def test_demo_builds_a_database_and_prints_the_login_hint(runner, db_url, tmp_path: Path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the demo command always builds a SQLite file")
    target = tmp_path / "demo.sqlite"
    reports = tmp_path / "reports"
    result = runner.invoke(cli, args=["demo", "--no-serve", "--database", str(target)],
                           env={"REPAIRCAFE_REPORTS_FOLDER": str(reports)})
    assert result.exit_code == 0, result.output
    assert any(reports.rglob("*.pdf")), "archived demo reports go to the configured folder"
    assert "password 'demo'" in result.output
    assert "2 territories" in result.output
    engine = make_engine(f"sqlite:///{target}")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Item)).one() >= 2000
    engine.dispose()
