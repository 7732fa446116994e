import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import Refused, TransitionRefused
from repaircafe.maintenance.integrity import check
from repaircafe.models import ImpactRecord, LifecycleEvent, Tag
from repaircafe.objects.services import repairs
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item


def test_register_issues_a_tag_and_records_the_first_event(session, world):
    item = make_item(session, world, brand="Philips", problem="No heat")
    assert item.state == "registered"
    tag = session.exec(select(Tag).where(Tag.item_id == item.id)).one()
    assert tag.status == "linked" and tag.kind == "item"
    events = session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)).all()
    assert [e.kind for e in events] == ["registered"]
    assert events[0].actor_name == "Fixer"


def test_register_claims_a_blank_label(session, world):
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    item = make_item(session, world, tag_code=blank.code.lower())
    session.refresh(blank)
    assert blank.status == "linked" and blank.item_id == item.id


def test_claiming_a_used_label_is_refused_and_writes_nothing(session, world):
    first = make_item(session, world)
    code = session.exec(select(Tag.code).where(Tag.item_id == first.id)).one()
    before = session.exec(select(LifecycleEvent)).all()
    with pytest.raises(Refused, match="already in use"):
        make_item(session, world, tag_code=code)
    assert len(session.exec(select(LifecycleEvent)).all()) == len(before)


def test_fixed_repair_records_impact_with_its_factor_set(session, world):
    item = make_item(session, world, category="laptop", weight=None)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed", minutes="30",
                                  actor=world.actor(), now=NOW, key=new_key())
    records = {r.factor_set: r for r in session.exec(select(ImpactRecord)).all()}
    assert set(records) == {"restart-2021", "conservative-2021", "measured-2021"}
    record = records["restart-2021"]
    assert records["conservative-2021"].co2e_avoided_kg == record.co2e_avoided_conservative_kg
    assert record.co2e_avoided_kg == pytest.approx(132.66, abs=0.01)
    assert record.co2e_avoided_conservative_kg < record.co2e_avoided_kg


def test_retried_request_returns_first_event_and_writes_nothing(session, world):
    item = make_item(session, world)
    key = new_key()
    first = repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                          actor=world.actor(), now=NOW, key=key)
    again = repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                          actor=world.actor(), now=NOW, key=key)
    assert again.id == first.id
    stored = session.exec(select(ImpactRecord.factor_set)).all()
    assert sorted(stored) == sorted(set(stored)), "one record per factor set, not two"


def test_barrier_only_with_end_of_life(session, world):
    item = make_item(session, world)
    with pytest.raises(Refused, match="End of life"):
        repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed", barrier=1,
                                      actor=world.actor(), now=NOW, key=new_key())


def test_impossible_transition_is_refused_and_changes_nothing(session, world):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    repairs.hand_over(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    with pytest.raises(TransitionRefused, match="handed over"):
        repairs.record_diagnosis(session, item_id=item.id, diagnosis="x", actor=world.actor(),
                                 now=NOW, key=new_key())
    session.refresh(item)
    assert item.state == "in_use"
    assert check(session) == []


def test_correction_changes_state_and_impact_but_keeps_the_original(session, world):
    item = make_item(session, world, category="kettle")
    attempt = repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                            actor=world.actor(), now=NOW, key=new_key())
    repairs.correct_event(session, event_id=attempt.id, replace={"outcome": "end_of_life",
                          "barrier": 1}, reason="Wrong button", actor=world.actor(), now=NOW,
                          key=new_key())
    session.refresh(item)
    assert item.state == "end_of_life"
    assert session.get(LifecycleEvent, attempt.id).payload["outcome"] == "fixed"
    assert all(r.is_void for r in session.exec(select(ImpactRecord)).all())
    assert check(session) == []


def test_replace_tag_retires_old_one(session, world):
    item = make_item(session, world)
    old = session.exec(select(Tag).where(Tag.item_id == item.id)).one()
    new = repairs.replace_tag(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    session.refresh(old)
    assert old.status == "retired" and new.status == "linked" and new.item_id == item.id
    assert tags.resolve(session, old.code).result == "retired"
    assert tags.resolve(session, new.code).result == "item"


def test_an_attempt_keeps_spare_parts_next_steps_and_the_repair_guide(session, world):
    item = make_item(session, world)
    event = repairs.record_repair_attempt(
        session, item_id=item.id, outcome="repairable", spare_parts="yes",
        parts_source="owner", next_steps="owner_buys_part",
        repair_info="https://www.ifixit.com/Guide/Toaster", actor=world.actor("fixer"),
        now=NOW, key=new_key())
    assert {k: event.payload[k] for k in ("spare_parts_needed", "parts_source", "next_steps",
                                          "repair_info_url")} == {
        "spare_parts_needed": True, "parts_source": "owner", "next_steps": "owner_buys_part",
        "repair_info_url": "https://www.ifixit.com/Guide/Toaster"}


@pytest.mark.parametrize(("fields", "message"), [
    ({"outcome": "fixed", "next_steps": "next_session"}, "only go with the outcome Repairable"),
    ({"outcome": "repairable", "repair_info": "javascript:alert(1)"}, "not a web address"),
    ({"outcome": "repairable", "repair_info": "ftp://example.org/x"}, "not a web address"),
    ({"outcome": "fixed", "spare_parts": "no", "parts_source": "stock"}, "only goes with"),
    ({"outcome": "fixed", "parts_source": "shop"}, "Unknown source"),
    ({"outcome": "end_of_life", "require_barrier": True}, "Choose the barrier"),
])
def test_attempt_details_that_do_not_fit_are_refused(session, world, fields, message):
    item = make_item(session, world)
    with pytest.raises(Refused, match=message):
        repairs.record_repair_attempt(session, item_id=item.id, actor=world.actor("fixer"),
                                      now=NOW, key=new_key(), **fields)
    session.rollback()
    assert session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "repair_attempted")).all() == []


def test_a_barrier_alone_corrects_an_end_of_life_attempt(session, world):
    item = make_item(session, world)
    attempt = repairs.record_repair_attempt(session, item_id=item.id, outcome="end_of_life",
                                            barrier=1, actor=world.actor("fixer"), now=NOW,
                                            key=new_key())
    repairs.correct_event(session, event_id=attempt.id, replace={"barrier": "3"},
                          reason="No way to open it, not parts", actor=world.actor("fixer"),
                          now=NOW, key=new_key(), require_barrier=True)
    with pytest.raises(Refused, match="Choose the barrier"):
        repairs.correct_event(session, event_id=attempt.id,
                              replace={"outcome": "end_of_life", "barrier": None},
                              reason="x", actor=world.actor("fixer"), now=NOW, key=new_key(),
                              require_barrier=True)
    session.rollback()
    assert check(session) == []
