"""Reading cafés' own spreadsheets: which column is which, and cell values as they type them.

Headers come in any order and language ("Date", "Datum", "Réparé ?", "Klacht"); values in
local forms (12/03/2024, "oui", "Deels", "1,2 kg", "800 g"). The words are those of
sheet_vocabulary. Each parser returns a clean value or raises Refused with a reason a
volunteer can act on; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from repaircafe.domain import lifecycle, values
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.interop.sheets.services.sheet_vocabulary import (
    Vocabulary,
    bare,
    fold,
    vocabulary,
)

# Our fields, in the order the mapping page shows them.
FIELDS = ("date", "site", "category", "brand", "model", "problem", "weight", "outcome",
          "barrier", "age")
FIELD_LABELS = {
    "date": N_("Date of the session"), "site": N_("Site"), "category": N_("Category"),
    "brand": N_("Brand"), "model": N_("Model"), "problem": N_("Problem"),
    "weight": N_("Weight (kg)"), "outcome": N_("Outcome"), "barrier": N_("Barrier (End of life)"),
    "age": N_("Age or year of manufacture"),
}
DATE_ORDERS = ("dmy", "mdy", "ymd")
ROW_KEY = ""  # no key column: a row is known by its content

# Fields whose unreadable cell always rejects the row: without a date or a site the row has
# no café session, and the outcome is what the import is for. Any other cell that cannot be
# read is left empty and the row kept with a note (as the ORDS import does), unless the
# mapping marks that field required too.
REQUIRED_FIELDS = ("date", "site", "outcome")
OPTIONAL_FIELDS = tuple(f for f in FIELDS if f not in REQUIRED_FIELDS)


@dataclass
class ColumnMapping:
    """Our field -> their header, the key column, how dates are written, the default site and
    the fields whose unreadable cell rejects the row."""

    columns: dict[str, str] = field(default_factory=dict)
    key: str = ROW_KEY
    date_order: str = "dmy"
    site_id: int | None = None
    required: tuple[str, ...] = ()  # optional fields this mapping makes required

    def as_dict(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "key": self.key, "date_order": self.date_order,
                "site_id": self.site_id, "required": list(self.required)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ColumnMapping:
        data = data or {}
        columns = {k: str(v) for k, v in dict(data.get("columns") or {}).items()
                   if k in FIELDS and v}
        order: str = data["date_order"] if data.get("date_order") in DATE_ORDERS else "dmy"
        site = str(data.get("site_id") or "")
        return cls(columns, str(data.get("key") or ""), order,
                   int(site) if site.isdigit() else None,
                   required_fields(data.get("required") or ()))

    def fitted_to(self, headers: Sequence[str]) -> ColumnMapping:
        """The same mapping with columns this file does not have left out."""
        present = set(headers)
        return ColumnMapping({k: v for k, v in self.columns.items() if v in present},
                             self.key if self.key in present else ROW_KEY,
                             self.date_order, self.site_id, self.required)

    def is_required(self, name: str) -> bool:
        return name in REQUIRED_FIELDS or name in self.required

    def ignored(self, headers: Sequence[str]) -> list[str]:
        """The file's columns the import does not read, in the file's order."""
        used = {*self.columns.values(), self.key}
        return [h for h in headers if h not in used]


def required_fields(names: Iterable[Any]) -> tuple[str, ...]:
    """The optional fields among the names, in our order (unknown names are left out)."""
    given = {str(n) for n in names}
    return tuple(f for f in OPTIONAL_FIELDS if f in given)


def describe(mapping: ColumnMapping, headers: Sequence[str], *, default_site: str = ""
             ) -> list[str]:
    """The mapping in words, one line each, for the command line: our field <- their column."""
    lines = ["Column mapping:"]
    for name in FIELDS:
        header = mapping.columns.get(name)
        if header is None:
            continue
        mark = " (required)" if mapping.is_required(name) else ""
        lines.append(f"  {FIELD_LABELS[name]} ← {header}{mark}")
    lines.append(f"  Key ← {mapping.key}" if mapping.key != ROW_KEY
                 else "  Key ← the whole row")
    if default_site:
        lines.append(f"  Site for rows without one: {default_site}")
    missing = [FIELD_LABELS[n] for n in FIELDS if n not in mapping.columns]
    if missing:
        lines.append("Not in the file: " + ", ".join(missing))
    ignored = mapping.ignored(headers)
    lines.append("Ignored columns: " + (", ".join(ignored) if ignored else "none"))
    return lines


def guess_columns(headers: Sequence[str]) -> dict[str, str]:
    """Our field for each header we recognise.

    Whole headers first ("Klacht", "Gewicht (kg)"); then the words a header starts with win
    over words further in, so "Reden niet gerepareerd" is the barrier and "Leeftijd apparaat"
    the age, and among words at the same place the longer one wins.
    """
    words = vocabulary("header")
    found: dict[str, str] = {}
    for name in FIELDS:
        header = next((h for h in headers if words.match(h) == name
                       and h not in found.values()), None)
        if header is not None:
            found[name] = header
    candidates = []
    for order, header in enumerate(headers):
        key = bare(header)
        if not key or header in found.values():
            continue
        for phrase, name in words.exact.items():
            place = key.find(phrase) if len(phrase) > 3 and phrase.isalnum() else -1
            if place >= 0 and name not in found:
                candidates.append((place, -len(phrase), order, FIELDS.index(name), name, header))
    for *_, name, header in sorted(candidates):
        if name not in found and header not in found.values():
            found[name] = header
    return found


def guess_date_order(cells: Iterable[Any]) -> str:
    """dmy unless the dates themselves show otherwise (a 13th month is a day)."""
    for cell in cells:
        if isinstance(cell, date | datetime) or cell is None:
            continue
        parts = re.findall(r"[0-9]+", str(cell))
        if len(parts) != 3 or any(len(p) > 4 for p in parts):
            continue
        first, second = int(parts[0]), int(parts[1])
        if len(parts[0]) == 4:
            return "ymd"
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
    return "dmy"


def guess_mapping(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> ColumnMapping:
    """A first mapping from the headers and a look at the dates."""
    columns = guess_columns(headers)
    order = "dmy"
    if "date" in columns:
        index = list(headers).index(columns["date"])
        order = guess_date_order(r[index] for r in rows[:200] if index < len(r))
    return ColumnMapping(columns, ROW_KEY, order)


# --------------------------------------------------------------------------- cell values


def parse_date(cell: Any, order: str = "dmy", *, today: date | None = None) -> date:
    """A session date from a cell: a spreadsheet date, an Excel serial, or text in local form."""
    if isinstance(cell, datetime):
        found = cell.date()
    elif isinstance(cell, date):
        found = cell
    elif isinstance(cell, int | float) and 20000 <= cell <= 80000:
        found = date(1899, 12, 30) + timedelta(days=int(cell))
    else:
        found = _date_from_text(str(cell or "").strip(), order)
    if today is not None and found > today:
        raise Refused("The date %(date)s is in the future.", date=found.isoformat())
    if found.year < 1990:
        raise Refused("The date %(date)s is too far back for a repair café.",
                      date=found.isoformat())
    return found


def _date_from_text(text: str, order: str) -> date:
    if not text:
        raise Refused("The date is empty.")
    words = re.findall(r"[^\W\d_]+", fold(text).replace("-", " "))
    try:
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        months = vocabulary("month").exact
        month_words = [int(months[w]) for w in words if w in months]
        if month_words and len(numbers) == 2:
            day, year = (numbers if numbers[0] <= 31 else numbers[::-1])
            return date(_year(year), month_words[0], day)
        if len(numbers) >= 3:
            a, b, c = numbers[:3]
            if a > 31 or len(re.findall(r"\d+", text)[0]) == 4:
                return date(a, b, c)
            if order == "mdy":
                return date(_year(c), a, b)
            return date(_year(c), b, a)
        if len(numbers) == 1 and len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except (ValueError, OverflowError):  # a 13th month, or a year of twenty digits
        pass
    raise Refused("“%(text)s” is not a date we can read (write it as 31/12/2024 or "
                  "2024-12-31).", text=_shown(text))


def _year(value: int) -> int:
    return value + 2000 if value < 100 else value


def parse_outcome(cell: Any) -> str:
    """fixed / repairable / end_of_life / unknown from yes/no, oui/non, ORDS names or codes."""
    text = fold(cell)
    if isinstance(cell, bool):
        return "fixed" if cell else "end_of_life"
    if isinstance(cell, int | float):
        text = str(int(cell)) if -10 < cell < 10 else "not an outcome"  # inf and nan too
    if cell is None or not str(cell).strip():
        return "unknown"
    raw = str(cell).strip().lower()
    words = vocabulary("outcome")
    found = words.exact.get(text) if isinstance(cell, int | float) else words.match(cell)
    if found is not None and not _foreign_digits(raw):
        return found
    raise Refused("“%(cell)s” is not an outcome: use fixed, repairable, end of life or unknown "
                  "(or yes / half / no).", cell=_shown(cell))


def parse_barrier(cell: Any) -> int | None:
    """An ORDS barrier code (1-6) from its code, its name or a common wording."""
    if cell is None or not str(cell).strip():
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool) and cell in lifecycle.BARRIERS:
        return int(cell)
    raw = str(cell).strip()
    if re.fullmatch(r"[0-9]", raw) and int(raw) in lifecycle.BARRIERS:
        return int(raw)
    if not _foreign_digits(raw) and not isinstance(cell, int | float):
        words = vocabulary("barrier")
        found = words.match(cell) or words.within(cell)
        if found is not None:
            return int(found)
    raise Refused("“%(cell)s” is not a barrier: use 1 to 6 or one of %(names)s.",
                  cell=_shown(cell), names=", ".join(lifecycle.BARRIERS.values()))


def parse_weight_cell(cell: Any) -> float | None:
    """Kilograms from 1,2 / 1.2 kg / 800 g / 1 200 g."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        try:
            return values.parse_weight(float(cell))
        except OverflowError:  # an integer too large for a float
            raise Refused("“%(cell)s” is not a weight.", cell=_shown(cell)) from None
    text = str(cell).strip().lower().replace("\u00a0", " ")
    if _foreign_digits(text) or len(text) > 40:
        raise Refused("“%(cell)s” is not a weight.", cell=_shown(cell))
    grams = re.fullmatch(r"([\d\s.,]+)\s*(g|gr|grammes?|grams?)", text)
    if grams:
        number = re.sub(r"\s", "", grams[1]).replace(",", ".")
        try:
            return values.parse_weight(float(number) / 1000)
        except ValueError:
            raise Refused("“%(cell)s” is not a weight.", cell=cell) from None
    text = re.sub(r"(?<=\d)\s+(?=\d{3}\b)", "", text)
    text = re.sub(r"\s*(kgs?|kilos?|kilogrammes?|kilograms?)$", "", text)
    return values.parse_weight(text)


