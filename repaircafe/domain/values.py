"""Checks on what people type: weights, minutes, free text. Messages are shown as they are."""

from __future__ import annotations

from repaircafe.domain.errors import Refused

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
            raise Refused(f"“{text}” is not a weight: enter kilograms, for example 1.5.") from None
    if not value > 0:
        raise Refused("The weight must be more than 0 kg (leave it empty if unknown).")
    if value > MAX_WEIGHT_KG:
        raise Refused(f"{value:g} kg is more than {MAX_WEIGHT_KG:g} kg: please check the weight.")
    return round(value, 3)


def parse_minutes(text: str | int | None) -> int | None:
    """Minutes spent on a repair, None when left empty."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise Refused(f"“{text}” is not a number of minutes.") from None
    if value < 0 or value > MAX_MINUTES:
        raise Refused(f"Minutes must be between 0 and {MAX_MINUTES}.")
    return value


def clean_text(text: str | None, *, limit: int, field: str) -> str:
    """Trimmed text, refused (not cut) when it is longer than the field holds."""
    value = (text or "").strip()
    if len(value) > limit:
        raise Refused(f"{field} is too long ({len(value)} characters, at most {limit}).")
    return value
