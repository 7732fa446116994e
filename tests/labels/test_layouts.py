"""Layouts as data: built-in geometry, user layouts, and refusal of bad files with a reason."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from labels import LayoutError, available_layouts, label_positions, load_layout
from labels.layout import BUILTIN_DIR

BUILTIN = {
    "avery_l7160",
    "avery_l7163",
    "avery_l7651",
    "avery_5160",
    "herma_4606",
    "brother_ql_62",
    "brother_ql_29",
    "brother_dk_11209",
    "dymo_99012",
}

GOOD_SHEET = """
name = "mine"
title = "My 2 x 2 sheet"
kind = "sheet"
page_width_mm = 100
page_height_mm = 100
label_width_mm = 40
label_height_mm = 40
columns = 2
rows = 2
left_margin_mm = 5
top_margin_mm = 5
horizontal_pitch_mm = 45
vertical_pitch_mm = 45
"""


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_builtin_layout_loads_by_name() -> None:
    layouts = available_layouts()
    assert BUILTIN <= set(layouts)
    for name in BUILTIN:
        assert load_layout(name) == layouts[name]
        assert layouts[name].title


@pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_positions_follow_the_toml_numbers(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    layout = load_layout(path)
    assert layout.name == path.stem
    if data["kind"] == "roll":
        boxes = label_positions(layout, 3)
        assert [b.page for b in boxes] == [0, 1, 2]
        for box in boxes:
            assert box[1:] == pytest.approx(
                (0, 0, data["label_width_mm"], data["label_height_mm"]), abs=1e-9
            )
        assert (layout.page_width_mm, layout.page_height_mm) == (
            data["label_width_mm"],
            data["label_height_mm"],
        )
        return
    per_page = data["columns"] * data["rows"]
    boxes = label_positions(layout, per_page)
    assert {b.page for b in boxes} == {0}
    for index, box in enumerate(boxes):
        row, column = divmod(index, data["columns"])
        expected = (
            data["left_margin_mm"] + column * data["horizontal_pitch_mm"],
            data["top_margin_mm"] + row * data["vertical_pitch_mm"],
            data["label_width_mm"],
            data["label_height_mm"],
        )
        assert box[1:] == pytest.approx(expected, abs=0.2)
        assert box.x_mm + box.w_mm <= data["page_width_mm"]
        assert box.y_mm + box.h_mm <= data["page_height_mm"]


def test_l7651_corners_match_the_product_sheet() -> None:
    boxes = label_positions(load_layout("avery_l7651"), 65)
    assert boxes[0][1:3] == pytest.approx((4.75, 10.7))
    assert boxes[-1][1:3] == pytest.approx((4.75 + 4 * 40.6, 10.7 + 12 * 21.2))


def test_start_position_and_page_breaks() -> None:
    layout = load_layout("avery_l7160")
    boxes = label_positions(layout, 5, start_at=19)
    assert [b.page for b in boxes] == [0, 0, 0, 1, 1]
    assert boxes[0][1:3] == pytest.approx((7.21, 15.15 + 6 * 38.1))
    assert boxes[3][1:3] == pytest.approx((7.21, 15.15))


def test_offset_and_scale_are_applied_from_the_top_left() -> None:
    layout = load_layout("avery_l7651")
    nominal = label_positions(layout, 65)
    moved = label_positions(layout, 65, offset=(1.5, -0.5), scale=1.02)
    for a, b in zip(nominal, moved, strict=True):
        assert b.x_mm == pytest.approx(1.5 + 1.02 * a.x_mm)
        assert b.y_mm == pytest.approx(-0.5 + 1.02 * a.y_mm)
        assert b.w_mm == pytest.approx(1.02 * a.w_mm)


@pytest.mark.parametrize("start_at", [0, 66])
def test_start_position_off_the_sheet_is_refused(start_at: int) -> None:
    with pytest.raises(LayoutError, match="start position"):
        label_positions(load_layout("avery_l7651"), 1, start_at=start_at)


def test_user_layout_from_path_and_extra_dir(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_SHEET)
    layout = load_layout(path)
    assert (layout.name, layout.columns, layout.rows, layout.source) == ("mine", 2, 2, str(path))
    assert load_layout(str(path)) == layout
    layouts = available_layouts(extra_dirs=[tmp_path])
    assert layouts["mine"] == layout and BUILTIN <= set(layouts)
    assert load_layout("mine", extra_dirs=[tmp_path]) == layout


def test_duplicate_layout_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD_SHEET.replace('"mine"', '"avery_l7651"'))
    with pytest.raises(LayoutError, match="already defined"):
        available_layouts(extra_dirs=[tmp_path])


def test_unknown_layout_name_lists_the_known_ones() -> None:
    with pytest.raises(LayoutError, match="avery_l7651"):
        load_layout("no_such_label")


BAD = [
    ("missing key", GOOD_SHEET.replace("rows = 2\n", ""), "missing key(s): rows"),
    ("unknown key", GOOD_SHEET + "colour = 3\n", "unknown key(s): colour"),
    (
        "columns overlap",
        GOOD_SHEET.replace("horizontal_pitch_mm = 45", "horizontal_pitch_mm = 30"),
        "overlap",
    ),
    (
        "rows overlap",
        GOOD_SHEET.replace("vertical_pitch_mm = 45", "vertical_pitch_mm = 39"),
        "overlap",
    ),
    (
        "off the right",
        GOOD_SHEET.replace("left_margin_mm = 5", "left_margin_mm = 20"),
        "run off the page",
    ),
    (
        "off the bottom",
        GOOD_SHEET.replace("top_margin_mm = 5", "top_margin_mm = 16"),
        "run off the page",
    ),
    (
        "zero width",
        GOOD_SHEET.replace("label_width_mm = 40", "label_width_mm = 0"),
        "label_width_mm must be positive",
    ),
    (
        "negative page",
        GOOD_SHEET.replace("page_height_mm = 100", "page_height_mm = -1"),
        "page_height_mm must be positive",
    ),
    (
        "no columns",
        GOOD_SHEET.replace("columns = 2", "columns = 0"),
        "columns must be a whole number",
    ),
    (
        "text for number",
        GOOD_SHEET.replace("label_height_mm = 40", 'label_height_mm = "40"'),
        "must be a number",
    ),
    ("bad kind", GOOD_SHEET.replace('kind = "sheet"', 'kind = "tape"'), "kind must be"),
    ("not toml", GOOD_SHEET + "this is = = wrong\n", "not valid TOML"),
    ("huge radius", GOOD_SHEET + "corner_radius_mm = 30\n", "corner_radius_mm"),
    (
        "roll without margin",
        'name = "r"\ntitle = "R"\nkind = "roll"\nlabel_width_mm = 62\nlabel_height_mm = 29\n',
        "missing key(s): printable_margin_mm",
    ),
    (
        "roll with sheet keys",
        'name = "r"\ntitle = "R"\nkind = "roll"\nlabel_width_mm = 62\nlabel_height_mm = 29\n'
        "printable_margin_mm = 1\ncolumns = 2\n",
        "unknown key(s): columns",
    ),
]


@pytest.mark.parametrize("text, reason", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_layout_file_is_refused_with_file_and_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    message = str(caught.value)
    assert str(path) in message
    assert reason in message


def test_bad_file_in_extra_dir_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_SHEET.replace("rows = 2\n", ""))
    with pytest.raises(LayoutError, match=str(path)):
        available_layouts(extra_dirs=[tmp_path])


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="file not found"):
        load_layout(tmp_path / "nope.toml")
