"""Rendered labels, checked the way a user would: rasterised at 300 dpi and scanned."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from labels import (
    LabelContent,
    Layout,
    LayoutError,
    available_layouts,
    encode,
    label_positions,
    load_layout,
    place,
    qr_payload,
    qr_rect,
    render_labels,
)
from tests.labels.support import BASE_URL, PX_PER_MM, decode_label, make_contents, px_box, rasterise

LAYOUTS = sorted(available_layouts())
TOLERANCE_MM = 0.2


def sheetful(layout: Layout) -> int:
    return 3 if layout.is_roll else layout.labels_per_page


def assert_scans(
    pdf: bytes,
    layout: Layout,
    contents: list[LabelContent],
    *,
    start_at: int = 1,
    offset: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    ecc: str = "M",
) -> None:
    """Every label decodes to its own URL, centred where the layout puts its QR code."""
    pages = rasterise(pdf)
    boxes = label_positions(layout, len(contents), start_at, offset, scale)
    assert len(pages) == boxes[-1].page + 1
    for content, box in zip(contents, boxes, strict=True):
        expected = qr_payload(BASE_URL, content.code)
        found = decode_label(pages[box.page], box)
        assert [text for text, _, _ in found] == [expected], f"label {content.code} at {box}"
        size = encode(expected, ecc).size
        x, y, side = qr_rect(box, place(layout, size, scale), size)
        _, cx, cy = found[0]
        assert (
            abs(cx - (x + side / 2)) < TOLERANCE_MM and abs(cy - (y + side / 2)) < TOLERANCE_MM
        ), (cx, cy, x, y)
        assert x >= box.x_mm and y >= box.y_mm
        assert x + side <= box.x_mm + box.w_mm and y + side <= box.y_mm + box.h_mm


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_label_on_every_layout_scans_to_its_own_url(name: str) -> None:
    layout = load_layout(name)
    contents = make_contents(sheetful(layout), seed=len(name))
    pdf = render_labels(contents, layout, base_url=BASE_URL)
    assert_scans(pdf, layout, contents)
    document = pdfium.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert (width, height) == pytest.approx(
        (layout.page_width_mm / 25.4 * 72, layout.page_height_mm / 25.4 * 72)
    )


@pytest.mark.parametrize(
    "name, offset, scale, ecc",
    [
        ("avery_l7651", (1.5, -0.8), 0.985, "M"),
        ("avery_l7651", (-1.0, 1.2), 1.02, "Q"),
        ("avery_5160", (0.7, 0.4), 1.0, "Q"),
        ("brother_ql_29", (0.5, -0.5), 1.0, "M"),
    ],
)
def test_calibrated_labels_scan_at_their_shifted_positions(
    name: str, offset: tuple[float, float], scale: float, ecc: str
) -> None:
    layout = load_layout(name)
    contents = make_contents(sheetful(layout), seed=3)
    pdf = render_labels(contents, layout, base_url=BASE_URL, offset_mm=offset, scale=scale, ecc=ecc)
    assert_scans(pdf, layout, contents, offset=offset, scale=scale, ecc=ecc)


def test_start_position_leaves_the_used_labels_blank() -> None:
    layout = load_layout("avery_l7651")
    contents = make_contents(60, seed=11)
    pdf = render_labels(contents, layout, base_url=BASE_URL, start_at=12)
    assert_scans(pdf, layout, contents, start_at=12)
    first_page = rasterise(pdf)[0]
    for box in label_positions(layout, 11):
        assert first_page.crop(px_box(box)).getextrema()[0] == 255, (
            f"used label at {box} was printed on"
        )
    second_page = rasterise(pdf)[1]
    last = label_positions(layout, 60, start_at=12)[-1]
    assert last.page == 1
    for box in label_positions(layout, 65)[7:]:
        assert second_page.crop(px_box(box)).getextrema()[0] == 255


def test_symbols_are_vectors_and_text_is_real_text() -> None:
    layout = load_layout("avery_l7160")
    contents = make_contents(21)
    pdf = render_labels(contents, layout, base_url=BASE_URL)
    page = pdfium.PdfDocument(pdf)[0]
    kinds = {obj.type for obj in page.get_objects()}
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds
    text = page.get_textpage().get_text_range()
    for content in contents:
        assert content.display in text
    assert "PART" in text and "BIN" in text


LONG = (
    "part of 7K3M-9QXA-2 – the left-hand heating element of a Philips HD7546 filter coffee "
    "machine brought in by the Tuesday group, with a remarkably long description "
) * 3


@pytest.mark.parametrize(
    "name", ["avery_l7651", "herma_4606", "avery_l7163", "brother_ql_29", "dymo_99012"]
)
def test_text_never_leaves_the_printable_part_of_a_label(name: str) -> None:
    layout = load_layout(name)
    contents = [
        LabelContent(
            c.code, c.display + ("-WITH-A-VERY-LONG-SUFFIX" if i % 3 == 0 else ""), LONG, c.kind
        )
        for i, c in enumerate(make_contents(sheetful(layout), seed=5))
    ]
    pdf = render_labels(contents, layout, base_url=BASE_URL)
    pages = rasterise(pdf)
    boxes = label_positions(layout, len(contents))
    for page_index, image in enumerate(pages):
        inked = image.point(lambda v: 255 if v < 128 else 0)
        for box in boxes:
            if box.page != page_index:
                continue
            inner = px_box(
                box._replace(
                    x_mm=box.x_mm + layout.printable_margin_x_mm,
                    y_mm=box.y_mm + layout.printable_margin_y_mm,
                    w_mm=box.w_mm - 2 * layout.printable_margin_x_mm,
                    h_mm=box.h_mm - 2 * layout.printable_margin_y_mm,
                ),
                pad_mm=2 / PX_PER_MM,  # anti-aliased edge pixels
            )
            inked.paste(0, inner)
        assert inked.getbbox() is None, (
            f"ink outside a label's printable area on page {page_index}: {inked.getbbox()}"
        )
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "\u2026" in text
    assert_scans(pdf, layout, contents)


def test_pool_and_single_process_give_the_same_pdf() -> None:
    layout = load_layout("avery_l7651")
    contents = make_contents(130, seed=2)
    single = render_labels(contents, layout, base_url=BASE_URL, workers=1)
    pooled = render_labels(contents, layout, base_url=BASE_URL, workers=2)
    assert single == pooled


def test_payload_is_upper_case_alphanumeric_url() -> None:
    assert (
        qr_payload("https://rc.example.org/", "7k3m9qxa2") == "HTTPS://RC.EXAMPLE.ORG/I/7K3M9QXA2"
    )
    assert encode(qr_payload("https://rc.example.org", "7K3M9QXA2"), "M").size == 25
    assert encode(qr_payload("https://rc.example.org", "7K3M9QXA2"), "Q").size == 29


def test_bad_requests_are_refused() -> None:
    layout = load_layout("avery_l7651")
    with pytest.raises(ValueError, match="no labels"):
        render_labels([], layout, base_url=BASE_URL)
    with pytest.raises(ValueError, match="error correction"):
        render_labels(make_contents(1), layout, base_url=BASE_URL, ecc="X")
    with pytest.raises(ValueError, match="kind"):
        LabelContent("7K3M9QXA2", "7K3M-9QXA-2", None, "box")  # type: ignore[arg-type]


def test_label_too_small_for_a_qr_code_is_refused(tmp_path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(
        'name = "tiny"\ntitle = "Tiny"\nkind = "roll"\nlabel_width_mm = 20\nlabel_height_mm = 8\n'
        "printable_margin_mm = 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(LayoutError, match=r"tiny\.toml.*QR code"):
        render_labels(make_contents(1), load_layout(path), base_url=BASE_URL)
