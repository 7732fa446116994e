"""The demo database: built fast from the shipped records, and clean by the integrity check."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from repaircafe.accounts.services import accounts
from repaircafe.demo import builder as demo
from repaircafe.domain import lifecycle
from repaircafe.domain.errors import Refused
from repaircafe.followups.services import lasting
from repaircafe.maintenance.integrity import check
from repaircafe.models import (
    FollowUp,
    ImpactRecord,
    Item,
    LifecycleEvent,
    Owner,
    RepairSession,
    Site,
    Tag,
    Territory,
)
from repaircafe.reporting.services.dashboard import sessions_on
from repaircafe.reporting.services.impact import CENTRAL_SET

NOW = datetime(2025, 6, 14, 11, 30, tzinfo=UTC)


@pytest.fixture
def built(engine, tmp_path):
    demo.discover_steps()
    steps_before = list(demo.STEPS)
    seen: dict[str, int] = {}

    def extra_step(session: Session, ctx: demo.DemoContext) -> None:
        seen["items"] = len(ctx.items)
        seen["sites"] = len(ctx.sites)

    demo.register_step(extra_step, name="test step")
    fractions: list[float] = []
    try:
        summary = demo.build_demo(engine, now=NOW, progress=fractions.append,
                                  reports_folder=str(tmp_path / "reports"))
    finally:
        demo.STEPS[:] = steps_before
    with Session(engine, expire_on_commit=False) as session:
        yield summary, session, seen, fractions


def count(session: Session, model: type, *where) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return session.exec(query).one()


def test_demo_build(built, engine):
    """One build per database (it takes a few seconds), checked from every side."""
    summary, session, seen, fractions = built
    assert summary.objects == count(session, Item) >= 2000
    assert count(session, Site) == summary.sites == 4
    assert count(session, Territory) == summary.territories == 2
    assert summary.seconds < 30
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)
    assert seen["sites"] == 4 and 2000 <= seen["items"] <= summary.objects  # steps see the build
    # every object has a linked tag; blank ones wait to be claimed
    assert count(session, Tag, Tag.status == "linked", Tag.item_id.is_not(None)) == summary.objects
    assert count(session, Tag, Tag.status == "issued") == summary.blank_tags > 0
    # real outcomes and barriers, repeat visits, owners, public notes, weights
    outcomes = Counter(e.payload["outcome"] for e in session.exec(
        select(LifecycleEvent).where(LifecycleEvent.kind == "repair_attempted")))
    assert set(outcomes) == set(lifecycle.OUTCOMES)
    assert count(session, LifecycleEvent, LifecycleEvent.kind == "checked_in") > 20
    assert count(session, LifecycleEvent, LifecycleEvent.public_note != "") > 200
    assert count(session, Owner, Owner.consent_at.is_not(None)) == summary.owners > 200
    assert count(session, Item, Item.weight_source == "measured") > 500
    assert count(session, ImpactRecord, ImpactRecord.factor_set == CENTRAL_SET,
                 ImpactRecord.kind == "repair") == outcomes["fixed"]
    # a year of sessions, and today's boards have something in every column
    first = session.exec(select(func.min(RepairSession.held_on))).one()
    assert (NOW.date() - first).days <= 366
    admin = accounts.actor_for(accounts.authenticate(session, username="admin", password="demo"))
    boards = sessions_on(session, actor=admin, day=NOW.date())
    assert len(boards) == 4
    assert all(b.waiting and b.at_bench and b.done for b in boards)
    assert "2 territories" in str(summary)
    # the five demo users sign in with the password "demo"
    roles = {}
    for name in ("admin", "coordinator", "fixer", "fixer2", "viewer"):
        user = accounts.authenticate(session, username=name, password="demo")
        assert user is not None, name
        roles[name] = user
    assert roles["coordinator"].group_id == roles["fixer"].group_id != roles["fixer2"].group_id
    assert roles["viewer"].territory_id is not None and roles["admin"].group_id is None
    # owners who agreed to follow-ups answered some, so the survival table has rows
    answers = Counter(e.payload["still_works"] for e in session.exec(
        select(LifecycleEvent).where(LifecycleEvent.kind == "follow_up_answered")))
    assert answers[True] > 50 and answers[False] > 0
    assert count(session, FollowUp, FollowUp.status == "pending") > 50
    table = lasting.table(session, site_ids=None, until=NOW)
    assert 50 < table.followed <= answers[True] + answers[False]
    assert table.rows[-1].broke == answers[False]  # an object breaks again at most once here
    assert table.not_followed > 0
    # states are the replay of the events: `repaircafe db check` finds nothing
    assert check(session) == []
    # and a second build into the same database is refused
    with pytest.raises(Refused, match="empty database"):
        demo.build_demo(engine, now=NOW)
