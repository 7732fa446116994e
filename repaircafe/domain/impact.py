"""Impact methodology: the pure rules that turn a record into savings under a factor set.

Factor sets (the data, see ``factor_sets``) hold every number; nothing is hard-coded here. Every
computed figure carries the set's name and version and the weight source used,
so a published report never changes when factors change later (design.md section 6).

Two weight policies:

``restart``
    The Restart Project's own rules (impact-facts.md section 1): a powered item outside Misc is
    credited its category average whatever weight was recorded; Misc items and unpowered items
    use a recorded weight times a per-kg ratio. ``restart-2021`` reproduces Restart's figures.
``measured_first``
    A recorded weight (measured, else estimated) wins over the category average for waste
    prevented; CO2e is the category footprint x displacement, or weight x per-kg ratio where the
    category has no footprint.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from repaircafe.domain.factor_sets import (
    OUTCOMES,
    CategoryFactor,
    FactorSet,
    FactorSetError,
    MaterialCredits,
    load_category_map,
    load_material_splits,
)

WEIGHT_SOURCES = ("measured", "estimated", "category_average")


@dataclass(frozen=True)
class Savings:
    """The impact of one record, as stored beside it."""

    waste_prevented_kg: float
    co2e_avoided_kg: float
    weight_kg: float | None  # the weight the figure rests on (None: no weight at all)
    weight_source: str | None  # measured / estimated / category_average / None
    factor_set: str
    factor_set_version: str
    counted: bool  # the outcome earns a credit under this set
    rule: str  # which rule applied, for the audit trail

    @property
    def has_weight(self) -> bool:
        return self.weight_kg is not None and self.weight_kg > 0



@dataclass(frozen=True)
class RecyclingCredit:
    kg: float
    co2e_credit_kg: float
    by_material: Mapping[str, float]  # material -> kg CO2e credit
    value: str  # "central" or "low"




def default_material_split(category_slug: str, kg: float) -> dict[str, float]:
    """Split ``kg`` of a recycled object of ``category_slug`` by the default material shares."""
    try:
        shares = load_material_splits()[category_slug]
    except KeyError:
        raise FactorSetError("no default material split for category '%(slug)s'",
                             slug=category_slug) from None
    return {m: kg * s for m, s in shares.items()}


# --------------------------------------------------------------------------- rules


def _factor_for(category_slug: str | None, factor_set: FactorSet) -> CategoryFactor | None:
    if not category_slug:
        return None
    if category_slug in factor_set.categories:  # an admin set may key rows by our slugs
        return factor_set.categories[category_slug]
    mapping = load_category_map().get(category_slug)
    if mapping is None:
        raise FactorSetError("unknown category '%(slug)s'", slug=category_slug)
    return factor_set.category(mapping.restart_category)


def category_row(category_slug: str | None, factor_set: FactorSet) -> CategoryFactor | None:
    """The row of a set a category is scored with (None: no category, or one the set lacks)."""
    try:
        return _factor_for(category_slug, factor_set)
    except FactorSetError:
        return None


def average_weight(category_slug: str | None, factor_set: FactorSet) -> float | None:
    """The average weight a set credits for a category (None: no category, or a Misc row that
    has none): what a recorded weight is compared with to judge whether it is plausible."""
    factor = category_row(category_slug, factor_set)
    if factor is None or factor.is_misc:
        return None
    return factor.avg_weight_kg


def uses_per_kg_ratio(category_slug: str | None, factor_set: FactorSet) -> bool:
    """Whether a recorded weight of this category is scored with the set's per-kg ratio (Misc,
    non-electric or unknown categories) rather than with its category row alone."""
    factor = category_row(category_slug, factor_set)
    return factor is None or factor.is_misc or not factor.powered


def _clean_weight(
    weight_kg: float | None, weight_source: str | None
) -> tuple[float | None, str | None]:
    if (
        weight_kg is None
        or (isinstance(weight_kg, float) and math.isnan(weight_kg))
        or weight_kg <= 0
    ):
        return None, None
    if weight_source not in ("measured", "estimated"):
        raise ValueError(
            f"a recorded weight needs weight_source measured or estimated, not {weight_source!r}"
        )
    return float(weight_kg), weight_source


def repair_savings(
    category_slug: str | None,
    powered: bool,
    outcome: str,
    weight_kg: float | None,
    weight_source: str | None,
    factor_set: FactorSet,
    *,
    back_in_use: bool = False,
) -> Savings:
    """Waste prevented and CO2e avoided by one repair attempt (or one refurbished hand-over).

    ``weight_kg``/``weight_source`` are what was recorded (``measured`` or ``estimated``), or
    ``None``. ``back_in_use`` credits an object that was refurbished and handed over even when
    the outcome is not one the set counts. ``powered`` is used when the category is unknown.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    weight, source = _clean_weight(weight_kg, weight_source)
    fs = factor_set

    def result(waste: float, co2: float, w: float | None, ws: str | None, counted: bool, rule: str):
        return Savings(
            waste_prevented_kg=waste,
            co2e_avoided_kg=co2,
            weight_kg=w,
            weight_source=ws,
            factor_set=fs.name,
            factor_set_version=fs.version,
            counted=counted,
            rule=rule,
        )

    counted = outcome in fs.counted_outcomes or back_in_use
    factor = _factor_for(category_slug, fs)
    is_powered = factor.powered if factor is not None else powered
    if not counted:
        return result(0.0, 0.0, weight, source, False, f"outcome {outcome} earns no credit")
    ratio = fs.ratio_powered if is_powered else fs.ratio_unpowered
    d = fs.displacement

    if fs.weight_policy == "restart":
        if factor is not None and is_powered and not factor.is_misc:
            return result(
                factor.avg_weight_kg,
                factor.footprint_kg_co2e * d,
                factor.avg_weight_kg,
                "category_average",
                True,
                "powered: category average weight and footprint",
            )
        if weight is not None and (factor is None or factor.is_misc or not is_powered):
            return result(
                weight, weight * ratio * d, weight, source, True, "weight estimate x per-kg ratio"
            )
        if factor is not None and not factor.is_misc:
            return result(
                factor.avg_weight_kg,
                factor.footprint_kg_co2e * d,
                factor.avg_weight_kg,
                "category_average",
                True,
                "unpowered without weight: category average",
            )
        return result(0.0, 0.0, None, None, True, "no weight and no category average")

    # measured_first
    if factor is not None and not factor.is_misc:
        co2 = factor.footprint_kg_co2e * d
        if weight is not None:
            return result(weight, co2, weight, source, True, "recorded weight; category footprint")
        return result(
            factor.avg_weight_kg,
            co2,
            factor.avg_weight_kg,
            "category_average",
            True,
            "category average weight and footprint",
        )
    if weight is not None:
        return result(
            weight, weight * ratio * d, weight, source, True, "recorded weight x per-kg ratio"
        )
    return result(0.0, 0.0, None, None, True, "no weight and no category average")


