"""`repaircafe report`, `repaircafe factors` and `repaircafe scheduler --once`."""

import csv
import io

import openpyxl

from repaircafe.cli import cli
from repaircafe.core.events import new_key
from repaircafe.objects.services import repairs
from tests.factories import NOW, make_item


def test_report_writes_the_requested_format(session, world, runner, tmp_path):
    item = make_item(session, world, category="laptop", weight=None)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    target = tmp_path / "cardiff.csv"
    result = runner.invoke(cli, args=["report", "--scope", "territory:Cardiff", "--period", "2025-Q2",
                                 "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 objects, 1 fixed" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["period"], r["category"], r["outcome"]) for r in rows] == [
        ("2025-06", "laptop", "fixed")]
    pdf = tmp_path / "r.pdf"
    result = runner.invoke(cli, args=["report", "--period", "2025-01-01..2025-06-30",
                                 "--factor-set", "conservative-2021", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "conservative-2021 v1" in result.output and pdf.read_bytes().startswith(b"%PDF")


def test_report_errors_are_one_line(world, runner):
    result = runner.invoke(cli, args=["report", "--scope", "territory:Atlantis", "--period", "2025"])
    assert result.exit_code == 1 and "No territory named" in result.output
    result = runner.invoke(cli, args=["report", "--period", "someday"])
    assert result.exit_code == 1 and "Unknown period" in result.output


def test_factors_list_and_show(runner, tmp_path):
    listed = runner.invoke(cli, args=["factors", "list"])
    assert "restart-2021" in listed.output and "(central)" in listed.output
    shown = runner.invoke(cli, args=["factors", "show", "restart-2021", "--format", "csv"])
    assert shown.output.startswith("kind,key,value")
    assert "zenodo.5900046" in shown.output
    text = runner.invoke(cli, args=["factors", "show", "conservative-2021"]).output
    assert "displacement 0.3" in text and "Laptop medium" in text
    custom = tmp_path / "custom.csv"
    custom.write_text(shown.output.replace("meta,name,restart-2021", "meta,name,custom-2025"),
                      encoding="utf-8")
    assert "custom-2025 v1 stored" in runner.invoke(cli, args=["factors", "add", str(custom)]).output
    assert "custom-2025" in runner.invoke(cli, args=["factors", "list"]).output


def test_report_files_never_carry_a_live_formula(session, world, runner, tmp_path):
    hyperlink = '=HYPERLINK("http://evil.example","x")'
    world.site.name = hyperlink
    session.add(world.site)
    session.commit()
    item = make_item(session, world, category="laptop", weight=None)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    book_path, csv_path = tmp_path / "site.xlsx", tmp_path / "site.csv"
    for fmt, target in (("xlsx", book_path), ("csv", csv_path)):
        result = runner.invoke(cli, args=["report", "--scope", f"site:#{world.site.id}",
                                          "--period", "2025-Q2", "--format", fmt,
                                          "-o", str(target)])
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert rows and {r["scope"] for r in rows} == {"'" + hyperlink}
    book = openpyxl.load_workbook(book_path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    quoted = [c for c in cells if c.value == "'" + hyperlink]
    assert {c.parent.title for c in quoted} >= {"Summary", "Sites", "Data"}
    assert all(c.data_type == "s" for c in quoted)
