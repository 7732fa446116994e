"""Reading a QR code from a camera frame the scan page sends, with the ZXing-C++ engine.

Browsers without a native BarcodeDetector (Safari on iPad, Chrome and Firefox on Linux and
Windows) send a small centred crop here instead of decoding it themselves. We chose this over
shipping ZXing-C++ as WebAssembly to the browser because it needs no Node toolchain or npm
step on a café's server or in CI, the same decoder version serves every tablet, and it is the
engine our label tests already use; the cost is one ~20 KB upload per frame on the café's own
network, which the page bounds to about ten a second with at most one request in flight.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from repaircafe.domain.errors import Refused

MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_FRAME_SIDE = 1280


def decode_frame(data: bytes) -> str | None:
    """The text of the first QR code in a JPEG/PNG/WebP frame, or None when there is none."""
    if not data:
        raise Refused("The camera sent an empty picture.")
    if len(data) > MAX_FRAME_BYTES:
        raise Refused("The camera picture is too large.")
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        if max(image.size) > MAX_FRAME_SIDE:
            raise Refused("The camera picture is too large.")
        image = image.convert("L")
    except (UnidentifiedImageError, OSError):
        raise Refused("The camera sent something that is not a picture.") from None
    found = zxingcpp.read_barcodes(image,
                                   formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    for barcode in found:
        if barcode.valid and barcode.text:
            return str(barcode.text)
    return None
