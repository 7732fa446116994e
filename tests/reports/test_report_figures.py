"""Golden figures from the hand-computed fixture in conftest.py (ten objects, Q1 2025)."""

from dataclasses import asdict

import pandas as pd
import pytest

from reports import build_report

U = 17.70147059  # Restart's unpowered per-kg ratio


def test_headline_figures(records, parts, recycling, meta):
    h = build_report(records, parts, recycling, meta).headline
    assert h.objects_received == 10
    assert (h.fixed, h.repairable, h.end_of_life, h.unknown) == (5, 1, 3, 1)
    assert h.repair_success_rate == pytest.approx(5 / 9)
    assert h.kg_kept_in_use == pytest.approx(48.49)
    assert h.co2e_avoided_kg == pytest.approx(132.66 + 22.16 + 74.8 + 0.5 * U * 0.5 + 33.565)
    assert h.co2e_avoided_conservative_kg == pytest.approx(
        79.596 + 13.296 + 44.88 + 0.5 * U * 0.3 + 20.139
    )
    # parts: two harvested inside Q1 (one was harvested in December), two installed in Q1
    assert (h.parts_harvested, h.parts_reused) == (2, 2)
    assert h.parts_reused_kg == pytest.approx(0.3)
    assert h.parts_co2e_avoided_kg == pytest.approx(19.5)
    assert h.kg_recycled == pytest.approx(8.0)
    assert h.recycling_co2e_central_kg == pytest.approx(20.78)
    assert h.recycling_co2e_low_kg == pytest.approx(18.43)
    assert h.eu_reused_tonnes == pytest.approx(0.04849)


def test_coverage(records, meta):
    c = build_report(records, None, None, meta).coverage
    assert (c.objects, c.with_category, c.with_weight) == (10, 9, 3)
    assert c.share_with_category == pytest.approx(0.9)
    assert c.share_with_weight == pytest.approx(0.3)
    assert (c.fixed, c.fixed_without_weight) == (5, 3)


def test_monthly_trend_has_every_month(records, meta, meta_for):
    r = build_report(records, None, None, meta)
    m = r.monthly.set_index("month")
    assert list(m.index) == ["2025-01", "2025-02", "2025-03"]
    assert list(m["objects"]) == [3, 3, 4]
    assert list(m["fixed"]) == [2, 2, 1]
    assert m.loc["2025-01", "co2e_avoided_kg"] == pytest.approx(154.82)
    empty_month = meta_for(period_end=pd.Timestamp("2025-04-30").date())
    assert build_report(records, None, None, empty_month).monthly["month"].iloc[-1] == "2025-04"


def test_breakdowns(records, parts, recycling, meta):
    r = build_report(records, parts, recycling, meta)
    cats = r.by_category.set_index("category")
    assert cats.loc["laptop", "co2e_avoided_kg"] == pytest.approx(132.66)
    assert cats.loc["", "category_name"] == "No category"
    assert r.by_category["objects"].sum() == 10
    out = r.by_outcome.set_index("outcome")
    assert out.loc["end_of_life", "share"] == pytest.approx(0.3)
    bar = r.by_barrier
    assert list(bar["objects"]) == [1, 1, 1]
    assert list(bar["label"]) == [
        "Spare parts not available",
        "Spare parts too expensive",
        "No barrier recorded",
    ]
    sites = r.by_site.set_index("site")
    assert sites.loc["Site A", "objects"] == 5 and sites.loc["Site A", "fixed"] == 3
    assert sites.loc["Site B", "kg_recycled"] == pytest.approx(5.0)
    rm = r.recycling_by_material.set_index("material")
    assert rm.loc["aluminium", "co2e_credit_low_kg"] == pytest.approx(7.93)


