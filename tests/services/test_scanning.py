"""The scan service (one for the scan page and the API) and the two-tablet races on one object."""

import threading
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from repaircafe.api.services import api_access
from repaircafe.board.services import board
from repaircafe.core.events import new_key
from repaircafe.domain import codes
from repaircafe.domain.errors import KeyReused, NotPermitted, Refused
from repaircafe.models import Item, LifecycleEvent, ScanLog
from repaircafe.objects.services import repairs
from repaircafe.tags.services import scanning, tags
from tests.factories import NOW, make_item


@pytest.mark.parametrize("shape", [str.lower, codes.display, lambda c: f"http://x/i/{c}/"])
def test_any_shape_of_a_code_resolves(session, world, shape):
    item = make_item(session, world)
    code = tags.current_tag(session, item_id=item.id).code
    found = scanning.scan(session, raw=shape(code), actor=world.actor("viewer"), channel="typed",
                          now=NOW)
    assert (found.result, found.item_id, found.code) == ("item", item.id, code)


def test_every_lookup_is_logged_unknown_and_garbage_included(session, world):
    for text in ("hello world", codes.new_code(), "0000-0000-1"):
        scanning.scan(session, raw=text, actor=world.actor(), channel="camera", now=NOW)
    results = session.exec(select(ScanLog.result).order_by(ScanLog.id)).all()
    assert results[0] == "invalid" and results[1] == "unknown" and len(results) == 3


def test_another_groups_object_is_unknown_and_logged_so_on_every_channel(session, world):
    """The scan page and the API tell, and log, the same thing about a foreign label."""
    foreign = make_item(session, world, repair_session=world.other_session)
    code = tags.current_tag(session, item_id=foreign.id).code
    page = scanning.scan(session, raw=code, actor=world.actor(), channel="scanner", now=NOW)
    api = api_access.scan(session, raw=code, actor=world.actor(), now=NOW, key="k-1")
    for found in (page, api):
        assert (found.result, found.code, found.item_id, found.tag_id) == ("unknown", code, None,
                                                                           None)
        assert "belongs to another group" in found.message
    logged = session.exec(select(ScanLog.channel, ScanLog.result, ScanLog.tag_id)
                          .order_by(ScanLog.id)).all()
    assert logged == [("scanner", "unknown", None), ("api", "unknown", None)]
    admin = scanning.scan(session, raw=code, actor=world.actor("admin"), channel="typed", now=NOW)
    assert (admin.result, admin.item_id) == ("item", foreign.id)


def test_a_scan_with_a_key_is_logged_once_and_a_reused_key_refused(session, world):
    item = make_item(session, world)
    code = tags.current_tag(session, item_id=item.id).code
    for _attempt in range(2):
        found = scanning.scan(session, raw=code, actor=world.actor(), channel="camera", now=NOW,
                              key="retry")
        assert found.item_id == item.id
    with pytest.raises(KeyReused):
        scanning.scan(session, raw="other", actor=world.actor(), channel="camera", now=NOW,
                      key="retry")
    assert session.exec(select(ScanLog.idempotency_key)).all() == ["retry"]


def test_an_unknown_channel_is_logged_as_typed(session, world):
    scanning.scan(session, raw="x", actor=world.actor(), channel="<script>", now=NOW)
    assert session.exec(select(ScanLog.channel)).one() == "typed"


def test_scanning_needs_the_right_to_see_objects(session, world):
    nobody = replace(world.actor("viewer"), role="nobody")
    with pytest.raises(NotPermitted):
        scanning.scan(session, raw="x", actor=nobody, channel="typed", now=NOW)


def _race(engine, actions):
    """Run each action in its own thread and database session, started together."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                outcomes[index] = action(own)
            except Refused as exc:
                outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_tablets_handing_over_at_once_one_wins(engine, session, world):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())

    def hand(own):
        return repairs.hand_over(own, item_id=item.id, actor=world.actor(), now=NOW,
                                 key=new_key())

    outcomes = _race(engine, [hand, hand])
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(refused) == 1 and "Cannot hand it over" in refused[0].message
    session.expire_all()
    kinds = session.exec(select(LifecycleEvent.kind).where(LifecycleEvent.item_id == item.id)).all()
    assert kinds.count("handed_over") == 1


def test_the_same_request_from_two_tablets_records_once(engine, session, world):
    item = make_item(session, world)
    key = new_key()

    def diagnose(own):
        return repairs.record_diagnosis(own, item_id=item.id, diagnosis="Fuse", actor=world.actor(),
                                        now=NOW, key=key)

    first, second = _race(engine, [diagnose, diagnose])
    assert first.id == second.id
    session.expire_all()
    assert session.exec(select(LifecycleEvent.kind).where(LifecycleEvent.item_id == item.id)).all() \
        == ["registered", "diagnosed"]
    assert session.get(Item, item.id).state == "in_repair"


def test_board_counts_and_version_follow_the_events(session, world):
    item = make_item(session, world)
    before = board.board(session, repair_session_id=world.repair_session.id, actor=world.actor())
    repairs.record_diagnosis(session, item_id=item.id, diagnosis="x", actor=world.actor(),
                             now=NOW.replace(minute=5), key=new_key())
    after = board.board(session, repair_session_id=world.repair_session.id, actor=world.actor())
    assert before.counts == {"waiting": 1, "at_bench": 0, "done": 0}
    assert after.counts == {"waiting": 0, "at_bench": 1, "done": 0}
    assert before.version != after.version


def test_a_users_recent_scans_come_from_an_index_not_a_table_scan(session, world):
    """The scan page lists the volunteer's last scans; with millions of logged scans a
    volunteer who has not scanned for months must not make it read them all."""
    fixer = world.users["fixer"].id
    for text in ("first", codes.new_code(), "last"):
        scanning.scan(session, raw=text, actor=world.actor(), channel="typed", now=NOW)
    assert [raw for raw, _result in scanning.recent_scans(session, user_id=fixer)][::2] == [
        "last", "first"]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        plan = " ".join(str(row) for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT code, raw, result FROM scan_log WHERE user_id = 1 "
            "ORDER BY id DESC LIMIT 5"))
        assert "ix_scan_log_user_id_id" in plan and "SCAN scan_log" not in plan
