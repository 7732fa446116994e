"""Two scheduler processes on one database produce every period exactly once."""

import os
import subprocess
import sys
from datetime import date

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func
from sqlmodel import select

from repaircafe import get_settings, jobs
from repaircafe.core.events import new_key
from repaircafe.models import ReportRun
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import subscriptions
from tests.factories import NOW, make_item

CLI = "from repaircafe.cli import cli; cli()"


def _subscribe(session, world, **kw):
    return subscriptions.create_subscription(
        session, name="Cardiff monthly", scope="territory:Cardiff", period_kind="month",
        formats="csv", starts_on=date(2025, 1, 1), actor=world.actor("admin"), now=NOW, **kw)


def test_report_period_produced_once_with_two_schedulers(session, world, db_url, tmp_path):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    _subscribe(session, world)
    subscriptions.create_subscription(
        session, name="Everything quarterly", scope="all", period_kind="quarter", formats="csv",
        starts_on=date(2025, 1, 1), actor=world.actor("admin"), now=NOW)
    env = {**os.environ, "REPAIRCAFE_DATABASE_URL": db_url,
           "REPAIRCAFE_REPORTS_FOLDER": str(tmp_path / "reports"),
           "REPAIRCAFE_ENVIRONMENT": "testing", "REPAIRCAFE_SECRET_KEY": "test"}
    env.pop("REPAIRCAFE_CONFIG", None)
    procs = [subprocess.Popen([sys.executable, "-c", CLI, "scheduler", "--once"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][1][-3000:]
    session.rollback()
    runs = session.exec(select(ReportRun)).all()
    keys = [(r.subscription_id, r.period_start) for r in runs]
    assert len(keys) == len(set(keys))
    assert {r.status for r in runs} == {"done"}
    finished = sum(int(out.split()[0]) for out, _err in outputs)
    assert finished == len(runs) > 12
    per_sub = dict(session.exec(select(ReportRun.subscription_id, func.count())
                                .group_by(ReportRun.subscription_id)).all())
    sub_ids = sorted(per_sub)
    assert per_sub[sub_ids[1]] * 3 <= per_sub[sub_ids[0]] + 2  # quarters vs months


def test_scheduler_jobs_follow_the_subscription_rows(session, world, app, tmp_path):
    import dataclasses

    base = get_settings(app)
    settings = dataclasses.replace(base, reports=dataclasses.replace(
        base.reports, folder=str(tmp_path)))
    sub = _subscribe(session, world)
    context = jobs.JobContext(app.extensions["repaircafe.engine"], settings, "test")
    scheduler = jobs.build_scheduler(context, BackgroundScheduler)
    standing = sorted([jobs.SYNC_JOB, jobs.UPLOADS_JOB, jobs.FOLLOW_UPS_JOB])
    assert sorted(j.id for j in scheduler.get_jobs()) == standing
    jobs.sync_subscriptions(context, scheduler)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(
        [f"subscription:{sub.id}", *standing])
    subscriptions.set_active(session, subscription_id=sub.id, active=False,
                             actor=world.actor("admin"))
    jobs.sync_subscriptions(context, scheduler)
    assert sorted(j.id for j in scheduler.get_jobs()) == standing
