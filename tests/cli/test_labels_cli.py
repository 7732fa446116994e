"""`repaircafe labels ...`: the PDFs it writes are rasterised and their QR codes scanned."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from labels import label_positions, load_layout
from repaircafe.cli import cli
from repaircafe.models import Tag
from repaircafe.tags.services.tags import current_tag
from tests.factories import make_item
from tests.labels.support import decode_label, rasterise

PAYLOAD = "HTTPS://RC.EXAMPLE.ORG/I/"


def run(runner, *args):
    return runner.invoke(cli, list(args))


def scanned(pdf: bytes, layout_name: str, count: int, start: int = 1) -> list[str]:
    pages = rasterise(pdf)
    boxes = label_positions(load_layout(layout_name), count, start)
    return [text for box in boxes for text, _, _ in decode_label(pages[box.page], box)]


def test_layouts_lists_name_size_and_count(runner):
    result = run(runner, "labels", "layouts")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "63.5 x 38.1 mm" in lines["avery_l7160"] and "21 per page" in lines["avery_l7160"]
    assert "roll" in lines["brother_ql_29"]


def test_layouts_names_a_broken_file(runner, app, tmp_path):
    (tmp_path / "wide.toml").write_text('name = "wide"\ntitle = "W"\nkind = "roll"\n'
                                        'label_width_mm = -3\nlabel_height_mm = 20\n'
                                        'printable_margin_mm = 1\n')
    settings = app.extensions["repaircafe.settings"]
    app.extensions["repaircafe.settings"] = replace(
        settings, labels=replace(settings.labels, layout_dirs=(str(tmp_path),)))
    result = run(runner, "labels", "layouts")
    assert result.exit_code == 1
    assert "avery_l7160" in result.output
    assert "wide.toml: label_width_mm must be positive" in result.output
    assert "Traceback" not in result.output


def test_blank_issues_tags_and_writes_scannable_labels(runner, session, world, tmp_path):
    out = tmp_path / "blank.pdf"
    result = run(runner, "labels", "blank", "--count", "4", "--layout", "avery_l7163",
                 "--start", "13", "--group", world.group.name, "-o", str(out))
    assert result.exit_code == 0, result.output
    tags = session.exec(select(Tag).order_by(Tag.id)).all()
    assert len(tags) == 4 and {(t.status, t.group_id) for t in tags} == {("issued", world.group.id)}
    assert scanned(out.read_bytes(), "avery_l7163", 4, 13) == [PAYLOAD + t.code for t in tags]


def test_print_items_and_session(runner, session, world, tmp_path):
    first, second = make_item(session, world), make_item(session, world)
    codes = [current_tag(session, item_id=i.id).code for i in (second, first)]
    out = tmp_path / "items.pdf"
    result = run(runner, "labels", "print", "--items", codes[0], codes[1].lower(),
                 "--layout", "brother_ql_29", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert scanned(out.read_bytes(), "brother_ql_29", 2) == [PAYLOAD + c for c in codes]
    out = tmp_path / "session.pdf"
    result = run(runner, "labels", "print", "--session", str(world.repair_session.id),
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    assert scanned(out.read_bytes(), "avery_l7160", 2) == [PAYLOAD + c for c in reversed(codes)]


def test_errors_are_one_line(runner, world, tmp_path):
    out = tmp_path / "x.pdf"
    result = run(runner, "labels", "blank", "--count", "2", "--layout", "nope", "-o", str(out))
    assert result.exit_code == 1 and "Unknown label layout “nope”" in result.output
    assert "Traceback" not in result.output and not out.exists()
    result = run(runner, "labels", "print", "--items", "ZZZZ-ZZZZ-Z", "-o", str(out))
    assert result.exit_code == 1 and "Error:" in result.output
    result = run(runner, "labels", "print", "-o", str(out))
    assert result.exit_code == 2 and "--items" in result.output


def test_calibrate_writes_one_page(runner, tmp_path):
    out = tmp_path / "cal.pdf"
    result = run(runner, "labels", "calibrate", "--layout", "avery_l7651", "--offset-x", "1.5",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    assert len(rasterise(out.read_bytes(), dpi=50)) == 1
