"""The report scheduler: APScheduler 3 in its own process, with the database as the truth.

The job store is an in-memory one rebuilt from `ReportSubscription` rows at start and by the
`sync_subscriptions` job every `scheduler.poll_seconds`; that job also produces whatever is due
(catch-up after downtime, retries after failures) and folds the report rollup. Exactly-once
production does not depend on APScheduler at all: runs are claimed in the database.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine
from sqlmodel import select

from repaircafe.config import Settings
from repaircafe.db import session_scope
from repaircafe.followups.services import mails as follow_up_mails
from repaircafe.interop.sheets.services.sheet_uploads import remove_stale_uploads, uploads_folder
from repaircafe.models import ReportSubscription
from repaircafe.reporting.services import rollup, subscriptions

log = logging.getLogger(__name__)
SYNC_JOB = "sync_subscriptions"
UPLOADS_JOB = "remove_stale_uploads"  # spreadsheet uploads left for a day
FOLLOW_UPS_JOB = "send_follow_ups"  # "still working?" mails that are due
# Runs start shortly after the period ends (UTC), when the last café session has been entered.
CRON: dict[str, dict[str, int | str]] = {
    "month": {"day": 1, "hour": 3},
    "quarter": {"month": "1,4,7,10", "day": 1, "hour": 3},
    "year": {"month": 1, "day": 1, "hour": 3},
}


@dataclass(frozen=True)
class JobContext:
    """What a job needs, handed to it as an argument (no module globals)."""

    engine: Engine
    settings: Settings
    worker: str


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_subscription(context: JobContext, subscription_id: int) -> int:
    """Produce the due periods of one subscription; returns how many runs finished.

    A failed run is recorded on the run (and logged with its traceback where it failed). A
    failure that escapes that bookkeeping, such as the database going away while the failure
    is recorded, is logged with its traceback here and left to the stale-claim timeout, so that
    one subscription's trouble does not stop the others in the same pass.
    """
    try:
        with session_scope(context.engine) as session:
            runs = subscriptions.run_due_periods(session, subscription_id, now=utc_now(),
                                                 worker=context.worker, settings=context.settings)
    except Exception:
        log.exception("subscription %s: the report run could not be completed or recorded",
                      subscription_id)
        return 0
    for run in runs:
        level = logging.WARNING if run.status == "failed" or run.error else logging.INFO
        log.log(level, "subscription %s period %s: %s %s", subscription_id, run.period_start,
                run.status, run.error)
    return len(runs)


def run_all_due(context: JobContext) -> int:
    """Every active subscription once: catch-up and retries."""
    with session_scope(context.engine) as session:
        ids = subscriptions.active_subscription_ids(session)
    return sum(run_subscription(context, i) for i in ids)


def fold_rollup(context: JobContext) -> None:
    with session_scope(context.engine) as session:
        rollup.fold(session, now=utc_now())


def send_follow_ups(context: JobContext) -> int:
    """Mail the "still working?" questions that are due; returns how many were sent."""
    try:
        with session_scope(context.engine) as session:
            result = follow_up_mails.send_due_mails(session, context.settings, now=utc_now())
    except Exception:
        log.exception("follow-up mails could not be sent or recorded")
        return 0
    if result.failed:
        log.warning("%s follow-up mail(s) not taken by the mail server; retried next hour",
                    result.failed)
    return result.sent


def sync_subscriptions(context: JobContext, scheduler: BaseScheduler) -> int:
    """Make the scheduled jobs match the subscription rows, then produce what is due."""
    with session_scope(context.engine) as session:
        rows = session.exec(
            select(ReportSubscription.id, ReportSubscription.period_kind)
            .where(ReportSubscription.is_active == True)  # noqa: E712
        ).all()
    wanted = {f"subscription:{i}" for i, _kind in rows}
    for job in scheduler.get_jobs():
        if job.id.startswith("subscription:") and job.id not in wanted:
            job.remove()
    for subscription_id, kind in rows:
        scheduler.add_job(run_subscription, CronTrigger(timezone=UTC, **CRON[kind]),
                          args=(context, subscription_id), id=f"subscription:{subscription_id}",
                          replace_existing=True, coalesce=True, misfire_grace_time=24 * 3600)
    fold_rollup(context)
    return run_all_due(context)


def build_scheduler(context: JobContext, scheduler_class: type[BaseScheduler] = BlockingScheduler
                    ) -> BaseScheduler:
    """A scheduler whose first sync runs at once (which catches up missed periods)."""
    scheduler = scheduler_class(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=UTC,
    )
    scheduler.add_job(sync_subscriptions, "interval", seconds=context.settings.scheduler.poll_seconds,
                      args=(context, scheduler), id=SYNC_JOB, replace_existing=True,
                      next_run_time=utc_now(), coalesce=True, misfire_grace_time=None)
    scheduler.add_job(remove_stale_uploads, "interval", hours=1, id=UPLOADS_JOB,
                      args=(uploads_folder(context.settings.app.instance_path),),
                      replace_existing=True, next_run_time=utc_now())
    scheduler.add_job(send_follow_ups, "interval", hours=1, id=FOLLOW_UPS_JOB, args=(context,),
                      replace_existing=True, next_run_time=utc_now())
    return scheduler
