"""Reports built from the database: golden figures computed by hand, scope, period, factor sets."""

import csv
import io
from collections import Counter
from itertools import islice

import pytest

from repaircafe.core.events import new_key
from repaircafe.domain import codes
from repaircafe.domain.errors import NotFound
from repaircafe.objects.services import refurbish, repairs
from repaircafe.reporting.services import reporting, scopes
from tests.data import WALES_ORDS
from tests.factories import NOW, make_item

ORDS = WALES_ORDS


def _fixture(session, world):
    """Six objects at Cathays Library (Cardiff) in June 2025, one at Swansea Hub."""
    plan = [("toaster", 1.2, "fixed", None), ("laptop", None, "fixed", None),
            ("bicycle", None, "fixed", None), ("kettle", None, "end_of_life", 1),
            ("kettle", None, "repairable", None)]
    for category, weight, outcome, barrier in plan:
        item = make_item(session, world, category=category, weight=weight)
        repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome, barrier=barrier,
                                      actor=world.actor(), now=NOW, key=new_key())
    make_item(session, world, category=None, weight=None)
    other = make_item(session, world, category="toaster", actor="admin",
                      repair_session=world.other_session)
    repairs.record_repair_attempt(session, item_id=other.id, outcome="fixed",
                                  actor=world.actor("admin"), now=NOW, key=new_key())


def _report(session, scope="territory:Cardiff", period="2025-06", **kw):
    return reporting.make_report(session, scope=scopes.parse_scope(session, scope),
                                 period=reporting.parse_period(period), now=NOW, **kw)


def test_golden_figures_for_a_territory_month(session, world):
    _fixture(session, world)
    report = _report(session)
    h, c = report.headline, report.coverage
    assert (h.objects_received, h.fixed, h.repairable, h.end_of_life, h.unknown) == (6, 3, 1, 1, 1)
    assert h.repair_success_rate == pytest.approx(3 / 5)
    # Restart 2021: toaster 1.47 kg / 8.13 kg CO2e, laptop medium 1.83 / 265.32, bicycle
    # 15.1 / 149.6; x 0.5 central, x 0.3 conservative (a recorded weight does not count for a
    # powered category under Restart's rules).
    assert h.kg_kept_in_use == pytest.approx(1.47 + 1.83 + 15.1)
    assert h.co2e_avoided_kg == pytest.approx((8.13 + 265.32 + 149.6) * 0.5)
    assert h.co2e_avoided_conservative_kg == pytest.approx((8.13 + 265.32 + 149.6) * 0.3)
    assert (c.with_category, c.with_weight, c.fixed_without_weight) == (5, 1, 2)
    assert report.by_barrier["objects"].tolist() == [1]
    assert report.meta.scope_label == "Cardiff" and report.meta.period_label == "June 2025"
    assert report.meta.recomputed_label is None


def test_scope_all_and_site_and_group(session, world):
    _fixture(session, world)
    assert _report(session, scope="all").headline.objects_received == 7
    assert _report(session, scope="site:Swansea Hub").headline.fixed == 1
    assert _report(session, scope="group:Cardiff Fixers").headline.objects_received == 6
    assert _report(session, period="2025-05").headline.objects_received == 0


def test_a_day_range_reads_the_visits_and_agrees_with_the_month(session, world):
    _fixture(session, world)
    month = _report(session)
    days = _report(session, period="2025-06-10..2025-06-20")
    assert days.headline == month.headline
    assert _report(session, period="2025-06-15..2025-06-30").headline.objects_received == 0


def test_recomputed_under_another_set_is_labelled(session, world):
    _fixture(session, world)
    report = _report(session, factor_set="measured-2021", language="fr")
    # measured-2021: the recorded 1.2 kg beats the toaster's 1.47 kg average.
    assert report.headline.kg_kept_in_use == pytest.approx(1.2 + 1.83 + 15.1)
    assert "measured-2021" in report.meta.recomputed_label
    assert report.meta.factor_set_name == "measured-2021"
    assert report.meta.period_label == "Juin 2025"


