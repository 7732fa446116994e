"""The fixer's bench page and its actions, each refused cleanly when impossible."""

from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.models import Item, LifecycleEvent, Tag
from repaircafe.objects.services import repairs
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item


def _events(session, item):
    session.rollback()
    session.expire_all()
    return [e.kind for e in session.exec(
        select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)
        .order_by(LifecycleEvent.id)).all()]


def test_history_comes_first_with_earlier_fixers_notes(client, session, world, login_as):
    item = make_item(session, world, brand="Bosch")
    repairs.record_repair_attempt(session, item_id=item.id, outcome="repairable",
                                  internal_note="Needs a new thermostat", actor=world.actor(),
                                  now=NOW, key=new_key())
    login_as("fixer")
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Needs a new thermostat" in page
    assert page.index('id="history"') < page.index('id="attempt"')


def test_diagnosis_then_fixed_then_hand_back(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    client.post(f"/bench/{item.id}/diagnosis", data={"diagnosis": "Fuse blown", "key": "d1"})
    client.post(f"/bench/{item.id}/attempt", data={"outcome": "fixed", "minutes": "20",
                                                   "public_note": "New fuse", "key": "a1"})
    client.post(f"/bench/{item.id}/handover", data={"to": "owner", "key": "h1"})
    assert _events(session, item) == ["registered", "diagnosed", "repair_attempted",
                                      "handed_over"]
    assert session.get(Item, item.id).state == "in_use"


def test_impossible_action_is_refused_with_the_reason_and_changes_nothing(client, session,
                                                                          world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    client.post(f"/bench/{item.id}/attempt", data={"outcome": "end_of_life", "barrier": "1",
                                                   "key": "a1"})
    client.post(f"/bench/{item.id}/handover", data={"to": "owner", "key": "h1"})
    before = _events(session, item)
    response = client.post(f"/bench/{item.id}/attempt", data={"outcome": "fixed", "key": "a2"},
                           follow_redirects=True)
    assert "Cannot record a repair attempt" in response.get_data(as_text=True)
    assert _events(session, item) == before


def test_barrier_is_ignored_unless_end_of_life(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    client.post(f"/bench/{item.id}/attempt", data={"outcome": "fixed", "barrier": "3",
                                                   "key": "a1"})
    session.rollback()
    session.expire_all()
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.kind == "repair_attempted")).one()
    assert event.payload["barrier"] is None


def test_replacing_a_label_keeps_both_in_history(client, session, world, login_as):
    item = make_item(session, world)
    old = tags.current_tag(session, item_id=item.id).code
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    login_as("fixer")
    client.post(f"/bench/{item.id}/label", data={"new_code": blank.code, "key": "l1"})
    session.rollback()
    session.expire_all()
    statuses = dict(session.exec(select(Tag.code, Tag.status).where(Tag.item_id == item.id)).all())
    assert statuses == {old: "retired", blank.code: "linked"}
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Label replaced" in page


def test_correction_is_an_event_not_an_edit(client, session, world, login_as):
    item = make_item(session, world)
    event = repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                          actor=world.actor(), now=NOW, key=new_key())
    login_as("fixer")
    client.post(f"/bench/{item.id}/correct/{event.id}",
                data={"outcome": "end_of_life", "barrier": "2", "reason": "Wrong button",
                      "key": "c1"})
    session.rollback()
    session.expire_all()
    original = session.get(LifecycleEvent, event.id)
    assert original.payload["outcome"] == "fixed"
    assert _events(session, item)[-1] == "correction"
    assert session.get(Item, item.id).state == "end_of_life"


def test_returning_object_is_checked_in_for_today(client, session, world, login_as):
    item = make_item(session, world)
    repairs.hand_over(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    login_as("fixer")
    opened = client.post("/board/open", data={"site_id": world.site.id})
    today_id = int(opened.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Check in for today" in page
    client.post(f"/bench/{item.id}/checkin", data={"problem": "Rattles", "key": "c1"})
    assert _events(session, item)[-1] == "checked_in"
    assert session.get(Item, item.id).current_session_id == today_id
