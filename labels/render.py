"""Render label contents onto a layout as a PDF: vector QR codes plus readable text.

Each label gets the largest QR symbol (with its 4-module quiet zone) that leaves room
for the code in text, beside the QR on wide labels and under it on tall ones. Sheets
fill row by row from a start position; rolls get one page per label at label size.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import CODE_FONT, KIND_FONT, MIN_SIZE_PT, TEXT_FONT, fit_text, wrap_text
from .layout import LabelBox, Layout, LayoutError, label_positions
from .qr import QUIET_ZONE, QRSymbol, encode_many, qr_payload

Kind = Literal["item", "part", "bin", "blank"]
KINDS: tuple[str, ...] = ("item", "part", "bin", "blank")
_KIND_WORDS = {"part": "PART", "bin": "BIN"}

MIN_MODULE_MM = 0.25
"""Smaller modules do not scan reliably from a laser-printed label."""

_CODE_CHAR_EM = 0.6  # Courier advance width per character, in ems
_MIN_CODE_CHARS = 11  # "7K3M-9QXA-2"
_BESIDE_MIN_CODE_PT = 6.0
_MAX_CODE_PT = 16.0
_SECOND_RATIO = 0.72
_KIND_RATIO = 0.6
_ASCENT = 0.78  # cap height plus a little, in ems: where the baseline sits below a line's top
_LINE = 1.18  # line advance, in ems
_KIND_GRAY = 0.4


@dataclass(frozen=True)
class LabelContent:
    """What one label shows: its code (canonical, no hyphens), the grouped form, a hint."""

    code: str
    display: str
    second_line: str | None = None
    kind: Kind = "item"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"label kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if not self.code:
            raise ValueError("label code must not be empty")


class Placement(NamedTuple):
    """Where a symbol and its text go inside a label, in mm from the label's top-left."""

    beside: bool
    module_mm: float
    qr_x: float
    qr_y: float
    text_x: float
    text_y: float
    text_w: float
    text_h: float


def place(layout: Layout, size: int, scale: float = 1.0) -> Placement:
    """Lay out a ``size``-module symbol and its text on one label of ``layout``.

    ``qr_x``/``qr_y`` is the corner of the quiet zone; the dark modules start
    ``QUIET_ZONE`` modules further in.
    """
    width, height = layout.label_width_mm * scale, layout.label_height_mm * scale
    margin_x, margin_y = layout.printable_margin_x_mm * scale, layout.printable_margin_y_mm * scale
    inner_w, inner_h = width - 2 * margin_x, height - 2 * margin_y
    total = size + 2 * QUIET_ZONE
    beside = width >= height
    if beside:
        min_text = _MIN_CODE_CHARS * _CODE_CHAR_EM * _BESIDE_MIN_CODE_PT / mm
        side = min(inner_h, inner_w - min_text)
    else:
        code_pt = min(_MAX_CODE_PT * 0.75, inner_w * mm / (_MIN_CODE_CHARS * _CODE_CHAR_EM))
        side = min(inner_w, inner_h - (1 + _SECOND_RATIO) * _LINE * code_pt / mm)
    module = side / total
    if layout.dots_per_inch and scale == 1.0:
        dot = 25.4 / layout.dots_per_inch
        module = max(dot, math.floor(module / dot + 1e-9) * dot)
    if module < MIN_MODULE_MM:
        raise LayoutError(
            f"layout {layout.source}: a {size}-module QR code with its text needs "
            f"{total * MIN_MODULE_MM:.1f} mm, but this label leaves {max(side, 0):.1f} mm"
        )
    side = module * total
    if beside:
        qr_x, qr_y = margin_x, margin_y + (inner_h - side) / 2
    else:
        qr_x, qr_y = margin_x + (inner_w - side) / 2, margin_y
    if layout.dots_per_inch:
        dot = 25.4 / layout.dots_per_inch
        qr_x, qr_y = math.ceil(qr_x / dot - 1e-9) * dot, math.ceil(qr_y / dot - 1e-9) * dot
    if beside:
        text = (qr_x + side, margin_y, width - margin_x - qr_x - side, inner_h)
    else:
        text = (margin_x, qr_y + side, inner_w, height - margin_y - qr_y - side)
    return Placement(beside, module, qr_x, qr_y, *text)


class _Line(NamedTuple):
    text: str
    font: str
    size: float
    gray: float


