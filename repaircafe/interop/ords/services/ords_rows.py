"""The rules for one ORDS row: which rows are rejected, which are kept with a note, and the
cleaned record a valid row becomes (see ords_import for the rules in words)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from repaircafe.core.setup import category_rows
from repaircafe.domain import countries
from repaircafe.interop.ords.services import ords_vocabulary as vocabulary

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTNER_CATEGORY_LIMIT = 200


class OrdsRecord(NamedTuple):
    """One valid ORDS row, cleaned (a named tuple: a large file makes one per row)."""

    line: int
    provider: str
    source_id: str
    country: str | None
    partner_category: str | None
    category_ords_id: int | None
    brand: str
    problem: str
    product_age: float | None
    outcome: str
    barrier: int | None
    group_identifier: str
    event_date: date


class Parsed(NamedTuple):
    """A row read: the record, notes about it, and the values left out without a row note
    (counted for the whole file instead, as "????" years fill whole v0.2 files)."""

    record: OrdsRecord
    notes: list[str]
    dropped: list[tuple[str, str]]


class RowError(Exception):
    """A row that cannot be imported; the message is the reason shown to the user."""


@lru_cache(maxsize=1)
def _ords_categories() -> tuple[dict[str, int], dict[int, str]]:
    """Lower-cased ORDS product category names (and our slugs, and older names) to ORDS ids,
    and each id's name."""
    names: dict[str, int] = dict(vocabulary.CATEGORY_ALIASES)
    by_id: dict[int, str] = {}
    for row in category_rows():
        if row["ords_id"]:
            names[row["name"].lower()] = int(row["ords_id"])
            names[row["slug"]] = int(row["ords_id"])
            by_id[int(row["ords_id"])] = row["name"]
    return names, by_id


def _category(row: dict[str, str], notes: list[str]) -> int | None:
    number, found_notes = _category_of(row.get("product_category_id", "").strip(),
                                       row.get("product_category", "").strip())
    notes.extend(found_notes)
    return number


@lru_cache(maxsize=1024)
def _category_of(raw_id: str, name: str) -> tuple[int | None, tuple[str, ...]]:
    """The ORDS category of an id and a name as written, and the notes when they are unusable
    or disagree; a file names the same few categories on every row, so each pair is looked at
    once.

    When both are usable but name different categories, the id is used: it is the category's
    key in ORDS v0.3, while names have changed between versions ("Blender" became "Food
    processor").
    """
    names, by_id = _ords_categories()
    by_name = names.get(name.lower()) if name else None
    notes: tuple[str, ...] = ()
    if raw_id:
        try:
            number = int(float(raw_id))
        except ValueError:
            number = 0
        if 1 <= number <= 40:
            if name and by_name is None:
                return number, (f"product_category {name!r} is not an ORDS category; used "
                                f"product_category_id {number} ({by_id[number]})",)
            if by_name is not None and by_name != number:
                return number, (
                    f"product_category_id {number} ({by_id[number]}) disagrees with "
                    f"product_category {name!r} ({by_name}); used the id {number}, the "
                    f"category's key in ORDS v0.3",)
            return number, ()
        notes = (f"product_category_id {raw_id!r} is not an ORDS category; left empty",)
    if name:
        if by_name is None:
            notes += (f"product_category {name!r} is not an ORDS category; left empty",)
        return by_name, notes
    return None, notes


def _age(row: dict[str, str], event_day: date, notes: list[str],
         dropped: list[tuple[str, str]]) -> float | None:
    raw = row.get("product_age", "").strip()
    year = row.get("year_of_manufacture", "").strip()
    year_usable = year.isdigit() and len(year) == 4 and 1800 < int(year) <= event_day.year
    if year and not year_usable:
        dropped.append(("year_of_manufacture", year))
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if 0 <= value < 200:
            return round(value, 1)
        notes.append(f"product_age {raw!r} is not a number of years; left empty")
        return None
    if year_usable:
        return float(event_day.year - int(year))
    return None


def _text(value: str, limit: int, what: str, notes: list[str]) -> str:
    value = value.strip()
    if len(value) > limit:
        notes.append(f"{what} cut to {limit} characters")
        return value[:limit]
    return value


def _partner_category(value: str, notes: list[str]) -> str | None:
    """The partner's own category exactly as written (an export gives it back unchanged)."""
    if not value.strip():
        return None
    if len(value) > PARTNER_CATEGORY_LIMIT:
        notes.append(f"partner_product_category cut to {PARTNER_CATEGORY_LIMIT} characters")
        return value[:PARTNER_CATEGORY_LIMIT]
    return value


def _country(value: str, notes: list[str]) -> str | None:
    code = countries.alpha3(value)
    if code is None and value.strip():
        notes.append(f"country {value.strip()!r} is not an ISO 3166-1 alpha-3 code such as "
                     "GBR; imported without a country")
    elif code is None:
        notes.append("no country; imported without one")
    return code


@lru_cache(maxsize=8192)
def _day(text: str) -> date | None:
    """The date written YYYY-MM-DD, or None; a file has a few thousand event days at most."""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_row(row: dict[str, str], line: int, today: date) -> Parsed:
    """A cleaned record and what was noted or left out, or RowError with the reason to reject
    it."""
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
    raw_date = row.get("event_date", "").strip()
    event_day = _day(raw_date)
    if event_day is None:
        raise RowError(f"bad event_date {raw_date!r}: expected YYYY-MM-DD")
    if event_day > today:
        raise RowError(f"event_date {raw_date} is in the future")
    raw_status = row.get("repair_status", "").strip()
    outcome = vocabulary.STATUSES.get(raw_status.lower())
    if outcome is None:
        raise RowError(f"unknown repair_status {raw_status!r}: expected Fixed, Repairable, "
                       "End of life, Unknown or 1, 2, 3, 0")
    raw_barrier = row.get("repair_barrier_if_end_of_life", "").strip()
    barrier = None
    notes: list[str] = []
    dropped: list[tuple[str, str]] = []
    if raw_barrier:
        barrier = vocabulary.barrier(raw_barrier)
        if barrier is None:
            raise RowError(f"unknown repair_barrier_if_end_of_life {raw_barrier!r}")
        if outcome != "end_of_life":
            notes.append(f"barrier {raw_barrier!r} dropped: only End of life repairs have one")
            barrier = None
    country = _country(row.get("country", ""), notes)
    brand = _text(row.get("brand", ""), 120, "brand", notes)
    if brand.lower() == "unknown":
        brand = ""
    record = OrdsRecord(
        line=line,
        provider=provider,
        source_id=source_id,
        country=country,
        partner_category=_partner_category(row.get("partner_product_category", ""), notes),
        category_ords_id=_category(row, notes),
        brand=brand,
        problem=_text(row.get("problem", ""), 2000, "problem", notes),
        product_age=_age(row, event_day, notes, dropped),
        outcome=outcome,
        barrier=barrier,
        group_identifier=_text(row.get("group_identifier", ""), 120, "group_identifier", notes),
        event_date=event_day,
    )
    return Parsed(record, notes, dropped)
