"""Label formats as data: the Layout dataclass, TOML loading and validation, label positions.

Sheets and rolls are described in TOML files (``labels/layouts/*.toml``) so that a
coordinator can add a product without touching code. A bad file is refused with an
error that names the file and the problem, because a silently wrong layout wastes a
sheet of labels.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

BUILTIN_DIR = Path(__file__).parent / "layouts"

# Geometry may be off by rounding in the maker's figures; anything beyond this is an error.
_TOLERANCE_MM = 0.05

_SHEET_REQUIRED = (
    "name",
    "title",
    "kind",
    "page_width_mm",
    "page_height_mm",
    "label_width_mm",
    "label_height_mm",
    "columns",
    "rows",
    "left_margin_mm",
    "top_margin_mm",
    "horizontal_pitch_mm",
    "vertical_pitch_mm",
)
_ROLL_REQUIRED = (
    "name",
    "title",
    "kind",
    "label_width_mm",
    "label_height_mm",
    "printable_margin_mm",
)
_OPTIONAL = ("corner_radius_mm", "printable_margin_mm", "dots_per_inch")
_DEFAULT_SHEET_MARGIN_MM = 1.0


class LayoutError(ValueError):
    """A layout file (or a request against a layout) that cannot be honoured."""


@dataclass(frozen=True)
class Layout:
    """One label product. All lengths in millimetres, origin at the page's top-left corner.

    For ``kind == "roll"`` every label is its own page of exactly the label size; the
    sheet fields then describe that single-label page.
    """

    name: str
    title: str
    kind: str
    page_width_mm: float
    page_height_mm: float
    label_width_mm: float
    label_height_mm: float
    columns: int = 1
    rows: int = 1
    left_margin_mm: float = 0.0
    top_margin_mm: float = 0.0
    horizontal_pitch_mm: float = 0.0
    vertical_pitch_mm: float = 0.0
    corner_radius_mm: float = 0.0
    printable_margin_x_mm: float = _DEFAULT_SHEET_MARGIN_MM
    printable_margin_y_mm: float = _DEFAULT_SHEET_MARGIN_MM
    dots_per_inch: int | None = None
    source: str = "<memory>"

    @property
    def is_roll(self) -> bool:
        return self.kind == "roll"

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows


class LabelBox(NamedTuple):
    """Where one label lands: 0-based page index and its rectangle in mm from the top-left."""

    page: int
    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float


def _fail(source: str, problem: str) -> LayoutError:
    return LayoutError(f"layout {source}: {problem}")


def _number(data: dict[str, Any], key: str, source: str, *, positive: bool = True) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(source, f"{key} must be a number, got {value!r}")
    if positive and value <= 0:
        raise _fail(source, f"{key} must be positive, got {value}")
    if not positive and value < 0:
        raise _fail(source, f"{key} must not be negative, got {value}")
    return float(value)


def _count(data: dict[str, Any], key: str, source: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(source, f"{key} must be a whole number of at least 1, got {value!r}")
    return value


def _margins(data: dict[str, Any], source: str) -> tuple[float, float]:
    value = data.get("printable_margin_mm", _DEFAULT_SHEET_MARGIN_MM)
    pair = value if isinstance(value, list) else [value, value]
    if len(pair) != 2:
        raise _fail(source, f"printable_margin_mm must be a number or [x, y], got {value!r}")
    x, y = ({"printable_margin_mm": part} for part in pair)
    return (
        _number(x, "printable_margin_mm", source, positive=False),
        _number(y, "printable_margin_mm", source, positive=False),
    )


def layout_from_dict(data: dict[str, Any], source: str = "<memory>") -> Layout:
    """Build and validate a Layout from parsed TOML; ``source`` names it in error messages."""
    kind = data.get("kind")
    if kind not in ("sheet", "roll"):
        raise _fail(source, f'kind must be "sheet" or "roll", got {kind!r}')
    required = _SHEET_REQUIRED if kind == "sheet" else _ROLL_REQUIRED
    missing = [key for key in required if key not in data]
    if missing:
        raise _fail(source, f"missing key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(required) - set(_OPTIONAL))
    if unknown:
        raise _fail(source, f"unknown key(s): {', '.join(unknown)}")
    for key in ("name", "title"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise _fail(source, f"{key} must be a non-empty string")

    width = _number(data, "label_width_mm", source)
    height = _number(data, "label_height_mm", source)
    radius = (
        _number(data, "corner_radius_mm", source, positive=False)
        if "corner_radius_mm" in data
        else 0.0
    )
    if radius > min(width, height) / 2:
        raise _fail(source, f"corner_radius_mm {radius} is more than half the label's smaller side")
    margin_x, margin_y = _margins(data, source)
    if 2 * margin_x >= width or 2 * margin_y >= height:
        raise _fail(source, "printable_margin_mm leaves no room inside the label")
    dpi = data.get("dots_per_inch")
    if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 72):
        raise _fail(source, f"dots_per_inch must be a whole number of at least 72, got {dpi!r}")

    common = dict(
        name=data["name"],
        title=data["title"],
        kind=kind,
        label_width_mm=width,
        label_height_mm=height,
        corner_radius_mm=radius,
        printable_margin_x_mm=margin_x,
        printable_margin_y_mm=margin_y,
        dots_per_inch=dpi,
        source=source,
    )
    if kind == "roll":
        return Layout(page_width_mm=width, page_height_mm=height, **common)

    layout = Layout(
        page_width_mm=_number(data, "page_width_mm", source),
        page_height_mm=_number(data, "page_height_mm", source),
        columns=_count(data, "columns", source),
        rows=_count(data, "rows", source),
        left_margin_mm=_number(data, "left_margin_mm", source, positive=False),
        top_margin_mm=_number(data, "top_margin_mm", source, positive=False),
        horizontal_pitch_mm=_number(data, "horizontal_pitch_mm", source),
        vertical_pitch_mm=_number(data, "vertical_pitch_mm", source),
        **common,
    )
    _check_sheet_geometry(layout)
    return layout


def _check_sheet_geometry(layout: Layout) -> None:
    source = layout.source
    if layout.columns > 1 and layout.horizontal_pitch_mm < layout.label_width_mm - _TOLERANCE_MM:
        raise _fail(
            source,
            f"horizontal_pitch_mm {layout.horizontal_pitch_mm} is smaller than label_width_mm "
            f"{layout.label_width_mm}: neighbouring labels would overlap",
        )
    if layout.rows > 1 and layout.vertical_pitch_mm < layout.label_height_mm - _TOLERANCE_MM:
        raise _fail(
            source,
            f"vertical_pitch_mm {layout.vertical_pitch_mm} is smaller than label_height_mm "
            f"{layout.label_height_mm}: neighbouring labels would overlap",
        )
    right = (
        layout.left_margin_mm
        + (layout.columns - 1) * layout.horizontal_pitch_mm
        + layout.label_width_mm
    )
    if right > layout.page_width_mm + _TOLERANCE_MM:
        raise _fail(
            source,
            f"labels run off the page: the last column ends at {right:.2f} mm but the page is "
            f"{layout.page_width_mm} mm wide",
        )
    bottom = (
        layout.top_margin_mm + (layout.rows - 1) * layout.vertical_pitch_mm + layout.label_height_mm
    )
    if bottom > layout.page_height_mm + _TOLERANCE_MM:
        raise _fail(
            source,
            f"labels run off the page: the last row ends at {bottom:.2f} mm but the page is "
            f"{layout.page_height_mm} mm high",
        )


def _read(path: Path) -> Layout:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise LayoutError(f"layout {path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"layout {path}: not valid TOML ({exc})") from None
    return layout_from_dict(data, str(path))


def available_layouts(extra_dirs: Iterable[str | Path] = ()) -> dict[str, Layout]:
    """All layouts by name: the built-in ones plus every ``*.toml`` in ``extra_dirs``.

    A name defined twice is refused rather than silently shadowed.
    """
    found: dict[str, Layout] = {}
    for directory in (BUILTIN_DIR, *map(Path, extra_dirs)):
        if not directory.is_dir():
            raise LayoutError(f"layout directory {directory}: not a directory")
        for path in sorted(directory.glob("*.toml")):
            layout = _read(path)
            if layout.name in found:
                raise LayoutError(
                    f"layout {path}: name {layout.name!r} is already defined by {found[layout.name].source}"
                )
            found[layout.name] = layout
    return found


def load_layout(name_or_path: str | Path, extra_dirs: Iterable[str | Path] = ()) -> Layout:
    """A layout by built-in name (e.g. ``"avery_l7651"``) or from a TOML file path."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        return _read(Path(name_or_path))
    builtin = BUILTIN_DIR / f"{text}.toml"
    if builtin.is_file():
        return _read(builtin)
    layouts = available_layouts(extra_dirs)
    if text not in layouts:
        raise LayoutError(f"unknown layout {text!r}; known: {', '.join(sorted(layouts))}")
    return layouts[text]


