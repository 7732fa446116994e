"""Turning an uploaded picture into the two JPEGs kept: the photo and its thumbnail.

Nothing about the upload is trusted: its name and declared type are ignored and the bytes are
decoded by Pillow, so only what really is a JPEG, PNG, WebP (or HEIC, when a Pillow plugin for
it is installed) gets through. The pixels are turned upright from the EXIF orientation and then
re-encoded from scratch, so no EXIF block, GPS position, comment, XMP packet or colour profile
of the original survives: a phone photo often carries the owner's home address in its GPS tags.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from repaircafe.domain.errors import Refused

# The longest side of the kept photo and of its thumbnail, in pixels.
MAX_SIDE = 1600
THUMB_SIDE = 320
# Far above any phone or tablet camera, far below what would exhaust the server's memory
# when decoded (a 40-megapixel RGB image is 120 MB); Pillow's own bomb limit is higher.
MAX_PIXELS = 40_000_000
# What Pillow calls the formats accepted. HEIF only opens with a plugin such as pillow-heif.
ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIF")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Processed:
    """The re-encoded photo and thumbnail, ready to write."""

    photo: bytes
    thumb: bytes
    width: int
    height: int


def process(data: bytes, *, max_bytes: int) -> Processed:
    """The photo and its thumbnail as clean JPEGs, or Refused with what was wrong."""
    if not data:
        raise Refused("The file is empty.")
    if len(data) > max_bytes:
        raise Refused("That photo is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024))
    upright = _decode(data)
    photo = _fit(upright, MAX_SIDE)
    thumb = _fit(upright, THUMB_SIDE)
    return Processed(_jpeg(photo), _jpeg(thumb), photo.width, photo.height)


def _decode(data: bytes) -> Image.Image:
    """The first frame, decoded, upright, as plain RGB pixels without any of the file's info."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice its limit: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_readable()) as image:
                if image.format not in ACCEPTED:
                    raise UnidentifiedImageError(image.format)
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width}x{image.height}")
                if image.format == "JPEG":
                    # Decode at a reduced scale straight away when the photo is much larger.
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _rgb(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("That picture has too many pixels to be a photo (at most %(mp)d "
                      "megapixels).", mp=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, TypeError):
        raise Refused("That file is not a photo: upload a JPEG, PNG or WebP picture.") from None
    return pixels


def _readable() -> tuple[str, ...]:
    """The accepted formats this Pillow can open (HEIF only with its plugin)."""
    Image.init()
    return tuple(name for name in ACCEPTED if name in Image.OPEN)


def _rgb(image: Image.Image) -> Image.Image:
    """Plain RGB on a fresh image: transparency goes on white, and nothing else is copied."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    converted = image.convert("RGB")
    clean = Image.new("RGB", converted.size)
    clean.paste(converted)
    return clean


def _fit(image: Image.Image, side: int) -> Image.Image:
    fitted = image.copy()
    fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
    fitted.info = {}
    return fitted


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
