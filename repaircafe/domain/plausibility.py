"""Recorded weights that are probably typing mistakes (499 kg for a lamp, 0.002 kg for a kettle).

A doubtful weight is flagged, never refused or changed: a volunteer may really have weighed a
cast-iron lamp. The bounds are wide on purpose, so a flag is worth someone's look: more than ten
times the category's average weight (and at least 20 kg more), or less than a twentieth of it.
Without a category average only weights over 150 kg are flagged, beyond what a café carries in.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAVY_FACTOR = 10.0
HEAVY_MARGIN_KG = 20.0
LIGHT_FACTOR = 20.0
HEAVIEST_WITHOUT_AVERAGE_KG = 150.0


@dataclass(frozen=True)
class WeightDoubt:
    """Why a weight looks wrong: `too_heavy` or `too_light`, against the typical weight."""

    kind: str
    weight_kg: float
    typical_kg: float | None


def doubtful_weight(weight_kg: float | None, average_kg: float | None) -> WeightDoubt | None:
    """The doubt about a recorded weight, or None when it is plausible or not recorded."""
    if weight_kg is None or weight_kg <= 0:
        return None
    if average_kg is None or average_kg <= 0:
        if weight_kg > HEAVIEST_WITHOUT_AVERAGE_KG:
            return WeightDoubt("too_heavy", weight_kg, None)
        return None
    if weight_kg > max(average_kg * HEAVY_FACTOR, average_kg + HEAVY_MARGIN_KG):
        return WeightDoubt("too_heavy", weight_kg, average_kg)
    if weight_kg < average_kg / LIGHT_FACTOR:
        return WeightDoubt("too_light", weight_kg, average_kg)
    return None
