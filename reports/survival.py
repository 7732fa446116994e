"""How long repairs last: Kaplan–Meier estimates from owners' "still working?" answers.

Plain data in (one observation per object handed back fixed), a table out; the app reads the
answers and a report shows the table with its counts at risk and what was censored.

Each object handed back fixed is followed from its hand-over. Its first "broke again" answer is
the event, dated at the question it answers or when it was given (the repair failed some time
before that, so the estimate leans optimistic by up to one follow-up interval: the report says
so). An object whose answers so far are all "still works" is censored at its latest answer: it
is known to have lasted at least that long, and no more is claimed. Objects with no answer at all are not followed and
are counted apart, so the table never treats silence as success.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

CHECKPOINTS = (3.0, 6.0, 12.0)


@dataclass(frozen=True)
class Followed:
    """One object: months from hand-over to its first failure, or to its last good answer."""

    category: str
    months: float
    broke: bool


@dataclass(frozen=True)
class Checkpoint:
    """The estimate at a number of months: None once nobody is left at risk to tell."""

    months: float
    survival: float | None
    at_risk: int


@dataclass(frozen=True)
class SurvivalRow:
    """One line of the table: a category ("category"), the categories too small to read alone
    pooled together ("other", no name), or every object ("all", no name)."""

    category: str
    followed: int
    broke: int
    censored: int
    checkpoints: tuple[Checkpoint, ...]
    kind: str = "category"


def kaplan_meier(observations: Sequence[Followed]) -> list[tuple[float, int, int, float]]:
    """(months, at risk, failures, survival after them) at every month with a failure.

    Objects censored at the same time as a failure are still counted at risk for it, the usual
    convention: they were known to work then.
    """
    survival = 1.0
    steps = []
    for months in sorted({o.months for o in observations if o.broke}):
        at_risk = sum(1 for o in observations if o.months >= months)
        failures = sum(1 for o in observations if o.broke and o.months == months)
        survival *= 1 - failures / at_risk
        steps.append((months, at_risk, failures, survival))
    return steps


def survival_at(observations: Sequence[Followed], months: float,
                steps: Sequence[tuple[float, int, int, float]] | None = None) -> Checkpoint:
    """The share still working `months` after hand-over, with how many were still followed.
    `steps` are the observations' `kaplan_meier` steps when already computed."""
    at_risk = sum(1 for o in observations if o.months >= months)
    survival = 1.0
    for when, _at_risk, _failures, after in (kaplan_meier(observations) if steps is None
                                              else steps):
        if when <= months:
            survival = after
    longest = max((o.months for o in observations), default=0.0)
    if not observations or longest < months:
        return Checkpoint(months, None, at_risk)
    return Checkpoint(months, survival, at_risk)


def _row(category: str, observations: Sequence[Followed], checkpoints: Iterable[float],
         kind: str = "category") -> SurvivalRow:
    broke = sum(1 for o in observations if o.broke)
    steps = kaplan_meier(observations)
    return SurvivalRow(category, len(observations), broke, len(observations) - broke,
                       tuple(survival_at(observations, m, steps) for m in checkpoints), kind)


# A category with fewer objects followed than this is pooled with the other small ones: an
# estimate from one or two objects says more about chance than about the category.
POOL_BELOW = 5


def survival_table(observations: Iterable[Followed], checkpoints: Sequence[float] = CHECKPOINTS,
                   pool_below: int = 0) -> list[SurvivalRow]:
    """One row per category (most followed first), the categories with fewer than `pool_below`
    objects followed pooled in one row, then a row over every object."""
    everything = list(observations)
    by_category: dict[str, list[Followed]] = defaultdict(list)
    for o in everything:
        by_category[o.category].append(o)
    ordered = sorted(by_category.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    rows = [_row(name, found, checkpoints) for name, found in ordered
            if len(found) >= pool_below]
    pooled = [o for _name, found in ordered if len(found) < pool_below for o in found]
    if pooled:
        rows.append(_row("", pooled, checkpoints, "other"))
    if everything:
        rows.append(_row("", everything, checkpoints, "all"))
    return rows


def follow(category: str, answers: Iterable[tuple[float, bool]]) -> Followed | None:
    """An object's observation from its answers (months after hand-over, still works?)."""
    ordered = sorted(answers)
    if not ordered:
        return None
    for months, works in ordered:
        if not works:
            return Followed(category, months, True)
    return Followed(category, ordered[-1][0], False)


@dataclass(frozen=True)
class Lasting:
    """A scope's survival table, with what a reader needs to weigh it: how many objects went
    home repaired and were never heard of, and the day the answers were read up to."""

    rows: tuple[SurvivalRow, ...]
    not_followed: int
    known_at: dt.date
    checkpoints: tuple[float, ...] = CHECKPOINTS

    @property
    def followed(self) -> int:
        return self.rows[-1].followed if self.rows else 0


def lasting(observations: Iterable[Followed], *, not_followed: int, known_at: dt.date,
            checkpoints: Sequence[float] = CHECKPOINTS) -> Lasting:
    return Lasting(tuple(survival_table(observations, checkpoints, POOL_BELOW)), not_followed,
                   known_at, tuple(checkpoints))


def months_key(months: float) -> str:
    """A checkpoint as a column suffix: 3.0 -> "3m", 1.5 -> "1.5m"."""
    return f"{months:g}m"


def survival_frame(table: Lasting, name: Callable[[SurvivalRow], str]) -> pd.DataFrame:
    """The table as columns (for a sheet): per checkpoint the share still working and how many
    objects were still followed then; an empty share means nobody was followed that long.
    `name` names a row in the report's language."""
    records = []
    for row in table.rows:
        record: dict[str, object] = {"category_name": name(row),
                                     "followed": row.followed, "broke_again": row.broke,
                                     "censored": row.censored}
        for checkpoint in row.checkpoints:
            key = months_key(checkpoint.months)
            record[f"still_working_{key}"] = checkpoint.survival
            record[f"at_risk_{key}"] = checkpoint.at_risk
        records.append(record)
    columns = ["category_name", "followed", "broke_again", "censored"]
    for months in table.checkpoints:
        columns += [f"still_working_{months_key(months)}", f"at_risk_{months_key(months)}"]
    return pd.DataFrame.from_records(records, columns=columns)
