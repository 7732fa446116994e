"""Impact methodology: factor sets as data, Restart's own per-item figures, validation, mapping."""

import csv
from pathlib import Path

import pytest

from repaircafe.domain import factor_sets, impact
from repaircafe.domain.factor_sets import (
    FactorSetError,
    available_factor_sets,
    load_category_map,
    load_factor_set,
    load_material_credits,
    load_material_splits,
    parse_factor_set_csv,
)
from repaircafe.domain.impact import part_reuse_savings, recycling_credit, repair_savings

POWERED = (
    "aircon-dehumidifier battery-charger-adapter decorative-safety-lights desktop-computer "
    "digital-compact-camera dslr-video-camera fan flat-screen hair-beauty-item "
    "handheld-entertainment-device headphones hifi-integrated hifi-separates kettle lamp laptop "
    "large-home-electrical misc mobile musical-instrument paper-shredder pc-accessory "
    "portable-radio power-tool printer-scanner projector sewing-machine small-home-electrical "
    "small-kitchen-item tablet toaster toy tv-gaming-accessories vacuum watch-clock coffee-maker "
    "food-processor games-console hair-dryer iron"
).split()
UNPOWERED = (
    "bicycle furniture clothing-textile jewellery hand-tool household-unpowered toy-unpowered "
    "misc-unpowered"
).split()
RATIO_U = 17.70147059
RATIO_P = 32.06679233


@pytest.fixture(scope="module")
def restart():
    return load_factor_set("restart-2021")


# Restart's own per-item figures (impact-facts.md section 1, "CO2e avoided per fixed item").
@pytest.mark.parametrize(
    ("slug", "powered", "weight", "waste", "co2e"),
    [
        ("laptop", True, None, 1.83, 132.66),
        ("laptop", True, 3.2, 1.83, 132.66),  # a measured weight is ignored for powered items
        ("desktop-computer", True, None, 6.69, 207.085),
        ("mobile", True, None, 0.15, 25.255),
        ("tablet", True, None, 0.77, 57.245),
        ("flat-screen", True, None, 5.23, 171.745),
        ("kettle", True, None, 1.25, 22.16),
        ("vacuum", True, None, 6.8, 18.005),
        ("toaster", True, None, 1.47, 4.065),
        ("games-console", True, None, 3.22, 70.335),
        ("printer-scanner", True, None, 12.47, 50.345),
        ("misc", True, 2.0, 2.0, 2 * RATIO_P * 0.5),
        ("misc", True, None, 0.0, 0.0),
        ("bicycle", False, None, 15.1, 74.8),
        ("furniture", False, 2.0, 2.0, 2 * RATIO_U * 0.5),  # unpowered estimate wins
        ("clothing-textile", False, None, 0.75, 10.16),
        ("misc-unpowered", False, 2.0, 2.0, 2 * RATIO_U * 0.5),
        ("misc-unpowered", False, None, 0.0, 0.0),
    ],
)
def test_restart_2021_reproduces_restarts_per_item_figures(
    restart, slug, powered, weight, waste, co2e
):
    s = repair_savings(slug, powered, "fixed", weight, "estimated" if weight else None, restart)
    assert s.waste_prevented_kg == pytest.approx(waste)
    assert s.co2e_avoided_kg == pytest.approx(co2e, abs=1e-9)
    assert (s.factor_set, s.factor_set_version, s.counted) == ("restart-2021", "1", True)


def test_restart_per_item_rounded_as_published(restart):
    laptop = repair_savings("laptop", True, "fixed", None, None, restart)
    assert round(laptop.co2e_avoided_kg, 2) == 132.66
    assert laptop.weight_source == "category_average"


@pytest.mark.parametrize("outcome", ["repairable", "end_of_life", "unknown"])
def test_only_fixed_counts(restart, outcome):
    s = repair_savings("laptop", True, outcome, 2.0, "measured", restart)
    assert (s.waste_prevented_kg, s.co2e_avoided_kg, s.counted) == (0, 0, False)


def test_refurbished_and_handed_over_counts(restart):
    s = repair_savings("laptop", True, "end_of_life", None, None, restart, back_in_use=True)
    assert s.co2e_avoided_kg == pytest.approx(132.66)


def test_conservative_set_uses_displacement_0_3(restart):
    cons = load_factor_set("conservative-2021")
    assert cons.displacement == 0.3
    s = repair_savings("laptop", True, "fixed", None, None, cons)
    assert s.co2e_avoided_kg == pytest.approx(265.32 * 0.3)
    assert s.factor_set == "conservative-2021"
    assert set(cons.categories) == set(restart.categories)


