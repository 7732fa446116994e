"""A calibration page: label outlines, rulers and crosshairs to line a printer up with a sheet.

Printers shift and scale pages by a few millimetres, and a label sheet is expensive to
waste. Printed on plain paper and held against a sheet in front of a window, this page
shows how far off the printer is; the offset and scale it was printed with are on it.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import TEXT_FONT, wrap_text
from .layout import Layout, label_positions

ToPoints = Callable[[float, float], tuple[float, float]]
"""Layout millimetres (from the top-left) to PDF points, with the calibration applied."""

_SHEET_STEPS = (
    "1. Print this page on plain paper at 100 % (actual size, no \u201cfit to page\u201d).",
    "2. Lay it on a label sheet and hold both against a window or a light.",
    "3. If the outlines sit d mm right of the labels, lower offset x by d; if they sit "
    "d mm below, lower offset y by d (raise them if the outlines are left or above).",
    "4. If the first labels match but later ones drift, measure between the first and the last "
    "crosshair: new scale = scale \u00d7 distance on the sheet \u00f7 distance on this print.",
    "5. Print again until every crosshair sits on a label centre. The rulers read layout millimetres.",
)
_ROLL_STEPS = (
    "Solid: label edge. Dashed: printable area. Shift offset x/y until the cross is centred.",
)


def _ruler(canvas: Canvas, layout: Layout, to_pt: ToPoints, horizontal: bool) -> None:
    """A millimetre ruler 5 mm in from the top (or left) edge, in layout coordinates."""
    length = layout.page_width_mm if horizontal else layout.page_height_mm
    spine = 5.0
    canvas.saveState()
    canvas.setStrokeGray(0.45)
    canvas.setFillGray(0.45)
    canvas.setLineWidth(0.25)
    start: tuple[float, float] = (0.0, spine)
    end: tuple[float, float] = (length, spine)
    if not horizontal:
        start, end = start[::-1], end[::-1]
    canvas.line(*to_pt(*start), *to_pt(*end))
    canvas.setFont(TEXT_FONT, 5)
    for step in range(int(length) + 1):
        tick = 4.0 if step % 10 == 0 else 2.5 if step % 5 == 0 else 1.2
        a: tuple[float, float] = (step, spine)
        b: tuple[float, float] = (step, spine + tick)
        if not horizontal:
            a, b = a[::-1], b[::-1]
        canvas.line(*to_pt(*a), *to_pt(*b))
        if step % 10 == 0 and 0 < step < length - 2:
            x, y = to_pt(*((step + 0.6, spine + 3.6) if horizontal else (spine + 1.0, step - 0.6)))
            canvas.drawString(x, y, str(step))
    canvas.restoreState()


def _cross(canvas: Canvas, x: float, y: float, arm: float) -> None:
    canvas.line(x - arm, y, x + arm, y)
    canvas.line(x, y - arm, x, y + arm)


def _info(
    canvas: Canvas,
    layout: Layout,
    lines: list[str],
    steps: tuple[str, ...],
    to_pt: ToPoints,
    scale: float,
) -> None:
    """The layout name, calibration values and instructions in a white box.

    On a sheet the box sits below the page centre; on a roll label it is a borderless
    block at the top, clear of the centre cross.
    """
    margin_x = max(layout.printable_margin_x_mm, 1.5)
    width = min(130.0, layout.page_width_mm - 2 * margin_x - (2 if layout.is_roll else 10))
    size = 9.0 if width > 80 else 4.5
    width_pt = width * mm
    body = [
        (text, size) for line in lines for text in wrap_text(line, TEXT_FONT, size, width_pt, 3)
    ]
    for step in steps:
        body += [
            (text, size * 0.85) for text in wrap_text(step, TEXT_FONT, size * 0.85, width_pt, 4)
        ]
    height = sum(line_size * 1.3 for _, line_size in body) / mm + (1 if layout.is_roll else 4)
    left = (layout.page_width_mm - width) / 2
    if layout.is_roll:
        top = layout.printable_margin_y_mm + 0.5
    else:
        top = (layout.page_height_mm - height) / 2 + 25
        x, y = to_pt(left - 2, top)
        canvas.setFillGray(1)
        canvas.rect(
            x,
            y - height * scale * mm,
            (width + 4) * scale * mm,
            height * scale * mm,
            stroke=1,
            fill=1,
        )
        canvas.setFillGray(0)
    x, y = to_pt(left, top + (0 if layout.is_roll else 2))
    for text, line_size in body:
        y -= line_size * 1.3
        canvas.setFont(TEXT_FONT, line_size)
        canvas.drawString(x, y + line_size * 0.3, text)


def render_calibration(
    layout: Layout, offset_mm: tuple[float, float] = (0.0, 0.0), scale: float = 1.0
) -> bytes:
    """One page with every label outlined and crosshaired, plus rulers and instructions.

    Drawn with the same ``offset_mm`` and ``scale`` that ``render_labels`` would use, so
    what lines up here lines up on the labels.
    """
    dx, dy = offset_mm
    page_w, page_h = layout.page_width_mm * mm, layout.page_height_mm * mm

    def to_pt(x_mm: float, y_mm: float) -> tuple[float, float]:
        return (dx + x_mm * scale) * mm, page_h - (dy + y_mm * scale) * mm

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_w, page_h), pageCompression=1, invariant=1)
    canvas.setTitle(f"Calibration – {layout.title}")
    canvas.setCreator("repaircafe labels")
    canvas.setStrokeGray(0)
    canvas.setLineWidth(0.4)
    radius = layout.corner_radius_mm * scale * mm
    for number, box in enumerate(
        label_positions(layout, layout.labels_per_page, 1, offset_mm, scale), 1
    ):
        x, top = box.x_mm * mm, page_h - box.y_mm * mm
        w, h = box.w_mm * mm, box.h_mm * mm
        canvas.setLineWidth(0.4)
        canvas.roundRect(x, top - h, w, h, radius, stroke=1, fill=0)
        canvas.setLineWidth(0.25)
        _cross(canvas, x + w / 2, top - h / 2, min(3 * mm, w / 6, h / 6))
        if layout.is_roll:
            mx, my = (
                layout.printable_margin_x_mm * scale * mm,
                layout.printable_margin_y_mm * scale * mm,
            )
            canvas.setDash(2, 2)
            canvas.rect(x + mx, top - h + my, w - 2 * mx, h - 2 * my, stroke=1, fill=0)
            canvas.setDash()
        else:
            canvas.setFont(TEXT_FONT, 6)
            canvas.setFillGray(0.35)
            canvas.drawRightString(x + w - 1.5 * mm, top - 3.5 * mm, str(number))
            canvas.setFillGray(0)
    if not layout.is_roll:
        _ruler(canvas, layout, to_pt, horizontal=True)
        _ruler(canvas, layout, to_pt, horizontal=False)
        centre = to_pt(layout.page_width_mm / 2, layout.page_height_mm / 2)
        canvas.setLineWidth(0.4)
        _cross(canvas, *centre, 10 * mm)
        canvas.circle(*centre, 3 * mm, stroke=1, fill=0)
    values = f"offset x {dx:+.2f} mm, y {dy:+.2f} mm \u00b7 scale {scale:.3f}"
    if layout.is_roll:
        lines = [f"Calibration {layout.name} \u00b7 {values}"]
    else:
        lines = [f"Calibration \u2013 {layout.title}", f"layout {layout.name} \u00b7 {values}"]
    _info(canvas, layout, lines, _ROLL_STEPS if layout.is_roll else _SHEET_STEPS, to_pt, scale)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
