"""Working offline, server side: the service worker's route, the state a tablet asks for before
sending its queue, and the time a queued write says it was made."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.models import LifecycleEvent
from repaircafe.offline import client_time
from repaircafe.tags.services import tags
from repaircafe.tags.services.tags import current_tag
from tests.factories import NOW, make_item


def _assets(body: str) -> list[str]:
    match = re.search(r"var ASSETS = (\[.*?\]);", body)
    assert match
    return json.loads(match.group(1))


def test_the_service_worker_is_served_for_the_whole_site_and_never_kept_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache, max-age=0"
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assets = _assets(body)
    assert "/static/js/offline.js" in assets and "/static/app.css" in assets
    for path in assets:
        with client.get(path) as asset:
            assert asset.status_code == 200, path
    assert '"/bench/"' in body and '"/intake/"' in body and '"/scan/"' in body


def test_the_asset_cache_is_named_after_the_files_it_holds(app, tmp_path):
    from repaircafe.offline import assets

    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "a.js").write_text("one")
    (folder / "notes.txt").write_text("not kept")
    files, first = assets.static_files(str(folder))
    assert files == ("js/a.js",)
    (folder / "js" / "a.js").write_text("two")
    assets.static_files.cache_clear()
    assert assets.static_files(str(folder))[1] != first
    assets.static_files.cache_clear()


def test_the_state_gives_a_signed_in_tablet_a_fresh_token_and_nobody_else(client, login_as,
                                                                         world):
    response = client.get("/offline/state")
    assert response.status_code == 401
    assert response.json == {"signed_in": False}
    login_as("fixer")
    response = client.get("/offline/state")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["user"] == world.users["fixer"].id
    assert response.json["csrf_token"]


def test_signed_in_pages_carry_the_badge_the_queue_and_the_script(client, login_as, world):
    assert "offline.js" not in client.get("/login").get_data(as_text=True)
    login_as("fixer")
    page = client.get("/scan/").get_data(as_text=True)
    assert "data-offline-badge" in page and "data-offline-queue" in page
    assert "/static/js/offline.js" in page
    messages = re.search(r'<script type="application/json" id="offline-messages">(.*?)</script>',
                         page, re.S)
    assert messages
    assert json.loads(messages.group(1))["queued"].startswith("Saved on this tablet")


def test_a_believable_client_time_is_kept():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert client_time.occurred_at("2026-12-04T11:20:05.123Z", now) == datetime(
        2026, 12, 4, 11, 20, 5, 123000, tzinfo=UTC)
    assert client_time.occurred_at("2026-12-04T12:20:00+01:00", now) == datetime(
        2026, 12, 4, 11, 20, tzinfo=UTC)
    # a clock a little fast is read as now
    assert client_time.occurred_at("2026-12-04T12:03:00Z", now) == now


def test_an_unbelievable_client_time_is_ignored():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    for text in ("", None, "yesterday", "2026-12-04T11:00:00", "2026-12-04T12:06:00Z",
                 (now - client_time.OLDEST - timedelta(minutes=1)).isoformat(), "9" * 60):
        assert client_time.occurred_at(text, now) is None, text


def _event(session, key):
    session.rollback()
    return session.exec(select(LifecycleEvent).where(LifecycleEvent.idempotency_key == key)).one()


def test_a_bench_action_sent_later_keeps_the_time_save_was_pressed(client, session, world,
                                                                   login_as):
    item = make_item(session, world)
    login_as("fixer")
    pressed = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    key = new_key()
    response = client.post(f"/bench/{item.id}/diagnosis", data={
        "key": key, "diagnosis": "Fuse blown", "occurred_at": pressed.isoformat()})
    assert response.status_code == 303
    event = _event(session, key)
    assert event.occurred_at == pressed
    assert event.recorded_at > pressed + timedelta(hours=1)
    # sent again after a reconnect: the same event, not a second one
    client.post(f"/bench/{item.id}/diagnosis", data={
        "key": key, "diagnosis": "Fuse blown", "occurred_at": pressed.isoformat()})
    session.rollback()
    assert len(session.exec(select(LifecycleEvent).where(
        LifecycleEvent.idempotency_key == key)).all()) == 1


def test_an_intake_sent_later_keeps_its_time_and_its_pre_printed_label(client, session, world,
                                                                      login_as):
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    login_as("fixer")
    pressed = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)
    key = new_key()
    response = client.post("/intake/", data={
        "key": key, "repair_session_id": world.repair_session.id, "category": "kettle",
        "tag_code": blank.code, "problem": "Leaks", "occurred_at": pressed.isoformat()})
    assert response.status_code == 303, response.get_data(as_text=True)
    event = _event(session, key)
    assert event.occurred_at == pressed
    assert event.payload["code"] == blank.code


def test_a_bench_action_with_a_far_off_time_is_recorded_at_the_servers_time(
        client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    key = new_key()
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.post(f"/bench/{item.id}/diagnosis", data={
        "key": key, "diagnosis": "Fuse blown", "occurred_at": "2001-01-01T00:00:00Z"})
    assert _event(session, key).occurred_at >= before


def test_two_tablets_writing_to_one_object_both_stay_in_the_history_with_their_times(
        client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    now = datetime.now(UTC).replace(microsecond=0)
    offline_tablet = (new_key(), now - timedelta(minutes=30), "Checked the fuse")
    online_tablet = (new_key(), now - timedelta(minutes=10), "Replaced the cable")
    # the tablet that was online sends first; the one that was offline catches up later
    for key, pressed, text in (online_tablet, offline_tablet):
        response = client.post(f"/bench/{item.id}/note", data={
            "key": key, "internal_note": text, "occurred_at": pressed.isoformat()})
        assert response.status_code == 303
    session.rollback()
    notes = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == item.id, LifecycleEvent.kind == "note")).all()
    assert sorted((n.occurred_at, n.internal_note) for n in notes) == [
        (offline_tablet[1], offline_tablet[2]), (online_tablet[1], online_tablet[2])]


def test_a_note_sent_late_from_another_tablet_shows_where_it_happened(client, session, world,
                                                                      login_as):
    """Two tablets, one without network: both notes are kept, and the bench and the public page
    list them in the order they were written, not the order they arrived."""
    item = make_item(session, world)
    code = current_tag(session, item_id=item.id).code
    login_as("fixer")
    now = datetime.now(UTC).replace(microsecond=0)
    for text, minutes in (("Online tablet: cleaned the contacts", 10),
                          ("Offline tablet: opened the case", 30)):
        response = client.post(f"/bench/{item.id}/note", data={
            "key": new_key(), "public_note": text,
            "occurred_at": (now - timedelta(minutes=minutes)).isoformat()})
        assert response.status_code == 303
    session.rollback()
    recorded = session.exec(select(LifecycleEvent.public_note).where(
        LifecycleEvent.item_id == item.id, LifecycleEvent.kind == "note")
        .order_by(LifecycleEvent.id)).all()
    assert recorded == ["Online tablet: cleaned the contacts", "Offline tablet: opened the case"]
    for page in (client.get(f"/bench/{item.id}"), client.get(f"/I/{code}")):
        text = page.get_data(as_text=True)
        assert text.index("opened the case") < text.index("cleaned the contacts")