def test_published_figures_do_not_move_when_recomputing(session, world):
    _fixture(session, world)
    before = _report(session).headline
    _report(session, factor_set="conservative-2021")
    assert _report(session).headline == before


def test_bad_period_and_scope_are_refused(session, world):
    with pytest.raises(NotFound):
        scopes.parse_scope(session, "territory:Atlantis")
    with pytest.raises(NotFound):
        scopes.parse_scope(session, "territory:#9999")
    assert scopes.parse_scope(session, f"territory:{world.territory.id}").name == \
        world.territory.name
    assert scopes.parse_scope(session, "all") == reporting.Scope("all", None, "")
    viewer = world.actor("viewer")
    with pytest.raises(NotFound):
        scopes.check_scope(session, viewer, scopes.parse_scope(session, "site:Swansea Hub"))


def test_ords_slice_fixed_counts_per_category_match_the_csv(session, world, tmp_path):
    from repaircafe.interop.ords.services.ords_import import import_ords

    with ORDS.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(islice(reader, 600))
    sliced = tmp_path / "slice.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    sliced.write_text(buf.getvalue(), encoding="utf-8")
    result = import_ords(session, sliced, group="Wales slice", now=NOW)
    assert not result.rejected
    records = [dict(zip(header, r, strict=True)) for r in rows]
    expected = Counter(r["product_category"] for r in records if r["repair_status"] == "Fixed")
    days = sorted(r["event_date"] for r in records)
    report = _report(session, scope="group:Wales slice", period=f"{days[0]}..{days[-1]}")
    got = {row.category_name: int(row.fixed) for row in report.by_category.itertuples()
           if row.fixed}
    names = {r["product_category"] for r in records}
    assert {k: v for k, v in got.items() if k in names} == dict(expected)
    assert report.headline.objects_received == len(records)


def _refurbished(session, world, category, weight, handed_to=None):
    item = make_item(session, world, category=category, weight=weight)
    tested = [refurbish.TestResult("electrical_safety", True, NOW.date(), "earth 0.08 ohm")]
    refurbish.refurbish(session, item_id=item.id, tests=tested, actor=world.actor(), now=NOW,
                        key=new_key())
    if handed_to:
        refurbish.hand_over(session, item_id=item.id, to=handed_to, actor=world.actor(),
                            now=NOW, key=new_key())
    return item


def test_refurbished_and_handed_over_counts_as_eu_reuse(session, world):
    _fixture(session, world)
    before = _report(session).headline
    _refurbished(session, world, "toaster", 1.2, handed_to="sold")
    _refurbished(session, world, "kettle", None)  # refurbished, still on the shelf
    report = _report(session)
    h = report.headline
    fixed_kg = 1.47 + 1.83 + 15.1
    assert (before.back_in_use_objects, before.eu_reused_tonnes) == (
        3, pytest.approx(fixed_kg / 1000))
    assert (h.objects_received, h.fixed, h.unknown, h.back_in_use_objects) == (8, 3, 3, 4)
    assert h.eu_reused_tonnes == pytest.approx((fixed_kg + 1.47) / 1000)
    assert h.kg_kept_in_use == pytest.approx(fixed_kg + 1.47)
    assert h.co2e_avoided_kg == pytest.approx((8.13 * 2 + 265.32 + 149.6) * 0.5)
    assert h.co2e_avoided_conservative_kg == pytest.approx((8.13 * 2 + 265.32 + 149.6) * 0.3)
    eu = report.eu_reuse.set_index("eu_category")
    assert eu.loc["electrical_and_electronic_equipment", "objects"] == 3  # toaster x2, laptop
    levels = report.hierarchy.set_index("level")
    assert levels.loc["preparing_reuse", "kg"] == pytest.approx(1.47)
    assert levels.loc["preparing_reuse", "objects"] == 1
    assert levels.loc["prevention", "kg"] == pytest.approx(fixed_kg)
    days = _report(session, period="2025-06-10..2025-06-20").headline
    assert days == h
    recomputed = _report(session, factor_set="measured-2021").headline
    assert recomputed.back_in_use_objects == 4
    # measured-2021 credits the recorded 1.2 kg of both toasters.
    assert recomputed.eu_reused_tonnes == pytest.approx((1.2 + 1.83 + 15.1 + 1.2) / 1000)
    elsewhere = _report(session, scope="site:Swansea Hub").headline
    assert (elsewhere.back_in_use_objects, elsewhere.objects_received) == (1, 1)
    assert _report(session, period="2025-07").headline.back_in_use_objects == 0


