"""The rules for one ORDS v0.3 row: which rows are rejected, which are kept with a note, and
the cleaned record a valid row becomes (see ords_import for the rules in words)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from repaircafe.core.setup import category_rows
from repaircafe.domain import lifecycle

_STATUS = {
    "fixed": "fixed", "1": "fixed",
    "repairable": "repairable", "2": "repairable",
    "end of life": "end_of_life", "end_of_life": "end_of_life", "3": "end_of_life",
    "unknown": "unknown", "0": "unknown", "": "unknown",
}
_BARRIER = {name.lower(): code for code, name in lifecycle.BARRIERS.items()} | {
    str(code): code for code in lifecycle.BARRIERS
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Za-z]{3}$")
_TERRITORY_CUT = re.compile(r",| - |\(")


class OrdsRecord(NamedTuple):
    """One valid ORDS row, cleaned (a named tuple: a large file makes one per row)."""

    line: int
    provider: str
    source_id: str
    country: str
    category_ords_id: int | None
    brand: str
    problem: str
    product_age: float | None
    outcome: str
    barrier: int | None
    group_identifier: str
    event_date: date


class RowError(Exception):
    """A row that cannot be imported; the message is the reason shown to the user."""


@lru_cache(maxsize=1)
def _ords_category_names() -> dict[str, int]:
    """Lower-cased ORDS product category names (and our slugs) to ORDS ids."""
    names: dict[str, int] = {}
    for row in category_rows():
        if row["ords_id"]:
            names[row["name"].lower()] = int(row["ords_id"])
            names[row["slug"]] = int(row["ords_id"])
    return names


def territory_name(group_identifier: str, provider: str) -> str:
    """The territory a new site is filed under (see the module rules)."""
    text = group_identifier.strip()
    if not text:
        return f"{provider} area"[:120]
    head = _TERRITORY_CUT.split(text, maxsplit=1)[0].strip()
    if head and head != text:
        return head[:120]
    words = (head or text).split()
    name = " ".join(words[:2]) if len(words[0]) <= 4 and len(words) > 1 else words[0]
    return name[:120]


def _category(row: dict[str, str], notes: list[str]) -> int | None:
    number, found_notes = _category_of(row.get("product_category_id", "").strip(),
                                       row.get("product_category", "").strip())
    notes.extend(found_notes)
    return number


@lru_cache(maxsize=1024)
def _category_of(raw_id: str, name: str) -> tuple[int | None, tuple[str, ...]]:
    """The ORDS category of an id and a name as written, and the notes when they are unusable;
    a file names the same few categories on every row, so each pair is looked at once."""
    notes: tuple[str, ...] = ()
    if raw_id:
        try:
            number = int(float(raw_id))
        except ValueError:
            number = 0
        if 1 <= number <= 40:
            return number, ()
        notes = (f"product_category_id {raw_id!r} is not an ORDS category; left empty",)
    if name:
        found = _ords_category_names().get(name.lower())
        if found is None:
            notes += (f"product_category {name!r} is not an ORDS category; left empty",)
        return found, notes
    return None, notes


def _age(row: dict[str, str], event_day: date, notes: list[str]) -> float | None:
    raw = row.get("product_age", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if 0 <= value < 200:
            return round(value, 1)
        notes.append(f"product_age {raw!r} is not a number of years; left empty")
        return None
    year = row.get("year_of_manufacture", "").strip()
    if year.isdigit() and 1800 < int(year) <= event_day.year:
        return float(event_day.year - int(year))
    return None


def _text(value: str, limit: int, what: str, notes: list[str]) -> str:
    value = value.strip()
    if len(value) > limit:
        notes.append(f"{what} cut to {limit} characters")
        return value[:limit]
    return value


@lru_cache(maxsize=8192)
def _day(text: str) -> date | None:
    """The date written YYYY-MM-DD, or None; a file has a few thousand event days at most."""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_row(row: dict[str, str], line: int, today: date) -> tuple[OrdsRecord, list[str]]:
    """A cleaned record and the notes about it, or RowError with the reason to reject it."""
    source_id = row.get("id", "").strip()
    provider = row.get("data_provider", "").strip()
    if not source_id:
        raise RowError("missing id")
    if len(source_id) > 120:
        raise RowError("id longer than 120 characters")
    if not provider:
        raise RowError("missing data_provider")
    if len(provider) > 120:
        raise RowError("data_provider longer than 120 characters")
    country = row.get("country", "").strip()
    if not _COUNTRY.match(country):
        raise RowError(f"bad country {country!r}: expected an ISO 3166 alpha-3 code such as GBR")
    raw_date = row.get("event_date", "").strip()
    event_day = _day(raw_date)
    if event_day is None:
        raise RowError(f"bad event_date {raw_date!r}: expected YYYY-MM-DD")
    if event_day > today:
        raise RowError(f"event_date {raw_date} is in the future")
    raw_status = row.get("repair_status", "").strip()
    outcome = _STATUS.get(raw_status.lower())
    if outcome is None:
        raise RowError(f"unknown repair_status {raw_status!r}: expected Fixed, Repairable, "
                       "End of life, Unknown or 1, 2, 3, 0")
    raw_barrier = row.get("repair_barrier_if_end_of_life", "").strip()
    barrier = None
    notes: list[str] = []
    if raw_barrier:
        barrier = _BARRIER.get(raw_barrier.lower())
        if barrier is None:
            raise RowError(f"unknown repair_barrier_if_end_of_life {raw_barrier!r}")
        if outcome != "end_of_life":
            notes.append(f"barrier {raw_barrier!r} dropped: only End of life repairs have one")
            barrier = None
    brand = _text(row.get("brand", ""), 120, "brand", notes)
    if brand.lower() == "unknown":
        brand = ""
    record = OrdsRecord(
        line=line,
        provider=provider,
        source_id=source_id,
        country=country.upper(),
        category_ords_id=_category(row, notes),
        brand=brand,
        problem=_text(row.get("problem", ""), 2000, "problem", notes),
        product_age=_age(row, event_day, notes),
        outcome=outcome,
        barrier=barrier,
        group_identifier=_text(row.get("group_identifier", ""), 120, "group_identifier", notes),
        event_date=event_day,
    )
    return record, notes