def _text_lines(content: LabelContent, spot: Placement) -> list[_Line]:
    """The label's text lines, sized so their block fits the text area in both directions."""
    width, height = spot.text_w * mm, spot.text_h * mm
    if width <= 0 or height <= 0:
        return []
    cap = _MAX_CODE_PT if spot.beside else _MAX_CODE_PT * 0.75
    code_pt = min(cap, height / 3.2 if spot.beside else height / ((1 + _SECOND_RATIO) * _LINE))
    code = fit_text(content.display, CODE_FONT, code_pt, width)
    kind_word = _KIND_WORDS.get(content.kind)
    lines = []
    if kind_word and spot.beside:
        kind = fit_text(kind_word, KIND_FONT, max(MIN_SIZE_PT, code.size * _KIND_RATIO), width)
        lines.append(_Line(kind.text, KIND_FONT, kind.size, _KIND_GRAY))
    lines.append(_Line(code.text, CODE_FONT, code.size, 0.0))
    second = content.second_line or ""
    if kind_word and not spot.beside:
        second = f"{kind_word} \u00b7 {second}" if second else kind_word
    if second:
        second_pt = max(MIN_SIZE_PT, code.size * _SECOND_RATIO)
        used = sum(line.size * _LINE for line in lines)
        room = int((height - used) // (second_pt * _LINE))
        for text in wrap_text(second, TEXT_FONT, second_pt, width, max(0, min(room, 4))):
            lines.append(_Line(text, TEXT_FONT, second_pt, 0.0))
    while lines and sum(line.size * _LINE for line in lines) > height:
        lines.pop()
    return lines


def _draw_text(
    canvas: Canvas, lines: list[_Line], spot: Placement, left: float, top: float
) -> None:
    """Draw text lines: beside the QR they are centred on it vertically, under it centred."""
    block = sum(line.size * _LINE for line in lines)
    x0 = (left + spot.text_x) * mm
    if spot.beside:
        y = top - (spot.text_y * mm + (spot.text_h * mm - block) / 2)
    else:
        y = top - spot.text_y * mm
    for line in lines:
        baseline = y - line.size * (_ASCENT + (_LINE - 1) / 2)
        canvas.setFont(line.font, line.size)
        canvas.setFillGray(line.gray)
        if spot.beside:
            canvas.drawString(x0, baseline, line.text)
        else:
            canvas.drawCentredString(x0 + spot.text_w * mm / 2, baseline, line.text)
        y -= line.size * _LINE


def _draw_symbol(
    canvas: Canvas, symbol: QRSymbol, spot: Placement, left: float, top: float
) -> None:
    module = spot.module_mm * mm
    x = (left + spot.qr_x) * mm + QUIET_ZONE * module
    y = top - spot.qr_y * mm - QUIET_ZONE * module
    canvas.addLiteral(f"q 0 g {module:.5f} 0 0 {-module:.5f} {x:.3f} {y:.3f} cm\n{symbol.ops}\nf Q")


def render_labels(
    contents: Sequence[LabelContent],
    layout: Layout,
    *,
    base_url: str,
    start_at: int = 1,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    ecc: str = "M",
    workers: int | None = None,
) -> bytes:
    """A PDF with one label per content, in order, starting at sheet position ``start_at``.

    ``offset_mm``/``scale`` are the printer's calibration (see ``label_positions``).
    ``workers`` processes compute the QR matrices: ``None`` uses every core for batches
    over ``qr.POOL_THRESHOLD`` labels, ``1`` stays in this process.
    """
    if not contents:
        raise ValueError("no labels to render")
    boxes = label_positions(layout, len(contents), start_at, offset_mm, scale)
    symbols = encode_many([qr_payload(base_url, c.code) for c in contents], ecc, workers)
    buffer = io.BytesIO()
    page_w, page_h = layout.page_width_mm * mm, layout.page_height_mm * mm
    canvas = Canvas(buffer, pagesize=(page_w, page_h), pageCompression=1, invariant=1)
    canvas.setTitle(f"{layout.title} – {len(contents)} labels")
    canvas.setCreator("repaircafe labels")
    placements: dict[int, Placement] = {}
    page = 0
    for content, box, symbol in zip(contents, boxes, symbols, strict=True):
        if box.page != page:
            canvas.showPage()
            page = box.page
        placement = placements.get(symbol.size)
        if placement is None:
            placement = placements[symbol.size] = place(layout, symbol.size, scale)
        top = page_h - box.y_mm * mm
        _draw_symbol(canvas, symbol, placement, box.x_mm, top)
        _draw_text(canvas, _text_lines(content, placement), placement, box.x_mm, top)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_rect(box: LabelBox, placement: Placement, size: int) -> tuple[float, float, float]:
    """Top-left corner and side (mm, page coordinates) of a label's dark symbol area."""
    inset = QUIET_ZONE * placement.module_mm
    return (
        box.x_mm + placement.qr_x + inset,
        box.y_mm + placement.qr_y + inset,
        size * placement.module_mm,
    )
