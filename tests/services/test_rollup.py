"""The rollup equals a fresh replay of the events, whatever order things are folded in."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from repaircafe.services import repairs, rollup
from repaircafe.services.events import new_key
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
