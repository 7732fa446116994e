"""The live session board and its small JSON state."""

from datetime import timedelta

from repaircafe.core.events import new_key
from repaircafe.maintenance.integrity import check
from repaircafe.objects.services import repairs
from tests.factories import NOW, make_item


def test_board_sorts_objects_into_columns_with_counts(client, session, world, login_as):
    waiting = make_item(session, world, brand="Waiting")
    busy = make_item(session, world, brand="Busy")
    done = make_item(session, world, brand="Done")
    repairs.record_diagnosis(session, item_id=busy.id, diagnosis="Loose wire",
                             actor=world.actor(), now=NOW, key=new_key())
    repairs.record_repair_attempt(session, item_id=done.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    login_as("fixer")
    state = client.get(f"/board/{world.repair_session.id}/state.json").get_json()
    assert state["counts"] == {"waiting": 1, "at_bench": 1, "done": 1}
    assert [c["id"] for c in state["columns"]["waiting"]] == [waiting.id]
    assert state["columns"]["done"][0]["url"] == f"/bench/{done.id}"
    page = client.get(f"/board/{world.repair_session.id}").get_data(as_text=True)
    assert "Busy" in page and "Loose wire" not in page


def test_unchanged_board_answers_304_and_a_change_shows(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    url = f"/board/{world.repair_session.id}/state.json"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    repairs.record_diagnosis(session, item_id=item.id, diagnosis="x", actor=world.actor(),
                             now=NOW, key=new_key())
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["counts"]["at_bench"] == 1


def test_other_groups_board_is_not_shown(client, world, login_as):
    login_as("fixer")
    assert client.get(f"/board/{world.other_session.id}/state.json").status_code == 404


def test_opening_todays_session_twice_gives_one_session(client, world, login_as):
    login_as("fixer")
    first = client.post("/board/open", data={"site_id": world.site.id}).headers["Location"]
    second = client.post("/board/open", data={"site_id": world.site.id}).headers["Location"]
    assert first == second
    assert client.get("/board/").headers["Location"] == first
    assert client.post("/board/open", data={"site_id": world.other_site.id}).status_code == 404


def test_only_sites_without_a_session_today_are_offered_for_opening(client, session, world,
                                                                    login_as):
    from repaircafe.models import Site

    second = Site(name="Llandaff Hall", group_id=world.group.id, territory_id=world.territory.id)
    session.add(second)
    session.commit()
    login_as("coordinator")
    client.post("/board/open", data={"site_id": world.site.id})
    page = client.get("/board/?change=1").get_data(as_text=True)
    offered = page.split("Open today", 1)[1]
    assert f'name="site_id" value="{second.id}"' in offered
    assert f'name="site_id" value="{world.site.id}"' not in offered


def test_the_queue_is_oldest_first_with_its_waiting_time(client, session, world, login_as):
    newer = make_item(session, world, brand="Newer", occurred_at=NOW)
    older = make_item(session, world, brand="Older", occurred_at=NOW - timedelta(minutes=40))
    login_as("fixer")
    state = client.get(f"/board/{world.repair_session.id}/state.json").get_json()
    waiting = state["columns"]["waiting"]
    assert [c["id"] for c in waiting] == [older.id, newer.id]
    assert waiting[0]["waiting_minutes"] - waiting[1]["waiting_minutes"] == 40
    assert waiting[0]["waited"].startswith("waiting ")
    assert waiting[0]["take_url"] == f"/bench/{older.id}/take"
    page = client.get(f"/board/{world.repair_session.id}").get_data(as_text=True)
    assert page.index("Older") < page.index("Newer")
    assert "I&#39;m taking this one" in page or "I'm taking this one" in page


def test_taking_one_moves_it_to_a_bench_once(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    taken = client.post(f"/bench/{item.id}/take", data={"key": "t-1"})
    assert taken.status_code == 303 and f"/bench/{item.id}" in taken.headers["Location"]
    state = client.get(f"/board/{world.repair_session.id}/state.json").get_json()
    assert [c["id"] for c in state["columns"]["at_bench"]] == [item.id]
    assert "Taken to a bench" in client.get(taken.headers["Location"]).get_data(as_text=True)
    again = client.post(f"/bench/{item.id}/take", data={"key": "t-2"}, follow_redirects=True)
    assert "Someone has already taken this object to a bench." in again.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert check(session) == []


def test_a_viewer_sees_the_queue_without_taking(client, session, world, login_as):
    make_item(session, world)
    login_as("viewer")
    state = client.get(f"/board/{world.repair_session.id}/state.json").get_json()
    assert state["columns"]["waiting"][0]["take_url"] is None
