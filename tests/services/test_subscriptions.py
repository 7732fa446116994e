"""Subscriptions: each period produced once, archived with a checksum, retried, caught up."""

import dataclasses
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from repaircafe import get_settings
from repaircafe.core.events import new_key
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import ReportRun
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import reporting, subscriptions
from tests.factories import NOW, make_item


@pytest.fixture
def settings(app, tmp_path):
    base = get_settings(app)
    return dataclasses.replace(base, reports=dataclasses.replace(base.reports,
                                                                 folder=str(tmp_path / "reports")))


def _subscribe(session, world, **kw):
    fields = dict(name="Cardiff monthly", scope="territory:Cardiff", period_kind="month",
                  formats=["pdf", "csv"], recipients="", actor=world.actor("admin"), now=NOW)
    fields.update(kw)
    return subscriptions.create_subscription(session, **fields)


def _runs(session):
    session.rollback()
    return session.exec(select(ReportRun).order_by(ReportRun.period_start)).all()


def test_due_periods_are_produced_once_and_archived(session, world, settings):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    sub = _subscribe(session, world, starts_on=NOW.date().replace(day=1) - timedelta(days=31))
    later = NOW + timedelta(days=20)  # 4 July: May and June have ended
    runs = subscriptions.run_due_periods(session, sub.id, now=later, worker="a", settings=settings)
    assert [(r.period_start.isoformat(), r.status) for r in runs] == [
        ("2025-05-01", "done"), ("2025-06-01", "done")]
    june = runs[1]
    files = {f["format"]: f for f in june.files}
    assert set(files) == {"pdf", "csv"}
    data = (Path(settings.reports.folder) / files["csv"]["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == files["csv"]["sha256"]
    assert b"toaster" in data
    again = subscriptions.run_due_periods(session, sub.id, now=later, worker="b",
                                          settings=settings)
    assert again == [] and len(_runs(session)) == 2


def test_failed_run_is_retried_with_backoff(session, world, settings, monkeypatch):
    sub = _subscribe(session, world, formats="csv", starts_on=date(2025, 6, 1))
    later = NOW + timedelta(days=20)
    monkeypatch.setattr(reporting, "render", lambda report, fmt: 1 / 0)
    failed = subscriptions.run_due_periods(session, sub.id, now=later, worker="a",
                                           settings=settings)
    assert [(r.status, r.attempts) for r in failed] == [("failed", 1)]
    assert "ZeroDivisionError" in failed[0].error
    monkeypatch.undo()
    soon = later + timedelta(minutes=1)
    assert subscriptions.run_due_periods(session, sub.id, now=soon, worker="a",
                                         settings=settings) == []
    retry = later + subscriptions.backoff(1) + timedelta(seconds=1)
    done = subscriptions.run_due_periods(session, sub.id, now=retry, worker="b",
                                         settings=settings)
    assert [(r.status, r.attempts, r.claimed_by, r.error) for r in done] == [("done", 2, "b", "")]


def test_stale_running_claim_is_taken_back(session, world, settings):
    sub = _subscribe(session, world, formats="csv", starts_on=date(2025, 6, 1))
    later = NOW + timedelta(days=20)
    period = subscriptions.due_periods(sub, now=later)[-1]
    session.add(ReportRun(subscription_id=sub.id, period_start=period.start,
                          period_end=period.end, status="running", claimed_by="crashed",
                          started_at=later))
    session.commit()
    assert subscriptions.run_due_periods(session, sub.id, now=later + timedelta(minutes=5),
                                         worker="a", settings=settings) == []
    taken = subscriptions.run_due_periods(
        session, sub.id, now=later + timedelta(minutes=settings.scheduler.stale_minutes + 1),
        worker="a", settings=settings)
    assert [(r.status, r.claimed_by) for r in taken] == [("done", "a")]


def test_periods_missed_during_an_outage_are_caught_up(session, world, settings):
    sub = _subscribe(session, world, formats="csv", period_kind="quarter")
    assert sub.starts_on.isoformat() == "2025-01-01"
    back = NOW + timedelta(days=300)  # the scheduler was down from June 2025 to April 2026
    runs = subscriptions.run_due_periods(session, sub.id, now=back, worker="a", settings=settings)
    assert [r.period_start.isoformat() for r in runs] == [
        "2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01"]


def test_subscriptions_are_scoped_and_checked(session, world):
    with pytest.raises(NotFound):
        _subscribe(session, world, scope="territory:Swansea", actor=world.actor("coordinator"))
    with pytest.raises(Refused, match="e-mail"):
        _subscribe(session, world, recipients="not-an-address")
    with pytest.raises(Refused):
        _subscribe(session, world, actor=world.actor("viewer"))
    first = _subscribe(session, world, recipients="a@example.org; b@example.org")
    assert first.recipients == "a@example.org, b@example.org"
    assert _subscribe(session, world, recipients="a@example.org, b@example.org").id == first.id
    assert [s.id for s in subscriptions.list_subscriptions(session, actor=world.actor("viewer"))
            ] == [first.id]