def part_reuse_savings(
    part_weight_kg: float | None,
    weight_source: str | None,
    category_slug: str | None,
    powered: bool,
    factor_set: FactorSet,
) -> Savings:
    """A harvested part installed into another object: its own weight and footprint share.

    The share is weight / category average weight of the category the part belongs to (a
    part of a laptop carries a laptop's footprint per kg); without a category average, the
    per-kg ratio. The set's displacement applies, as for a repaired product.
    """
    weight, source = _clean_weight(part_weight_kg, weight_source)
    fs = factor_set
    if weight is None:
        return Savings(0.0, 0.0, None, None, fs.name, fs.version, True, "part without weight")
    factor = _factor_for(category_slug, fs)
    is_powered = factor.powered if factor is not None else powered
    if factor is not None and not factor.is_misc:
        per_kg = factor.footprint_kg_co2e / factor.avg_weight_kg
        rule = "part weight x category footprint per kg"
    else:
        per_kg = fs.ratio_powered if is_powered else fs.ratio_unpowered
        rule = "part weight x per-kg ratio"
    return Savings(
        weight, weight * per_kg * fs.displacement, weight, source, fs.name, fs.version, True, rule
    )


def recycling_credit(
    material_kg: Mapping[str, float], credits: MaterialCredits, value: str = "central"
) -> RecyclingCredit:
    """CO2e credit for material sent to recycling (reported apart from repair credits)."""
    by_material: dict[str, float] = {}
    total = 0.0
    for material, kg in material_kg.items():
        if kg is None or kg < 0:
            raise ValueError(f"kg for {material!r} must be zero or more, got {kg!r}")
        by_material[material] = by_material.get(material, 0.0) + kg * credits.factor(
            material, value
        )
        total += kg
    return RecyclingCredit(
        kg=total, co2e_credit_kg=sum(by_material.values()), by_material=by_material, value=value
    )