def label_positions(
    layout: Layout,
    count: int,
    start_at: int = 1,
    offset: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
) -> list[LabelBox]:
    """Rectangles for ``count`` labels, filling sheets row by row from position ``start_at``.

    ``offset`` (mm, x right and y down) and ``scale`` (about the page's top-left corner)
    are a printer's calibration: printed = offset + scale * nominal. Rolls ignore
    ``start_at`` and give one page per label.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    if not 0.5 <= scale <= 2.0:
        raise ValueError(f"scale {scale} is not a plausible printer calibration (0.5-2.0)")
    per_page = layout.labels_per_page
    first = 0
    if not layout.is_roll:
        if not 1 <= start_at <= per_page:
            raise LayoutError(
                f"start position {start_at} is not on a {layout.name} sheet (1-{per_page})"
            )
        first = start_at - 1
    dx, dy = offset
    width, height = layout.label_width_mm * scale, layout.label_height_mm * scale
    boxes = []
    for slot in range(first, first + count):
        page, index = divmod(slot, per_page)
        row, column = divmod(index, layout.columns)
        x = layout.left_margin_mm + column * layout.horizontal_pitch_mm
        y = layout.top_margin_mm + row * layout.vertical_pitch_mm
        boxes.append(LabelBox(page, dx + x * scale, dy + y * scale, width, height))
    return boxes
