"""QR label rendering: label contents + a layout -> PDF bytes.

A package of its own (no Flask, no database, nothing from ``repaircafe``) so label
output can be tested and benchmarked alone; the web app only passes plain data in.
"""

from .calibration import render_calibration
from .layout import LabelBox, Layout, LayoutError, available_layouts, label_positions, load_layout
from .qr import QRSymbol, encode, qr_payload
from .render import LabelContent, Placement, place, qr_rect, render_labels

__all__ = [
    "LabelBox",
    "LabelContent",
    "Layout",
    "LayoutError",
    "Placement",
    "QRSymbol",
    "available_layouts",
    "encode",
    "label_positions",
    "load_layout",
    "place",
    "qr_payload",
    "qr_rect",
    "render_calibration",
    "render_labels",
]
