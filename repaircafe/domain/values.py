"""Checks on what people type: weights, minutes, free text. Field names are phrases to translate."""

from __future__ import annotations

from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import Phrase

MAX_WEIGHT_KG = 500.0
MAX_MINUTES = 600


def parse_weight(text: str | float | None) -> float | None:
    """A weight in kg from a form ("1,2" and "1.2" both work), None when left empty."""
    if text is None:
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().lower().removesuffix("kg").strip().replace(",", ".")
        if not cleaned:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            raise Refused("“%(text)s” is not a weight: enter kilograms, for example 1.5.",
                          text=text) from None
    if not value > 0:
        raise Refused("The weight must be more than 0 kg (leave it empty if unknown).")
    if value > MAX_WEIGHT_KG:
        raise Refused("%(weight)s kg is more than %(limit)s kg: please check the weight.",
                      weight=f"{value:g}", limit=f"{MAX_WEIGHT_KG:g}")
    return round(value, 3)


def parse_barrier(text: str | int | None) -> int | None:
    """An ORDS barrier code (1 to 6), None when left empty."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = str(text).strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 2):
        raise Refused("“%(text)s” is not a barrier code.", text=value[:20])
    return int(value)


def parse_minutes(text: str | int | None) -> int | None:
    """Minutes spent on a repair, None when left empty."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value_text = str(text).strip()
    if not (value_text.isascii() and value_text.isdigit() and len(value_text) <= 9):
        raise Refused("“%(text)s” is not a number of minutes.", text=value_text[:20])
    value = int(value_text)
    if value < 0 or value > MAX_MINUTES:
        raise Refused("Minutes must be between 0 and %(limit)d.", limit=MAX_MINUTES)
    return value


def clean_text(text: str | None, *, limit: int, field: str) -> str:
    """Trimmed text, refused (not cut) when it is longer than the field holds."""
    value = (text or "").strip()
    if "\x00" in value:
        raise Refused("%(field)s contains a NUL character, which cannot be stored.",
                      field=Phrase(field))
    if len(value) > limit:
        raise Refused("%(field)s is too long (%(length)d characters, at most %(limit)d).",
                      field=Phrase(field), length=len(value), limit=limit)
    return value