def parse_age(cell: Any, on: date) -> float | None:
    """Age in years, from an age ("5", "5 ans", "2,5 years") or a year of manufacture."""
    if cell is None or str(cell).strip() == "":
        return None
    match = re.search(r"[0-9]+(?:[.,][0-9]+)?", str(cell))
    if match is None or _foreign_digits(str(cell)) or len(match[0]) > 8:
        raise Refused("“%(cell)s” is not an age in years.", cell=_shown(cell))
    number = float(match[0].replace(",", "."))
    if number >= 1900:
        if number > on.year:
            raise Refused("Year of manufacture %(year)s is after the repair.",
                          year=f"{number:g}")
        return float(on.year - int(number))
    if number > 150:
        raise Refused("“%(cell)s” is not an age in years.", cell=_shown(cell))
    return round(number, 1)


def _foreign_digits(text: str) -> bool:
    """Whether the text has digits other than 0-9 (², ٣): Python would read some of them as
    numbers, but in a café's sheet they are typing slips, so the cell is refused."""
    return not text.isascii() and any(c.isdigit() and not c.isascii() for c in text)


def _shown(cell: Any) -> str:
    """A cell as a message quotes it: a number too long to read is cut."""
    try:
        text = str(cell)
    except ValueError:  # an integer of thousands of digits
        text = "9" * 61
    return text if len(text) <= 60 else text[:60] + "…"


@dataclass(frozen=True)
class CategoryIndex:
    """Finds our category from what a café wrote: slug, name, ORDS name or a common word in
    any of the vocabulary's languages (see sheet_vocabulary for how loosely)."""

    words: Vocabulary

    @classmethod
    def build(cls, categories: Iterable[tuple[str, str]]) -> CategoryIndex:
        own = [(text, slug) for slug, name in categories for text in (slug, name)]
        return cls(vocabulary("category").with_first(own))

    def find(self, cell: Any) -> str | None:
        text = str(cell or "").strip()
        if not text:
            return None
        for candidate in (text, text.split("~")[-1], text.split("/")[0], text.split("(")[0]):
            slug = self.words.match(candidate)
            if slug:
                return slug
        slug = self.words.search(text)
        if slug:
            return slug
        raise Refused("“%(text)s” is not a category we know: use one of the category "
                      "names.", text=_shown(text))
