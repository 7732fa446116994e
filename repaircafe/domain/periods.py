"""Report periods and scopes as users write them: one spelling set for every report, dashboard,
subscription and export, so a period or scope means the same wherever it is typed.

A `Period` runs from `start` to `end`, both days included: that is how people say "June to
August" and how a report prints it. Queries over timestamps use `after_end`, the first day past
the period, as an exclusive bound.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from repaircafe.domain.errors import Refused

PERIOD_KINDS = ("month", "quarter", "year")
SCOPE_KINDS = ("all", "territory", "group", "site")

_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-?[QqTt]([1-4])")  # T: "trimestre", as French writes it
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Period:
    """A month, a quarter, a year, or any range of days; `start` and `end` are both included."""

    kind: str  # month / quarter / year / range
    start: date
    end: date

    @property
    def after_end(self) -> date:
        """The first day after the period: the exclusive bound for timestamp queries."""
        return self.end + timedelta(days=1)

    @property
    def key(self) -> str:
        """The canonical spelling, which `parse_period` reads back."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def is_whole_months(self) -> bool:
        """Whether the monthly rollup answers for it exactly."""
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        return self.start.day == 1 and self.end.day == last

    @property
    def months(self) -> tuple[str, str]:
        """First and last month, as 'YYYY-MM'."""
        return f"{self.start:%Y-%m}", f"{self.end:%Y-%m}"

    def label(self, language: str) -> str:
        """How a report heading names it: "June 2025", "Q3 2025" ("T3 2025" in French)."""
        if self.kind == "month":
            return format_date(self.start, "LLLL y", locale=language).capitalize()
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return f"{'T' if language == 'fr' else 'Q'}{q} {self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        first = format_date(self.start, "medium", locale=language)
        return f"{first} – {format_date(self.end, 'medium', locale=language)}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


DAYS_PER_MONTH = 365.25 / 12


def months_between(start: date, end: date) -> float:
    """Calendar months from `start` to `end`, the days past the last whole month as a fraction.

    Counted as `add_months` counts, so something planned "12 months after" a day is 12 months
    after it on the day it falls due (365 days are not 11.99 months here)."""
    whole = (end.year - start.year) * 12 + end.month - start.month
    while whole > 0 and add_months(start, whole) > end:
        whole -= 1
    return whole + (end - add_months(start, whole)).days / DAYS_PER_MONTH


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year that contains a day."""
    if kind == "month":
        return Period("month", day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period("quarter", date(day.year, first, 1), _month_end(day.year, first + 2))
    if kind == "year":
        return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))
    raise Refused("Unknown period kind “%(kind)s”: use month, quarter or year.", kind=kind)


def previous_period(kind: str, day: date) -> Period:
    """The last whole period before the one containing `day`."""
    return period_of(kind, period_of(kind, day).start - timedelta(days=1))


def last_twelve_months(today: date) -> Period:
    """The twelve months ending today, both days included: 5 Dec 2025 to 4 Dec 2026. Not the
    calendar year, and never a day in the future."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period("range", year_ago + timedelta(days=1), today)


def parse_period(value: str) -> Period:
    """``2025``, ``2025-Q3`` (or ``2025Q3``, or ``2025-T3`` as French writes it), ``2025-05`` (or ``2025-5``), or a range of days
    ``2025-01-01..2025-06-30`` with both days included."""
    value = (value or "").strip()
    try:
        if m := _YEAR.fullmatch(value):
            return period_of("year", date(int(m[1]), 1, 1))
        if m := _QUARTER.fullmatch(value):
            return period_of("quarter", date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
        if m := _MONTH.fullmatch(value):
            return period_of("month", date(int(m[1]), int(m[2]), 1))
        if m := _RANGE.fullmatch(value):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise Refused("The period ends before it starts.")
            return Period("range", start, end)
    except ValueError:
        pass
    raise Refused("Unknown period “%(period)s”: use 2025-05, 2025-Q3, 2025 or "
                  "2025-01-01..2025-06-30.", period=value)


@dataclass(frozen=True)
class Scope:
    """Whose figures: everything, or one territory, group or site (by id; `name` for display)."""

    kind: str  # all / territory / group / site
    id: int | None
    name: str

    @property
    def key(self) -> str:
        """The form used in URLs and subscriptions: ``territory:3``, ``all``."""
        return "all" if self.kind == "all" else f"{self.kind}:{self.id}"


ALL = Scope("all", None, "")


@dataclass(frozen=True)
class ScopeRef:
    """A scope as written, before it is looked up: a kind and either a row id or a name."""

    kind: str
    id: int | None = None
    name: str = ""


def parse_scope(value: str) -> ScopeRef:
    """``all``, ``territory:NAME``, ``group:NAME``, ``site:NAME``; ``KIND:#ID`` or a bare id
    after the colon names a row by id (site names repeat across groups)."""
    value = (value or "").strip()
    if value.lower() == "all":
        return ScopeRef("all")
    kind, _, ref = value.partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    if kind not in SCOPE_KINDS[1:] or not ref:
        raise Refused("Unknown scope “%(scope)s”: use all, territory:NAME, group:NAME or "
                      "site:NAME.", scope=value)
    if ref.lstrip("#").isdigit():
        return ScopeRef(kind, id=int(ref.lstrip("#")))
    return ScopeRef(kind, name=ref)
