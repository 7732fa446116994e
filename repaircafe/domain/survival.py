"""How long repairs last: Kaplan–Meier estimates from owners' "still working?" answers.

Each object handed back fixed is followed from its hand-over. Its first "broke again" answer is
the event, dated when the answer was given (the repair failed some time before that, so the
estimate leans optimistic by up to one follow-up interval: the report says so). An object whose
answers so far are all "still works" is censored at its latest answer: it is known to have lasted
at least that long, and no more is claimed. Objects with no answer at all are not followed and
are counted apart, so the table never treats silence as success.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    category: str
    followed: int
    broke: int
    censored: int
    checkpoints: tuple[Checkpoint, ...]


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


def survival_at(observations: Sequence[Followed], months: float) -> Checkpoint:
    """The share still working `months` after hand-over, with how many were still followed."""
    at_risk = sum(1 for o in observations if o.months >= months)
    survival = 1.0
    for when, _at_risk, _failures, after in kaplan_meier(observations):
        if when <= months:
            survival = after
    longest = max((o.months for o in observations), default=0.0)
    if not observations or longest < months:
        return Checkpoint(months, None, at_risk)
    return Checkpoint(months, survival, at_risk)


def _row(category: str, observations: Sequence[Followed],
         checkpoints: Iterable[float]) -> SurvivalRow:
    broke = sum(1 for o in observations if o.broke)
    return SurvivalRow(category, len(observations), broke, len(observations) - broke,
                       tuple(survival_at(observations, m) for m in checkpoints))


def survival_table(observations: Iterable[Followed],
                   checkpoints: Sequence[float] = CHECKPOINTS) -> list[SurvivalRow]:
    """One row per category (most followed first), then "All" over every object."""
    everything = list(observations)
    by_category: dict[str, list[Followed]] = defaultdict(list)
    for o in everything:
        by_category[o.category].append(o)
    rows = [_row(name, found, checkpoints)
            for name, found in sorted(by_category.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    if everything:
        rows.append(_row("", everything, checkpoints))
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
