"""Intake registers objects only into café sessions of the volunteer's own group."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import Refused
from repaircafe.maintenance.integrity import check, rebuild_states
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent, Owner
from repaircafe.objects.services import corrections, intake, repairs
from repaircafe.reporting.services.impact import CENTRAL_SET
from tests.factories import NOW, make_item


def _register(session, world, role, repair_session):
    return intake.register_item(session, repair_session_id=repair_session.id,
                                category="toaster", brand="Dualit", actor=world.actor(role),
                                now=NOW, key=new_key())


@pytest.mark.parametrize("role", ["fixer", "coordinator"])
def test_a_session_of_another_group_is_refused_and_nothing_is_written(session, world, role):
    with pytest.raises(Refused, match="another group's site"):
        _register(session, world, role, world.other_session)
    session.rollback()
    assert session.exec(select(Item)).all() == []


def test_own_group_sessions_and_admins_anywhere(session, world):
    mine = _register(session, world, "fixer", world.repair_session)
    theirs = _register(session, world, "admin", world.other_session)
    assert (mine.group_id, theirs.group_id) == (world.group.id, world.other_group.id)


def test_the_intake_form_refuses_another_groups_session(client, session, world, login_as):
    login_as("fixer")
    response = client.post("/intake/", data={
        "repair_session_id": str(world.other_session.id), "category": "toaster",
        "brand": "Dualit", "key": "k-elsewhere"})
    assert response.status_code == 422
    assert "another group" in response.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(Item)).all() == []


# Describing the object, its age and a doubtful weight


def test_an_undescribed_object_is_refused_when_a_description_is_required(session, world):
    with pytest.raises(Refused, match="Choose a category or write the brand"):
        intake.register_item(session, repair_session_id=world.repair_session.id, category=None,
                             actor=world.actor("fixer"), now=NOW, key=new_key(),
                             require_description=True)
    session.rollback()
    assert session.exec(select(Item)).all() == []
    only_a_problem = intake.register_item(
        session, repair_session_id=world.repair_session.id, category=None,
        problem="Hums and stops", actor=world.actor("fixer"), now=NOW, key=new_key(),
        require_description=True)
    assert only_a_problem.category_id is None and only_a_problem.problem == "Hums and stops"


@pytest.mark.parametrize(("typed", "years"), [("3", 3.0), ("2,5", 2.5), (str(NOW.year - 7), 7.0),
                                               ("4 years", 4.0), ("", None)])
def test_product_age_is_taken_as_years_or_as_the_year_made(typed, years):
    assert intake.parse_product_age(typed, today=NOW) == years


@pytest.mark.parametrize("typed", ["old", "2031", "-1", "400"])
def test_an_impossible_age_is_refused(typed):
    with pytest.raises(Refused):
        intake.parse_product_age(typed, today=NOW)


def test_the_age_is_stored_on_the_object_and_in_its_registered_event(session, world):
    item = make_item(session, world, product_age="2016")
    assert item.product_age_years == NOW.year - 2016
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)).one()
    assert event.payload["product_age_years"] == NOW.year - 2016


def test_a_weight_far_from_the_category_average_is_doubted_not_refused():
    assert intake.average_weight("lamp") is not None
    doubt = intake.weight_doubt("lamp", "499")
    assert doubt is not None and doubt.kind == "too_heavy"
    assert doubt.typical_kg == intake.average_weight("lamp")
    assert intake.weight_doubt("lamp", "1,2") is None
    assert intake.weight_doubt(None, "200") is not None
    assert intake.weight_doubt("lamp", "abc") is None


# Correcting the intake details


def _history(session, item):
    session.expire_all()
    return session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)
                        .order_by(LifecycleEvent.id)).all()


def test_a_correction_replaces_intake_fields_and_keeps_the_registered_entry(session, world):
    item = make_item(session, world, category="lamp", brand="Ikae", weight="499")
    registered = _history(session, item)[0]
    before = dict(registered.payload)
    corrections.correct_intake(
        session, item_id=item.id, changes={"category": "kettle", "brand": "Ikea",
                                           "weight_kg": "1,4", "model": item.model},
        reason="Wrong tile and a typo", actor=world.actor("fixer"), now=NOW, key=new_key())
    session.expire_all()
    item = session.get(Item, item.id)
    assert (item.brand, item.weight_kg, session.get(Category, item.category_id).slug) == (
        "Ikea", 1.4, "kettle")
    history = _history(session, item)
    assert [e.kind for e in history] == ["registered", "correction"]
    assert history[0].payload == before
    correction = history[1]
    assert correction.corrects_id == registered.id
    assert correction.payload["replace"] == {"category": "kettle", "brand": "Ikea",
                                             "weight_kg": 1.4}
    assert correction.payload["previous"] == {"category": "lamp", "brand": "Ikae",
                                              "weight_kg": 499.0}
    assert item.state == "registered"
    assert check(session) == []
    assert rebuild_states(session) == 0


def test_the_latest_correction_wins_and_rebuild_restores_a_tampered_row(session, world):
    item = make_item(session, world, brand="Bosh")
    for brand in ("Bosch", "Siemens"):
        corrections.correct_intake(session, item_id=item.id, changes={"brand": brand},
                                   reason="typo", actor=world.actor("fixer"), now=NOW,
                                   key=new_key())
    session.expire_all()
    row = session.get(Item, item.id)
    assert row.brand == "Siemens"
    row.brand = "Tampered"
    session.add(row)
    session.commit()
    assert [p.kind for p in check(session)] == ["fields"]
    assert rebuild_states(session) == 1
    session.expire_all()
    assert session.get(Item, item.id).brand == "Siemens"
    assert check(session) == []


def test_nothing_to_correct_and_a_missing_reason_are_refused(session, world):
    item = make_item(session, world, brand="Dualit")
    with pytest.raises(Refused, match="Nothing to correct"):
        corrections.correct_intake(session, item_id=item.id, changes={"brand": "Dualit"},
                                   reason="same", actor=world.actor("fixer"), now=NOW,
                                   key=new_key())
    session.rollback()
    with pytest.raises(Refused, match="Say what was wrong"):
        corrections.correct_intake(session, item_id=item.id, changes={"brand": "X"},
                                   reason=" ", actor=world.actor("fixer"), now=NOW,
                                   key=new_key())
    session.rollback()
    with pytest.raises(Refused, match="more than 0 kg"):
        corrections.correct_intake(session, item_id=item.id, changes={"weight_kg": "-2"},
                                   reason="scale", actor=world.actor("fixer"), now=NOW,
                                   key=new_key())
    session.rollback()
    assert [e.kind for e in _history(session, item)] == ["registered"]


def test_a_corrected_weight_recomputes_a_fixed_repairs_savings(session, world):
    item = make_item(session, world, category="bicycle", weight="120")
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor("fixer"), now=NOW, key=new_key())

    def credited():
        session.expire_all()
        return session.exec(select(ImpactRecord.weight_kg).where(
            ImpactRecord.item_id == item.id, ImpactRecord.is_void == False,  # noqa: E712
            ImpactRecord.factor_set == CENTRAL_SET)).all()

    assert credited() == [120.0]
    corrections.correct_intake(session, item_id=item.id, changes={"weight_kg": "12"},
                               reason="one zero too many", actor=world.actor("fixer"),
                               now=NOW, key=new_key())
    assert credited() == [12.0]
    assert check(session) == []


def test_owner_contact_corrected_with_consent_never_enters_the_history(session, world):
    item = make_item(session, world, owner=intake.OwnerContact(
        name="Ann", email="ann@example.org", consent=True))
    with pytest.raises(Refused, match="consent"):
        corrections.correct_intake(
            session, item_id=item.id, owner=intake.OwnerContact(name="Anne"),
            reason="name", actor=world.actor("fixer"), now=NOW, key=new_key())
    session.rollback()
    event = corrections.correct_intake(
        session, item_id=item.id,
        owner=intake.OwnerContact(name="Anne Smith", email="anne@example.org", consent=True),
        reason="misheard", actor=world.actor("fixer"), now=NOW, key=new_key())
    session.expire_all()
    owner = session.get(Owner, session.get(Item, item.id).owner_id)
    assert (owner.name, owner.email) == ("Anne Smith", "anne@example.org")
    assert event.payload == {"intake": True, "replace": {}, "previous": {},
                             "reason": "misheard", "owner_changed": True}
    assert "Anne" not in str(event.payload) + event.internal_note


def test_a_retried_correction_is_recorded_once(session, world):
    item = make_item(session, world, brand="Bosh")
    key = new_key()
    for _ in range(2):
        corrections.correct_intake(session, item_id=item.id, changes={"brand": "Bosch"},
                                   reason="typo", actor=world.actor("fixer"), now=NOW, key=key)
    assert [e.kind for e in _history(session, item)] == ["registered", "correction"]
