"""Labels drawn: the PDF of a batch, a layout's calibration page, and the PNG preview of a
sheet's first page with its label outlines."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pypdfium2 as pdfium
from PIL import ImageDraw

import labels
from repaircafe.tags.services.layouts import Calibration, LayoutProblem

PREVIEW_WIDTH_PX = 900


def first_page(contents: Sequence[labels.LabelContent], how: Calibration) -> list[labels.LabelContent]:
    """The labels that land on the first page: all a preview needs to render."""
    if how.layout.is_roll:
        return list(contents[:1])
    return list(contents[: how.layout.labels_per_page - how.start_at + 1])


def page_count(count: int, how: Calibration) -> int:
    """Pages (sheets, or roll labels) a batch of ``count`` labels fills."""
    if how.layout.is_roll:
        return count
    return -(-(count + how.start_at - 1) // how.layout.labels_per_page)


def render_pdf(
    contents: Sequence[labels.LabelContent],
    how: Calibration,
    *,
    base_url: str,
    workers: int | None = 1,
) -> bytes:
    """The labels as a PDF. Web requests keep ``workers=1``: a process pool does not mix
    with a threaded server; the command line may use every core."""
    try:
        return labels.render_labels(
            contents, how.layout, base_url=base_url, start_at=how.start_at,
            offset_mm=how.offset_mm, scale=how.scale, workers=workers,
        )
    except labels.LayoutError as exc:
        raise LayoutProblem(str(exc)) from None


def render_calibration(how: Calibration) -> bytes:
    """The calibration page of a layout, drawn with the printer's offsets and scale."""
    return labels.render_calibration(how.layout, how.offset_mm, how.scale)


def preview_png(pdf: bytes, how: Calibration, *, width_px: int = PREVIEW_WIDTH_PX) -> bytes:
    """The PDF's first page as a PNG, with the sheet's label outlines drawn faintly.

    The outlines are where the labels really are on the sheet (no printer correction),
    so a used sheet's start position and a profile's offset can be checked by eye.
    """
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    px_per_mm = image.width / how.layout.page_width_mm
    draw = ImageDraw.Draw(image)
    radius = max(1, round(how.layout.corner_radius_mm * px_per_mm))
    if how.layout.is_roll:
        boxes = labels.label_positions(how.layout, 1)
    else:
        boxes = labels.label_positions(how.layout, how.layout.labels_per_page)
    for number, box in enumerate(boxes, 1):
        used = how.layout.is_roll or number >= how.start_at
        rect = (
            round(box.x_mm * px_per_mm), round(box.y_mm * px_per_mm),
            round((box.x_mm + box.w_mm) * px_per_mm) - 1,
            round((box.y_mm + box.h_mm) * px_per_mm) - 1,
        )
        draw.rounded_rectangle(rect, radius=radius, outline=(150, 170, 160) if used else (215, 220, 217),
                               width=1, fill=None if used else (236, 239, 237))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
