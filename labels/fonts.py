"""Fonts for label text, and fitting text into a width without ever overflowing.

Only PDF standard fonts are used, so nothing is embedded or shipped. The code is set in
Courier-Bold: monospace, with a narrow oval 0 and a serifed, footed 1 that read apart
from O and I (Crockford codes avoid O and I anyway). Other text is Helvetica.
"""

from __future__ import annotations

from typing import NamedTuple

from reportlab.pdfbase.pdfmetrics import stringWidth

CODE_FONT = "Courier-Bold"
TEXT_FONT = "Helvetica"
KIND_FONT = "Helvetica-Bold"
ELLIPSIS = "\u2026"
MIN_SIZE_PT = 4.0
"""Below this size text is no longer read; it is truncated instead of shrunk further."""

_ENCODABLE = "cp1252"


class FittedText(NamedTuple):
    text: str
    size: float
    width: float


def printable(text: str) -> str:
    """Text the standard fonts can show: characters outside WinAnsi become ``?``."""
    clean = " ".join(text.split())
    return clean.encode(_ENCODABLE, "replace").decode(_ENCODABLE)


def fit_text(
    text: str, font: str, size: float, max_width: float, min_size: float = MIN_SIZE_PT
) -> FittedText:
    """Shrink ``text`` from ``size`` points until it fits ``max_width`` points.

    If even ``min_size`` is too big, the text is cut and ends with an ellipsis. The
    result's width is never more than ``max_width``; an empty string if nothing fits.
    """
    text = printable(text)
    width = stringWidth(text, font, size)
    if width <= max_width:
        return FittedText(text, size, width)
    shrunk = size * max_width / width * 0.9999
    if shrunk >= min_size:
        return FittedText(text, shrunk, stringWidth(text, font, shrunk))
    size = min(size, min_size)
    for end in range(len(text) - 1, 0, -1):
        candidate = text[:end].rstrip() + ELLIPSIS
        width = stringWidth(candidate, font, size)
        if width <= max_width:
            return FittedText(candidate, size, width)
    return FittedText("", size, 0.0)


def wrap_text(text: str, font: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines of ``max_width`` points at word gaps.

    A word wider than a line, or text left over after the last line, is cut with an
    ellipsis, so every returned line fits.
    """
    if max_lines < 1:
        return []
    words = printable(text).split(" ")
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if not current or stringWidth(candidate, font, size) <= max_width:
            current = candidate
            continue
        if len(lines) == max_lines - 1:
            current = " ".join([current, *words[index:]])
            break
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return [fit_text(line, font, size, max_width, min_size=size).text for line in lines]
