"""The live session board and its small JSON state."""

from repaircafe.core.events import new_key
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
