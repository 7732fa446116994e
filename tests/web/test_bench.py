"""The fixer's bench page and its actions, each refused cleanly when impossible."""

import re

import pytest
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


def _fixed(session, world, item):
    return repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                         actor=world.actor(), now=NOW, key=new_key())


def test_a_refused_attempt_keeps_every_value_and_reopens_its_panel(client, session, world,
                                                                   login_as):
    item = make_item(session, world)
    login_as("fixer")
    response = client.post(f"/bench/{item.id}/attempt", data={
        "outcome": "repairable", "minutes": "700", "public_note": "Cleaned the contacts",
        "internal_note": "Thermostat part 12-B", "spare_parts": "yes", "parts_source": "owner",
        "next_steps": "owner_buys_part", "repair_info": "https://example.org/guide",
        "key": "a-700"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<details class="action card" id="attempt"\s+open', page)
    assert "Cleaned the contacts</textarea>" in page and "Thermostat part 12-B</textarea>" in page
    assert re.search(r'name="minutes"[^>]*value="700"[^>]*aria-invalid="true"', page)
    assert 'id="error-attempt-minutes"' in page and "Minutes must be between 0 and 600." in page
    assert page.index('name="minutes"') < page.index("Minutes must be between") < page.index(
        'name="spare_parts"')
    for kept in ('value="repairable" required checked', 'value="owner" selected',
                 'value="owner_buys_part" selected', 'value="https://example.org/guide"'):
        assert kept in page
    assert _events(session, item) == ["registered"]


@pytest.mark.parametrize(("action", "data", "panel", "field", "typed"), [
    ("diagnosis", {"diagnosis": "x" * 2001}, "diagnosis", "diagnosis", "x" * 2001),
    ("note", {"public_note": "", "internal_note": ""}, "note", "public_note", None),
    ("label", {"new_code": "NOT-A-CODE"}, "label", "new_code", "NOT-A-CODE"),
    ("handover", {"to": "lent"}, "handover", "return_due_on", 'value="lent" selected'),
    ("attempt", {"outcome": "end_of_life", "internal_note": "Burnt coil"}, "attempt", "barrier",
     "Burnt coil"),
])
def test_every_bench_refusal_comes_back_beside_its_field(client, session, world, login_as,
                                                        action, data, panel, field, typed):
    item = make_item(session, world)
    if action == "handover":
        _fixed(session, world, item)
    login_as("fixer")
    before = _events(session, item)
    response = client.post(f"/bench/{item.id}/{action}", data={**data, "key": f"k-{action}"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{panel}"\s+open', page)
    assert f'id="error-{panel}-{field}"' in page and "data-field-error" in page
    if typed:
        assert typed in page
    assert _events(session, item) == before


def test_a_refused_correction_reopens_that_entry_with_its_values(client, session, world,
                                                                login_as):
    item = make_item(session, world)
    event = _fixed(session, world, item)
    login_as("fixer")
    response = client.post(f"/bench/{item.id}/correct/{event.id}", data={
        "outcome": "end_of_life", "reason": "Wrong button", "key": "c-no-barrier"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<details class="correct"\s+open', page)
    assert f'id="error-correct-{event.id}-barrier"' in page
    assert 'value="Wrong button"' in page and 'value="end_of_life" selected' in page


def test_a_saved_action_lands_on_its_new_entry_with_the_message(client, session, world,
                                                                login_as):
    item = make_item(session, world)
    login_as("fixer")
    response = client.post(f"/bench/{item.id}/diagnosis",
                           data={"diagnosis": "Fuse blown", "key": "d-ok"})
    assert response.status_code == 303
    latest = session.exec(select(LifecycleEvent.id).where(LifecycleEvent.item_id == item.id)
                          .order_by(LifecycleEvent.id.desc())).first()
    assert response.headers["Location"].endswith(f"#event-{latest}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    entry = page[page.index(f'id="event-{latest}"'):]
    assert entry.index("data-saved") < entry.index("</li>")
    assert "Diagnosis saved. Now: At the bench." in page


def test_a_barrier_alone_corrects_the_barrier_and_end_of_life_needs_one(client, session,
                                                                        world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    client.post(f"/bench/{item.id}/attempt", data={"outcome": "end_of_life", "barrier": "1",
                                                   "key": "a-eol"})
    event = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "repair_attempted")).one()
    response = client.post(f"/bench/{item.id}/correct/{event.id}", data={
        "outcome": "", "barrier": "4", "reason": "It was the manual", "key": "c-barrier"})
    assert response.status_code == 303
    session.rollback()
    correction = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "correction")).one()
    assert correction.payload["replace"] == {"barrier": 4}


def test_only_actions_that_fit_the_state_are_offered(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert all(f'id="{panel}"' in page for panel in ("diagnosis", "attempt", "handover"))
    _fixed(session, world, item)
    repairs.hand_over(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert not any(f'id="{panel}"' in page for panel in ("diagnosis", "attempt", "handover"))
    assert 'id="note"' in page and "Loan returned" not in page


def test_loan_returned_only_for_a_lent_object(client, session, world, login_as):
    item = make_item(session, world)
    _fixed(session, world, item)
    repairs.hand_over(session, item_id=item.id, to="lent", return_due_on="2025-07-01",
                      actor=world.actor(), now=NOW, key=new_key())
    login_as("fixer")
    assert "Loan returned" in client.get(f"/bench/{item.id}").get_data(as_text=True)


def test_attempt_details_show_in_the_history(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    client.post(f"/bench/{item.id}/attempt", data={
        "outcome": "repairable", "spare_parts": "yes", "parts_source": "second_hand",
        "next_steps": "next_session", "repair_info": "https://www.ifixit.com/Guide/1",
        "key": "a-details"})
    for where in (f"/bench/{item.id}", f"/items/{item.id}"):
        page = client.get(where).get_data(as_text=True)
        assert "Spare parts needed (second-hand)" in page
        assert "Next steps: back at the next session" in page
        assert 'href="https://www.ifixit.com/Guide/1"' in page


def test_intake_details_corrected_from_the_bench_and_the_object_page(client, session, world,
                                                                     login_as):
    item = make_item(session, world, category="lamp", brand="Ikae", weight="499")
    login_as("fixer")
    response = client.post(f"/bench/{item.id}/intake", data={
        "category": "lamp", "brand": "Ikea", "model": item.model, "problem": item.problem,
        "weight": "1,2", "product_age": "", "reason": "Typed 499 for 1.2", "key": "i-1"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Intake details corrected" in page and "<del>Ikae</del>" in page
    assert "<ins>1.2 kg</ins>" in page
    from_item_page = client.post(f"/bench/{item.id}/intake", data={
        "category": "kettle", "brand": "Ikea", "model": item.model, "problem": item.problem,
        "weight": "1.2", "reason": "Wrong tile", "back": "item", "key": "i-2"})
    assert from_item_page.headers["Location"].endswith(f"/items/{item.id}#history")
    item_page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "<ins>Kettle</ins>" in item_page
    assert f'href="/bench/{item.id}/intake?back=item"' in item_page
    form = client.get(f"/bench/{item.id}/intake?back=item").get_data(as_text=True)
    assert 'name="back" value="item"' in form and 'value="kettle" selected' in form
    refused = client.post(f"/bench/{item.id}/intake", data={
        "category": "kettle", "brand": "Ikea", "weight": "abc", "reason": "x", "key": "i-3"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="error-intake-weight"' in text and 'value="abc"' in text
    assert "data-intake-correction" in text and 'value="x"' in text
    session.rollback()
    session.expire_all()
    assert session.get(Item, item.id).weight_kg == 1.2


def test_the_object_page_tells_the_history_in_the_benchs_words(client, session, world, login_as):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed", actor=world.actor(),
                                  now=NOW, key=new_key())
    repairs.hand_over(session, item_id=item.id, to="owner", actor=world.actor(), now=NOW,
                      key=new_key())
    login_as("fixer")
    for page in (f"/bench/{item.id}", f"/items/{item.id}"):
        assert "Handed over: back to its owner" in client.get(page).get_data(as_text=True), page