def test_weight_policy_is_a_property_of_the_set(restart):
    measured = load_factor_set("measured-2021")
    r = repair_savings("laptop", True, "fixed", 2.4, "measured", restart)
    m = repair_savings("laptop", True, "fixed", 2.4, "measured", measured)
    assert (r.waste_prevented_kg, r.weight_source) == (1.83, "category_average")
    assert (m.waste_prevented_kg, m.weight_source) == (2.4, "measured")
    assert m.co2e_avoided_kg == pytest.approx(132.66)  # footprint still per product
    none = repair_savings("laptop", True, "fixed", None, None, measured)
    assert (none.waste_prevented_kg, none.weight_source) == (1.83, "category_average")


def test_recorded_weight_needs_a_source(restart):
    with pytest.raises(ValueError, match="weight_source"):
        repair_savings("misc", True, "fixed", 2.0, "category_average", restart)


def test_available_sets_and_unknown_name():
    assert {"restart-2021", "conservative-2021", "measured-2021"} <= set(available_factor_sets())
    with pytest.raises(FactorSetError, match="available: .*restart-2021"):
        load_factor_set("nope-1999")


def test_every_shipped_category_row_has_a_source():
    for name in available_factor_sets():
        fs = load_factor_set(name)
        assert fs.sources and all(c.source for c in fs.categories.values()), name
        assert len(fs.categories) == 47


# ------------------------------------------------------------------ CSV validation


def _text(name="restart-2021"):
    return (factor_sets.FACTORS_DIR / f"{name}.csv").read_text(encoding="utf-8")


def test_admin_can_add_a_set_from_csv(tmp_path):
    text = (
        _text()
        .replace("meta,name,restart-2021", "meta,name,council-2025")
        .replace("meta,displacement,0.5", "meta,displacement,0.4")
    )
    path = tmp_path / "council-2025.csv"
    path.write_text(text, encoding="utf-8")
    fs = load_factor_set(path)
    assert (fs.name, fs.displacement) == ("council-2025", 0.4)
    s = repair_savings("laptop", True, "fixed", None, None, fs)
    assert s.co2e_avoided_kg == pytest.approx(265.32 * 0.4)


def test_admin_set_may_key_rows_by_our_slugs():
    text = (
        "kind,key,value,restart_id,powered,cluster,avg_weight_kg,footprint_kg_co2e,source,note\n"
        "meta,name,tiny,,,,,,,\nmeta,version,2,,,,,,,\nmeta,displacement,0.5,,,,,,,\n"
        "meta,ratio_powered_kg_co2e_per_kg,30,,,,,,,\nmeta,ratio_unpowered_kg_co2e_per_kg,15,,,,,,,\n"
        "meta,weight_policy,restart,,,,,,,\n"
        "category,laptop,,,Y,,2,200,anstiftung 2024-09 Laptop x our mapping,\n"
    )
    fs = parse_factor_set_csv(text)
    assert repair_savings("laptop", True, "fixed", None, None, fs).co2e_avoided_kg == 100


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("kind,key,value", "kind,clef,value", 1), "missing column.*key"),
        (
            lambda t: t.replace("meta,displacement,0.5", "meta,displacement,half"),
            "line 5: displacement must be a number, got 'half'",
        ),
        (
            lambda t: t.replace("meta,displacement,0.5", "meta,displacement,1.5"),
            r"displacement must be in \(0, 1\]",
        ),
        (
            lambda t: t.replace(",Laptop medium,,16,Y,1,1.83,", ",Laptop medium,,16,Y,1,-1,"),
            "avg_weight_kg must be at least 0",
        ),
        (
            lambda t: t.replace(",Kettle,,39,Y,", ",Kettle,,39,maybe,"),
            "powered must be Y or N for 'Kettle'",
        ),
        (
            lambda t: t.replace("meta,weight_policy,restart", "meta,weight_policy,guess"),
            "weight_policy must be one of",
        ),
        (lambda t: t.replace("meta,version,1,", "meta,ver,1,"), "missing meta row.*version"),
        (lambda t: t + "category,Kettle,,39,Y,4,1.25,44.32,x,\n", "category 'Kettle' given twice"),
        (lambda t: t + "cat,Kettle2,,39,Y,4,1.25,44.32,x,\n", "kind must be 'meta' or 'category'"),
    ],
)
def test_bad_factor_set_csv_gives_a_clear_error(edit, message):
    with pytest.raises(FactorSetError, match=message):
        parse_factor_set_csv(edit(_text()))


def test_category_row_without_source_is_refused():
    lines = _text().splitlines()
    bad = [
        ("category,Iron,,9,Y,4,1.17,11,," if ln.startswith("category,Iron,") else ln)
        for ln in lines
    ]
    with pytest.raises(FactorSetError, match="'Iron' has no source"):
        parse_factor_set_csv("\n".join(bad) + "\n")


# ------------------------------------------------------------------ mapping completeness


