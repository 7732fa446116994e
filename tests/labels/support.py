"""Helpers for label tests: sample contents, rasterising PDFs, decoding QR codes per label."""

from __future__ import annotations

import random

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from labels import LabelBox, LabelContent

BASE_URL = "https://rc.example.org"
DPI = 300
PX_PER_MM = DPI / 25.4
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def make_contents(
    count: int, seed: int = 7, second_line: str | None = "Coffee machine"
) -> list[LabelContent]:
    rng = random.Random(seed)
    kinds = ("item", "part", "bin", "blank")
    out = []
    for index in range(count):
        code = "".join(rng.choice(CROCKFORD) for _ in range(9))
        kind = kinds[index % 4]
        out.append(
            LabelContent(
                code=code,
                display=f"{code[:4]}-{code[4:8]}-{code[8:]}",
                second_line=None if kind == "blank" else second_line,
                kind=kind,
            )
        )
    return out


def rasterise(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document
        ]
    finally:
        document.close()


def px_box(box: LabelBox, pad_mm: float = 0.0) -> tuple[int, int, int, int]:
    """A label's pixel rectangle (left, top, right, bottom), grown by ``pad_mm``."""
    return (
        round((box.x_mm - pad_mm) * PX_PER_MM),
        round((box.y_mm - pad_mm) * PX_PER_MM),
        round((box.x_mm + box.w_mm + pad_mm) * PX_PER_MM),
        round((box.y_mm + box.h_mm + pad_mm) * PX_PER_MM),
    )


def decode_label(image: Image.Image, box: LabelBox) -> list[tuple[str, float, float]]:
    """QR codes found inside one label: (text, centre x mm, centre y mm) in page coordinates."""
    rect = px_box(box, 0.5)
    crop = image.crop(rect)
    found = []
    for result in zxingcpp.read_barcodes(crop, formats=zxingcpp.BarcodeFormat.QRCode):
        p = result.position
        corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        cx = (rect[0] + sum(c.x for c in corners) / 4) / PX_PER_MM
        cy = (rect[1] + sum(c.y for c in corners) / 4) / PX_PER_MM
        found.append((result.text, cx, cy))
    return found
