"""One period and one scope syntax for reports, dashboards, subscriptions and exports."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repaircafe.domain import periods
from repaircafe.domain.errors import Refused
from repaircafe.domain.periods import Period, ScopeRef, parse_period, parse_scope


@pytest.mark.parametrize(("text", "start", "end", "key"), [
    ("2025", date(2025, 1, 1), date(2025, 12, 31), "2025"),
    ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30), "2025-Q2"),
    ("2025Q2", date(2025, 4, 1), date(2025, 6, 30), "2025-Q2"),
    ("2025-q3", date(2025, 7, 1), date(2025, 9, 30), "2025-Q3"),
    ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31), "2025-Q4"),
    ("2025-06", date(2025, 6, 1), date(2025, 6, 30), "2025-06"),
    ("2025-5", date(2025, 5, 1), date(2025, 5, 31), "2025-05"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
    ("2025-12", date(2025, 12, 1), date(2025, 12, 31), "2025-12"),
    (" 2025-06-01..2025-08-31 ", date(2025, 6, 1), date(2025, 8, 31), "2025-06-01..2025-08-31"),
    ("2025-01-01 .. 2025-01-31", date(2025, 1, 1), date(2025, 1, 31), "2025-01-01..2025-01-31"),
])
def test_every_spelling_parses_to_an_inclusive_period(text, start, end, key):
    period = parse_period(text)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert period.after_end.toordinal() == end.toordinal() + 1
    assert parse_period(period.key) == period


@pytest.mark.parametrize("text", ["last spring", "2025-13", "2025-Q5", "25", "", "2025-02-30..2025-03-01"])
def test_unknown_periods_are_refused(text):
    with pytest.raises(Refused, match="Unknown period"):
        parse_period(text)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(Refused, match="ends before"):
        parse_period("2025-06-30..2025-06-01")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
       st.sampled_from(periods.PERIOD_KINDS))
def test_the_period_of_a_day_contains_it_and_the_previous_one_ends_the_day_before(day, kind):
    period = periods.period_of(kind, day)
    assert period.start <= day <= period.end
    assert parse_period(period.key) == period
    before = periods.previous_period(kind, day)
    assert before.after_end == period.start and before.is_whole_months


def test_period_labels():
    assert parse_period("2025-06").label("fr") == "Juin 2025"
    assert parse_period("2025-Q3").label("en") == "Q3 2025"
    assert parse_period("2025-Q3").label("fr") == "T3 2025"
    assert Period("range", date(2025, 6, 1), date(2025, 6, 2)).is_whole_months is False


@pytest.mark.parametrize(("text", "ref"), [
    ("all", ScopeRef("all")),
    ("territory:Cardiff", ScopeRef("territory", name="Cardiff")),
    ("Group: Repair Cafe Cardiff ", ScopeRef("group", name="Repair Cafe Cardiff")),
    ("site:#12", ScopeRef("site", id=12)),
    ("territory:3", ScopeRef("territory", id=3)),
])
def test_scopes_parse(text, ref):
    assert parse_scope(text) == ref


@pytest.mark.parametrize("text", ["", "everything", "county:Gwent", "group:", "site"])
def test_unknown_scopes_are_refused(text):
    with pytest.raises(Refused, match="Unknown scope"):
        parse_scope(text)


def test_scope_keys_read_back():
    assert periods.ALL.key == "all"
    assert periods.Scope("territory", 3, "Cardiff").key == "territory:3"
    assert parse_scope(periods.Scope("site", 7, "Hub").key) == ScopeRef("site", id=7)


@pytest.mark.parametrize("text", ["2025-T3", "2025T3", "2025-t3"])
def test_quarters_written_the_french_way(text):
    assert parse_period(text) == parse_period("2025-Q3")


@pytest.mark.parametrize(("today", "start"), [
    (date(2026, 12, 4), date(2025, 12, 5)),  # December: not the calendar year
    (date(2026, 1, 31), date(2025, 2, 1)),
    (date(2028, 2, 29), date(2027, 3, 1)),
])
def test_the_last_twelve_months_end_today(today, start):
    period = periods.last_twelve_months(today)
    assert (period.start, period.end) == (start, today)
    assert period != parse_period(str(today.year))
    assert (period.end - period.start).days in (364, 365)


def test_months_are_added_by_the_calendar():
    assert periods.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert periods.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert periods.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=36))
def test_a_day_planned_months_later_is_that_many_months_later(start, months):
    assert periods.months_between(start, periods.add_months(start, months)) == months


def test_months_between_counts_the_days_past_the_last_whole_month():
    assert periods.months_between(date(2025, 1, 15), date(2026, 1, 14)) < 12
    assert periods.months_between(date(2025, 1, 15), date(2025, 1, 15)) == 0
    assert periods.months_between(date(2025, 1, 31), date(2025, 3, 3)) == pytest.approx(
        1 + 3 / periods.DAYS_PER_MONTH)
