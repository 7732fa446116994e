"""The rollup equals a fresh replay of the events, whatever order things are folded in."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from repaircafe.core.events import new_key
from repaircafe.objects.services import refurbish, repairs
from repaircafe.reporting.services import rollup
from tests.factories import NOW, make_item


def _rollup(session):
    rows = session.connection().execute(text(
        "SELECT month, category_id, outcome, barrier, objects, objects_with_weight, "
        "co2e_avoided_kg FROM report_rollup WHERE objects <> 0 "
        "ORDER BY month, category_id, outcome, barrier")).all()
    session.rollback()
    return [(*r[:6], round(r[6], 3)) for r in rows]


def _attempt(session, world, item, outcome, barrier=None, at=NOW):
    return repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                         barrier=barrier, actor=world.actor(), now=at,
                                         key=new_key())


def test_fold_counts_each_visit_once_with_its_latest_outcome(session, world):
    toaster = make_item(session, world, category="toaster", weight=1.2)
    kettle = make_item(session, world, category="kettle", weight=None)
    make_item(session, world, category=None, weight=None)
    first = rollup.fold(session, now=NOW)
    assert first.events == 3
    _attempt(session, world, toaster, "repairable")
    _attempt(session, world, toaster, "fixed")
    _attempt(session, world, kettle, "end_of_life", barrier=1)
    rollup.fold(session, now=NOW)
    rows = _rollup(session)
    outcomes = sorted((r[2], r[3], r[4]) for r in rows)
    assert outcomes == [("end_of_life", 1, 1), ("fixed", 0, 1), ("unknown", 0, 1)]
    fixed = next(r for r in rows if r[2] == "fixed")
    assert fixed[5] == 1  # weighed at intake
    assert fixed[6] == pytest.approx(8.13 * 0.5)  # Restart 2021 toaster footprint x 0.5


def test_correction_refolds_the_object_and_matches_a_rebuild(session, world):
    item = make_item(session, world, category="laptop", weight=None)
    attempt = _attempt(session, world, item, "fixed")
    rollup.fold(session, now=NOW)
    repairs.correct_event(session, event_id=attempt.id, replace={"outcome": "repairable"},
                          reason="Not fixed after all", actor=world.actor(), now=NOW,
                          key=new_key())
    result = rollup.fold(session, now=NOW)
    assert result.rebuilt_items == 1
    folded = _rollup(session)
    assert [(r[2], r[4], r[6]) for r in folded] == [("repairable", 1, 0.0)]
    rollup.rebuild(session, now=NOW)
    assert _rollup(session) == folded


def test_checked_in_again_is_a_second_visit(session, world):
    item = make_item(session, world, category="toaster", weight=None)
    _attempt(session, world, item, "fixed")
    rollup.fold(session, now=NOW)
    later = NOW + timedelta(days=40)
    repairs.hand_over(session, item_id=item.id, actor=world.actor(), now=later, key=new_key())
    repairs.check_in(session, item_id=item.id, repair_session_id=world.repair_session.id,
                     actor=world.actor(), now=later, key=new_key())
    rollup.fold(session, now=later)
    rows = _rollup(session)
    assert sorted((r[0], r[2], r[4]) for r in rows) == [("2025-06", "fixed", 1),
                                                        ("2025-07", "unknown", 1)]


def test_two_folds_in_a_row_fold_nothing_twice(session, world):
    for _ in range(3):
        _attempt(session, world, make_item(session, world), "fixed")
    assert rollup.fold(session, now=NOW).events == 6
    assert rollup.fold(session, now=NOW).events == 0
    assert sum(r[4] for r in _rollup(session)) == 3
    assert rollup.pending_events(session) == 0


def _in_use(session):
    rows = session.connection().execute(text(
        "SELECT month, category_id, outcome, objects, back_in_use_objects, back_in_use_kg, "
        "waste_prevented_kg, co2e_avoided_kg, co2e_avoided_conservative_kg FROM report_rollup "
        "WHERE objects <> 0 ORDER BY month, category_id, outcome")).all()
    session.rollback()
    return [(*r[:5], *(round(v, 3) for v in r[5:])) for r in rows]


def _refurbish(session, world, item, handed_to=None, at=NOW):
    tested = [refurbish.TestResult("electrical_safety", True, at.date(), "earth 0.08 ohm")]
    refurbish.refurbish(session, item_id=item.id, tests=tested, actor=world.actor(), now=at,
                        key=new_key())
    if handed_to:
        return refurbish.hand_over(session, item_id=item.id, to=handed_to, actor=world.actor(),
                                   now=at, key=new_key())
    return None


def test_refurbished_and_handed_over_is_back_in_use_once(session, world):
    sold = make_item(session, world, category="toaster", weight=1.2)
    kept = make_item(session, world, category="kettle", weight=None)
    fixed = make_item(session, world, category="laptop", weight=None)
    _attempt(session, world, fixed, "fixed")
    rollup.fold(session, now=NOW)
    _refurbish(session, world, sold)
    rollup.fold(session, now=NOW)  # the hand-over below meets a visit folded earlier
    refurbish.hand_over(session, item_id=sold.id, to="sold", actor=world.actor(), now=NOW,
                        key=new_key())
    _refurbish(session, world, kept)
    _refurbish(session, world, fixed, handed_to="donated")
    rollup.fold(session, now=NOW)
    rows = {r[1]: r for r in _in_use(session)}
    toaster, kettle, laptop = (rows[i.category_id] for i in (sold, kept, fixed))
    # Restart 2021 toaster: 1.47 kg, 8.13 kg CO2e x 0.5 central, x 0.3 conservative.
    assert toaster[2:] == ("unknown", 1, 1, 1.47, 1.47, round(8.13 * 0.5, 3),
                           round(8.13 * 0.3, 3))
    assert kettle[2:] == ("unknown", 1, 0, 0.0, 0.0, 0.0, 0.0)
    # Fixed, then refurbished and donated: one object back in use, with one credit.
    assert laptop[2:6] == ("fixed", 1, 1, 1.83) and laptop[6] == 1.83
    folded = _in_use(session)
    rollup.rebuild(session, now=NOW)
    assert _in_use(session) == folded


def test_hand_over_in_the_same_fold_and_after_a_correction_matches_a_rebuild(session, world):
    first = make_item(session, world, category="toaster", weight=1.2)
    second = make_item(session, world, category="kettle", weight=None)
    handed = _refurbish(session, world, first, handed_to="sold")
    _refurbish(session, world, second, handed_to="donated")
    rollup.fold(session, now=NOW)
    repairs.correct_event(session, event_id=handed.id, replace={"to": "donated"},
                          reason="Given away, not sold", actor=world.actor(), now=NOW,
                          key=new_key())
    assert rollup.fold(session, now=NOW).rebuilt_items == 1
    folded = _in_use(session)
    assert sorted((r[2], r[3], r[4]) for r in folded) == [("unknown", 1, 1), ("unknown", 1, 1)]
    rollup.rebuild(session, now=NOW)
    assert _in_use(session) == folded


# ---- exactness: late commits, many gaps, and the comparison with a replay


def _event(session, item, kind, payload, *, event_id=None):
    """An event written straight to the table, with an id of the test's choosing: how an
    importer's reserved ids or a slow transaction's id can commit after higher ones."""
    from repaircafe.models import LifecycleEvent

    with session.begin():
        session.add(LifecycleEvent(id=event_id, item_id=item.id, kind=kind, payload=payload,
                                   occurred_at=NOW, idempotency_key=new_key(),
                                   actor_name="test"))


def _max_event_id(session):
    found = session.connection().execute(text("SELECT max(id) FROM lifecycle_event")).scalar()
    session.rollback()
    return int(found)


def _matches_a_replay(session):
    assert rollup.differences(session, now=NOW) == []
    folded = _in_use(session)
    rollup.rebuild(session, now=NOW)
    assert _in_use(session) == folded
    return folded


def test_an_event_committed_after_a_later_one_was_folded_is_folded_in_its_turn(session, world):
    item = make_item(session, world, category="toaster", weight=None)
    base = _max_event_id(session) + 100
    _event(session, item, "repair_attempted", {"outcome": "fixed"}, event_id=base + 10)
    rollup.fold(session, now=NOW)
    # The earlier attempt commits only now, long after the fold saw its id missing.
    _event(session, item, "repair_attempted", {"outcome": "repairable"}, event_id=base + 5)
    assert rollup.pending_events(session) == 1
    result = rollup.fold(session, now=NOW + timedelta(hours=2))
    assert (result.events, result.rebuilt_items) == (1, 1)
    assert rollup.pending_events(session) == 0
    # The latest attempt by id (fixed) is the visit's outcome, as a replay says.
    assert [(r[2], r[3]) for r in _matches_a_replay(session)] == [("fixed", 1)]


def test_more_than_two_hundred_late_ranges_are_all_folded(session, world):
    items = [make_item(session, world, category="kettle", weight=None) for _ in range(3)]
    rollup.fold(session, now=NOW)
    base = _max_event_id(session) + 10
    for k in range(250):
        _event(session, items[k % 3], "checked_in", {}, event_id=base + 2 * k + 1)
    rollup.fold(session, now=NOW)
    for k in range(250):
        _event(session, items[k % 3], "checked_in", {}, event_id=base + 2 * k)
    rollup.fold(session, now=NOW + timedelta(days=1))
    assert sum(r[3] for r in _matches_a_replay(session)) == 3 + 500


def test_a_transaction_open_across_a_fold_is_folded_when_it_commits(session, world, engine):
    """Two real sessions: the earlier id commits after later ones were folded."""
    from sqlmodel import Session as Sql

    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL lets two writers hold open transactions at once")
    from repaircafe.models import LifecycleEvent

    slow_item = make_item(session, world, category="lamp", weight=None)
    item = make_item(session, world, category="toaster", weight=None)
    rollup.fold(session, now=NOW)
    with Sql(engine) as slow:
        slow.add(LifecycleEvent(item_id=slow_item.id, kind="repair_attempted",
                                payload={"outcome": "repairable"}, occurred_at=NOW,
                                idempotency_key=new_key(), actor_name="slow"))
        slow.flush()  # has its id, not committed
        _attempt(session, world, item, "fixed")
        assert rollup.fold(session, now=NOW).events == 1
        assert sorted(r[2] for r in _in_use(session)) == ["fixed", "unknown"]
        slow.commit()
    assert rollup.fold(session, now=NOW + timedelta(hours=1)).events == 1
    assert sorted(r[2] for r in _matches_a_replay(session)) == ["fixed", "repairable"]


def test_differences_name_a_tampered_rollup_row_and_change_nothing(session, world):
    item = make_item(session, world, category="toaster", weight=1.2)
    _attempt(session, world, item, "fixed")
    rollup.fold(session, now=NOW)
    assert rollup.differences(session, now=NOW) == []
    with session.begin():
        session.execute(text("UPDATE report_rollup SET objects = objects + 2"))
    found = rollup.differences(session, now=NOW)
    assert len(found) == 1
    table, key, message = found[0]
    assert table == "report_rollup" and "month 2025-06" in key and "fixed" in key
    assert message == "objects 3 stored, events say 1"
    assert rollup.differences(session, now=NOW) == found  # nothing was repaired by looking
    rollup.rebuild(session, now=NOW)
    assert rollup.differences(session, now=NOW) == []


def test_differences_include_events_not_yet_folded(session, world):
    _attempt(session, world, make_item(session, world), "fixed")
    assert rollup.pending_events(session) == 2
    assert rollup.differences(session, now=NOW) == []
    assert rollup.pending_events(session) == 2  # the comparison folded them only to compare