# ------------------------------------------------------------------ what a report discloses


def _fixed(session, world, category, weight=None, **kw):
    item = make_item(session, world, category=category, weight=weight, **kw)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    return item


def test_a_stand_in_category_is_disclosed_with_its_exact_share(session, world):
    _fixed(session, world, "battery-charger-adapter")
    _fixed(session, world, "toaster", 1.2)
    report = _report(session)
    # Restart 2021: PC accessory 15.94 kg CO2e stands in for the charger; toaster 8.13; x 0.5.
    charger, toaster = 15.94 * 0.5, 8.13 * 0.5
    assert report.headline.co2e_avoided_kg == pytest.approx(charger + toaster)
    row = report.assumptions.set_index("category").loc["battery-charger-adapter"]
    assert row["scored_as"] == "PC accessory" and row["kind"] == "substitute"
    assert row["share_of_co2e"] == pytest.approx(charger / (charger + toaster), abs=1e-12)
    assert list(report.assumptions["category"]) == ["battery-charger-adapter"]


def test_the_report_says_which_weight_its_credits_rest_on(session, world):
    _fixture(session, world)
    report = _report(session)
    # toaster (weighed 1.2 kg), laptop and bicycle: all three credited a category average
    assert report.meta.weight_policy == "restart"
    assert report.meta.weight_basis == {"category_average": 3, "recorded": 0, "none": 0}
    _fixed(session, world, "misc", 2.0)  # Misc: scored by its recorded weight
    assert _report(session).meta.weight_basis["recorded"] == 1


def test_a_499_kg_lamp_is_flagged_by_its_code(session, world):
    from repaircafe.tags.services.tags import current_tag

    lamp = _fixed(session, world, "lamp", 499)
    _fixed(session, world, "lamp", 0.8)
    report = _report(session)
    (doubt,) = report.meta.doubtful_weights
    tag = current_tag(session, item_id=lamp.id)
    expected = codes.display(tag.code) if tag else f"#{lamp.id}"
    assert doubt.code == expected
    assert (doubt.category_name, doubt.weight_kg, doubt.kind) == ("Lamp", 499.0, "too_heavy")
    assert _report(session, scope="site:Swansea Hub").meta.doubtful_weights == ()


def test_flows_never_recorded_read_not_recorded(session, world):
    _fixture(session, world)
    report = _report(session)
    assert report.meta.recorded_flows == frozenset()
    assert not report.headline.recycling_recorded and not report.headline.parts_recorded


def test_imported_records_bring_their_licence_attribution(session, world):
    _fixture(session, world)
    assert _report(session).meta.data_providers == ()
    own = make_item(session, world, category="kettle")
    own.source_provider, own.source_id = "sheet:1", "row:1"
    imported = make_item(session, world, category="kettle")
    imported.source_provider, imported.source_id = "Repair Café Wales", "rcwales_1"
    session.add_all([own, imported])
    session.commit()
    assert _report(session).meta.data_providers == ("Repair Café Wales",)
    assert _report(session, scope="site:Swansea Hub").meta.data_providers == ()
    assert _report(session, period="2025-05").meta.data_providers == ()


def test_sources_name_only_what_the_figures_use(session, world):
    _fixture(session, world)
    sources = _report(session).meta.sources
    assert any("zenodo.5900046" in s for s in sources)
    assert not any("WARM" in s for s in sources)  # nothing recycled
    assert not any("no credit" in s or "checked so far" in s for s in sources)
    assert not any(s.startswith("repaircafe:") for s in sources)