def test_waste_hierarchy_counts_each_kilogram_once(records, parts, recycling, meta):
    hier = build_report(records, parts, recycling, meta).hierarchy.set_index("level")
    assert hier.loc["prevention", "kg"] == pytest.approx(48.49)
    assert hier.loc["preparing_reuse", "kg"] == pytest.approx(0.3)
    assert hier.loc["recycling", "kg"] == pytest.approx(8.0)
    assert hier.loc["not_recorded", "objects"] == 3


def test_eu_reuse_by_the_five_categories_in_tonnes(records, meta):
    eu = build_report(records, None, None, meta).eu_reuse.set_index("eu_category")
    assert list(eu.index) == [
        "textiles",
        "electrical_and_electronic_equipment",
        "furniture",
        "construction_materials_and_products",
        "other_products",
    ]
    assert eu.loc["electrical_and_electronic_equipment", "reused_tonnes"] == pytest.approx(0.00308)
    assert eu.loc["furniture", "reused_tonnes"] == pytest.approx(0.02981)
    assert eu.loc["construction_materials_and_products", "objects"] == 0
    # only objects back in use count: the repairable mobile and end-of-life objects do not
    assert eu["objects"].sum() == 5


def test_refurbished_object_handed_over_is_preparing_for_reuse(records, meta):
    extra = records.iloc[[2]].assign(
        outcome="end_of_life",
        back_in_use=True,
        waste_prevented_kg=1.47,
        co2e_avoided_kg=4.065,
        co2e_avoided_conservative_kg=2.439,
    )
    r = build_report(pd.concat([records, extra]), None, None, meta)
    hier = r.hierarchy.set_index("level")
    assert hier.loc["preparing_reuse", "kg"] == pytest.approx(1.47)
    assert hier.loc["prevention", "kg"] == pytest.approx(48.49)
    assert (
        r.eu_reuse.set_index("eu_category").loc["electrical_and_electronic_equipment", "objects"]
        == 3
    )


def test_aggregated_input_gives_the_same_report(records, parts, recycling, meta):
    records = pd.concat([records, records.assign(record_id=records["record_id"] + 10)])
    per_record = build_report(records, parts, recycling, meta)
    df = records.assign(
        month=pd.to_datetime(records["occurred_on"]).dt.strftime("%Y-%m"),
        objects=1,
        objects_with_weight=records["weight_kg"].notna().astype(int),
        category=records["category"].fillna("?"),
        barrier=records["barrier"].fillna(0),
    )
    keys = [
        "month",
        "site",
        "category",
        "category_name",
        "outcome",
        "barrier",
        "back_in_use",
        "eu_reuse_category",
    ]
    agg = (
        df.fillna({"category_name": "?"})
        .groupby(keys, dropna=False)[
            [
                "objects",
                "objects_with_weight",
                "waste_prevented_kg",
                "co2e_avoided_kg",
                "co2e_avoided_conservative_kg",
            ]
        ]
        .sum()
        .reset_index()
    )
    agg["category"] = agg["category"].replace("?", None)
    agg["category_name"] = agg["category_name"].replace("?", None)
    agg["barrier"] = agg["barrier"].replace(0, None)
    assert len(agg) == len(records) // 2
    aggregated = build_report(agg, parts, recycling, meta)
    assert asdict(aggregated.headline) == pytest.approx(asdict(per_record.headline))
    assert aggregated.coverage == per_record.coverage
    pd.testing.assert_frame_equal(aggregated.tidy, per_record.tidy)


def test_unknown_outcome_is_refused(records, meta):
    with pytest.raises(ValueError, match="unknown outcome.*broken"):
        build_report(records.assign(outcome="broken"), None, None, meta)


def test_empty_period(meta):
    empty = pd.DataFrame(
        {"occurred_on": pd.Series(dtype="datetime64[ns]"), "outcome": pd.Series(dtype="object")}
    )
    r = build_report(empty, None, None, meta)
    assert r.headline.objects_received == 0 and r.headline.repair_success_rate is None
    assert list(r.monthly["objects"]) == [0, 0, 0]
    assert r.tidy.empty
