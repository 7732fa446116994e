"""The calibration page: one page per layout, outlines and crosshairs where the labels will be."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from labels import available_layouts, label_positions, load_layout, render_calibration
from tests.labels.support import PX_PER_MM, rasterise


def dark_near(image, x_mm: float, y_mm: float, radius_px: int = 2) -> bool:
    x, y = round(x_mm * PX_PER_MM), round(y_mm * PX_PER_MM)
    return (
        image.crop(
            (x - radius_px, y - radius_px, x + radius_px + 1, y + radius_px + 1)
        ).getextrema()[0]
        < 128
    )


@pytest.mark.parametrize("name", sorted(available_layouts()))
def test_calibration_page_marks_every_label_centre(name: str) -> None:
    layout = load_layout(name)
    pdf = render_calibration(layout)
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    assert document[0].get_size() == pytest.approx(
        (layout.page_width_mm / 25.4 * 72, layout.page_height_mm / 25.4 * 72)
    )
    text = document[0].get_textpage().get_text_range()
    assert layout.name in text
    image = rasterise(pdf)[0]
    boxes = label_positions(layout, layout.labels_per_page)
    marked = [dark_near(image, b.x_mm + b.w_mm / 2, b.y_mm + b.h_mm / 2) for b in boxes]
    corners = {0, layout.columns - 1, len(boxes) - layout.columns, len(boxes) - 1}
    assert all(marked[i] for i in corners)
    assert sum(marked) >= 0.75 * len(boxes), "the instructions may hide a few crosshairs, not most"


def test_calibration_page_follows_offset_and_scale() -> None:
    layout = load_layout("avery_l7651")
    offset, scale = (2.0, -1.5), 0.98
    image = rasterise(render_calibration(layout, offset, scale))[0]
    text = (
        pdfium.PdfDocument(render_calibration(layout, offset, scale))[0]
        .get_textpage()
        .get_text_range()
    )
    assert "+2.00" in text and "-1.50" in text and "0.980" in text
    for box in label_positions(layout, 65, offset=offset, scale=scale)[::16]:
        centre = (box.x_mm + box.w_mm / 2, box.y_mm + box.h_mm / 2)
        assert dark_near(image, *centre)
        assert dark_near(image, box.x_mm, centre[1]), "outline's left edge"
        assert dark_near(image, centre[0], box.y_mm), "outline's top edge"
    assert dark_near(image, offset[0] + scale * 105, offset[1] + scale * 148.5), "page centre"