def test_category_map_covers_every_slug_in_every_column(restart):
    cmap = load_category_map()
    assert set(cmap) == set(POWERED) | set(UNPOWERED)
    assert [cmap[s].ords_id for s in POWERED] == list(range(1, 41))
    for slug, m in cmap.items():
        assert m.restart_category in restart.categories, slug
        assert m.eu_reuse_category in factor_sets.EU_REUSE_CATEGORIES, slug
        assert restart.categories[m.restart_category].powered == m.powered, slug
        if m.powered:
            assert m.weee_category in range(1, 7) and m.ords_unpowered_group == "", slug
        else:
            assert m.weee_category is None, slug
            assert m.ords_unpowered_group in factor_sets.ORDS_UNPOWERED_GROUPS, slug
    assert all(cmap[s].powered for s in POWERED) and not any(cmap[s].powered for s in UNPOWERED)


def test_non_exact_mappings_carry_a_note():
    cmap = load_category_map()
    for slug in (
        "laptop",
        "flat-screen",
        "battery-charger-adapter",
        "large-home-electrical",
        "small-home-electrical",
        "food-processor",
        "hair-dryer",
    ):
        assert cmap[slug].note, slug


def test_material_splits_sum_to_one_and_use_known_materials():
    credits = load_material_credits()
    splits = load_material_splits()
    assert set(splits) == set(POWERED) | set(UNPOWERED)
    for slug, shares in splits.items():
        assert sum(shares.values()) == pytest.approx(1.0), slug
        assert set(shares) <= set(credits.rows), slug


# ------------------------------------------------------------------ materials, parts


def test_materials_table_rows_have_low_central_source_and_year():
    credits = load_material_credits()
    must = {
        "steel",
        "aluminium",
        "copper",
        "plastics",
        "glass",
        "circuit_boards",
        "wood",
        "textiles",
        "paper_card",
        "batteries",
    }
    assert must <= set(credits.rows)
    for r in credits.rows.values():
        assert 0 <= r.low <= r.central
        assert (r.central_source and r.low_source) or r.central == 0  # no credit, no source
        assert 1990 < r.central_year < 2100
    assert credits.rows["glass"].low == 0.20 and credits.rows["glass"].central == 0.31


def test_recycling_credit_central_and_low():
    credits = load_material_credits()
    c = recycling_credit({"aluminium": 2.0, "glass": 10.0}, credits)
    assert c.co2e_credit_kg == pytest.approx(2 * 10.06 + 10 * 0.31)
    low = recycling_credit({"aluminium": 2.0, "glass": 10.0}, credits, value="low")
    assert low.co2e_credit_kg == pytest.approx(2 * 7.93 + 10 * 0.20)
    assert c.kg == 12.0
    with pytest.raises(FactorSetError, match="unknown material 'unobtainium'"):
        recycling_credit({"unobtainium": 1.0}, credits)


def test_default_split_of_a_recycled_laptop():
    kg = impact.default_material_split("laptop", 2.0)
    assert sum(kg.values()) == pytest.approx(2.0)
    assert kg["circuit_boards"] == pytest.approx(0.2)


def test_part_reuse_credits_its_footprint_share(restart):
    s = part_reuse_savings(0.5, "measured", "laptop", True, restart)
    assert s.waste_prevented_kg == 0.5
    assert s.co2e_avoided_kg == pytest.approx(0.5 * 265.32 / 1.83 * 0.5)
    none = part_reuse_savings(None, None, "laptop", True, restart)
    assert none.co2e_avoided_kg == 0 and none.weight_source is None


def test_shipped_files_are_only_data():
    names = {p.name for p in Path(factor_sets.FACTORS_DIR).iterdir()}
    assert all(n.endswith(".csv") for n in names), names
    for p in Path(factor_sets.FACTORS_DIR).glob("*.csv"):
        with p.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len({len(r) for r in rows}) == 1, p.name


def test_categories_scored_through_another_row_say_how():
    cmap = load_category_map()
    substitutes = {s for s, m in cmap.items() if m.assumption == "substitute"}
    sizes = {s for s, m in cmap.items() if m.assumption == "size"}
    assert substitutes == {"battery-charger-adapter", "large-home-electrical",
                           "small-home-electrical", "food-processor", "hair-dryer"}
    assert sizes == {"laptop", "flat-screen"}
    for slug, m in cmap.items():
        own_row = m.restart_category == m.name or m.restart_category.startswith("Misc")
        assert bool(m.assumption) != own_row, slug


def test_material_sources_are_sources_not_notes():
    credits = load_material_credits()
    sources = credits.sources
    assert not any("checked so far" in s or "single source" in s or s.startswith("no credit")
                   for s in sources)
    assert credits.sources_for(["other"]) == ()
    assert len(credits.sources_for(["steel"])) == 1  # low = central: one source


def test_average_weight_for_plausibility(restart):
    from repaircafe.domain.impact import average_weight

    assert average_weight("lamp", restart) == restart.categories["Lamp"].avg_weight_kg
    assert average_weight("misc", restart) is None and average_weight(None, restart) is None
