"""The scan lookup service and the two-tablet races on one object."""

import threading

import pytest
from sqlmodel import Session, select

from repaircafe.domain import codes
from repaircafe.domain.errors import Refused
from repaircafe.models import Item, LifecycleEvent, ScanLog
from repaircafe.services import board, repairs, scanning, tags
from repaircafe.services.events import new_key
from tests.factories import NOW, make_item


@pytest.mark.parametrize("shape", [str.lower, codes.display, lambda c: f"http://x/i/{c}/"])
def test_any_shape_of_a_code_resolves(session, world, shape):
    item = make_item(session, world)
    code = tags.current_tag(session, item_id=item.id).code
    found = scanning.lookup(session.get_bind(), text=shape(code), user_id=None, channel="typed", now=NOW)
    assert (found.result, found.item_id, found.code) == ("item", item.id, code)


def test_every_lookup_is_logged_unknown_and_garbage_included(session, world):
    for text in ("hello world", codes.new_code(), "0000-0000-1"):
        scanning.lookup(session.get_bind(), text=text, user_id=world.users["fixer"].id, channel="camera",
                        now=NOW)
    results = session.exec(select(ScanLog.result).order_by(ScanLog.id)).all()
    assert results[0] == "invalid" and results[1] == "unknown" and len(results) == 3


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
        scanning.lookup(session.get_bind(), text=text, user_id=fixer, channel="typed", now=NOW)
    assert [raw for raw, _result in scanning.recent_scans(session, user_id=fixer)][::2] == [
        "last", "first"]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        plan = " ".join(str(row) for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT code, raw, result FROM scan_log WHERE user_id = 1 "
            "ORDER BY id DESC LIMIT 5"))
        assert "ix_scan_log_user_id_id" in plan and "SCAN scan_log" not in plan
