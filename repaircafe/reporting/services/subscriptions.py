"""Report subscriptions and their runs: each (subscription, period) is produced exactly once.

A run is claimed by inserting its `ReportRun` row under UNIQUE(subscription_id, period_start)
and committing before anything is rendered, so several scheduler processes never produce a
period twice. A failed run is retried with backoff; a `running` claim older than the stale
timeout is taken back (its process died); every finished period without a `done` run is due,
which catches up periods missed while no scheduler was running.

A run's mail is sent at most once, through an outbox on the run: `mail_status = "sending"` is
committed before the SMTP conversation starts and `"sent"` after it. A retry that finds
`"sent"` does not mail again; one that finds `"sending"` cannot know whether the server took the
message before the process or the database failed, so it does not mail either and finishes the
run with a notice asking a person to check with the recipients.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repaircafe.config import Settings
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import ReportRun, ReportSubscription
from repaircafe.reporting.services import factor_sets, mailer, reporting, scopes

log = logging.getLogger(__name__)

MAX_CATCH_UP = 36
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
# Everything str.splitlines() breaks on: none of it may reach a mail header.
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Stored on a run whose mail was handed to the SMTP server but never recorded as sent.
MAIL_UNCERTAIN = ("The mail may have been sent before its delivery could be recorded; "
                  "it was not sent again. Check with the recipients.")


# --------------------------------------------------------------------------- managing


def _clean_recipients(text: str) -> str:
    addresses = [a.strip() for a in re.split(r"[,;\s]+", text or "") if a.strip()]
    bad = [a for a in addresses if not _EMAIL.match(a)]
    if bad:
        raise Refused("Not an e-mail address: %(addresses)s.", addresses=", ".join(bad))
    return ", ".join(dict.fromkeys(addresses))


def _clean_formats(formats: list[str] | str) -> str:
    chosen = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = [f.strip().lower() for f in chosen if f.strip()]
    bad = [f for f in chosen if f not in reporting.FORMATS]
    if bad or not chosen:
        raise Refused("Choose at least one format among PDF, CSV and XLSX.")
    return ",".join(f for f in reporting.FORMATS if f in chosen)


def subscription_scope(session: Session, subscription: ReportSubscription) -> reporting.Scope:
    if subscription.scope_kind == "all":
        return reporting.Scope("all", None, "")
    return scopes.parse_scope(session, f"{subscription.scope_kind}:#{subscription.scope_id}")


def create_subscription(
    session: Session, *, name: str, scope: str, period_kind: str, formats: list[str] | str,
    recipients: str = "", language: str = "en", factor_set: str | None = None,
    starts_on: date | None = None, actor: Actor, now: datetime,
) -> ReportSubscription:
    """A report produced every month, quarter or year for a scope, archived and e-mailed.

    Sending the same form twice returns the first subscription rather than a copy.
    """
    if not permissions.can(actor.role, "manage_reports"):
        raise Refused("You cannot manage report subscriptions.")
    name = (name or "").strip()[:200]
    if not name:
        raise Refused("Give the subscription a name.")
    if _LINE_BREAK.search(name):
        raise Refused("Give the subscription a name on one line: it is the subject of its mails.")
    chosen = scopes.check_scope(session, actor, scopes.parse_scope(session, scope))
    if period_kind not in reporting.PERIOD_KINDS:
        raise Refused("Choose monthly, quarterly or yearly.")
    if language not in ("en", "fr"):
        raise Refused("Reports exist in English and French.")
    set_name = factor_set or reporting.impact_service.CENTRAL_SET
    factor_sets.get_factor_set(session, set_name)
    fields: dict[str, Any] = dict(
        name=name, scope_kind=chosen.kind, scope_id=chosen.id, period_kind=period_kind,
        formats=_clean_formats(formats), recipients=_clean_recipients(recipients),
        language=language, factor_set=set_name)
    with write_transaction(session):
        same = session.exec(select(ReportSubscription).filter_by(**fields)).first()
        if same is not None:
            return same
        subscription = ReportSubscription(
            **fields, starts_on=starts_on or reporting.previous_period(period_kind, now.date()).start,
            created_by_id=actor.id, created_at=now, is_active=True,
        )
        session.add(subscription)
    return subscription


def set_active(session: Session, *, subscription_id: int, active: bool, actor: Actor
               ) -> ReportSubscription:
    """Pause or resume a subscription; its archived runs stay."""
    with write_transaction(session):
        subscription = _visible(session, subscription_id, actor)
        if not permissions.can(actor.role, "manage_reports"):
            raise Refused("You cannot manage report subscriptions.")
        subscription.is_active = active
        session.add(subscription)
    return subscription


def _visible(session: Session, subscription_id: int, actor: Actor) -> ReportSubscription:
    subscription = session.get(ReportSubscription, subscription_id)
    if subscription is None:
        raise NotFound("That subscription does not exist.")
    scopes.check_scope(session, actor, subscription_scope(session, subscription))
    return subscription


def list_subscriptions(session: Session, *, actor: Actor) -> list[ReportSubscription]:
    """The subscriptions whose scope the actor can see."""
    rows = session.exec(select(ReportSubscription).order_by(col(ReportSubscription.name))).all()
    visible = []
    for row in rows:
        try:
            scopes.check_scope(session, actor, subscription_scope(session, row))
        except NotFound:
            continue
        visible.append(row)
    return visible


@dataclass(frozen=True)
class ArchivedRun:
    run: ReportRun
    subscription: ReportSubscription
    period_label: str


def list_runs(session: Session, *, actor: Actor, limit: int = 200,
              status: str | None = None) -> list[ArchivedRun]:
    """Recent runs of the subscriptions the actor can see, newest period first."""
    subscriptions = {s.id: s for s in list_subscriptions(session, actor=actor)}
    if not subscriptions:
        return []
    stmt = select(ReportRun).where(col(ReportRun.subscription_id).in_(list(subscriptions)))
    if status:
        stmt = stmt.where(ReportRun.status == status)
    runs = session.exec(
        stmt.order_by(col(ReportRun.period_start).desc(), col(ReportRun.id).desc()).limit(limit)
    ).all()
    return [ArchivedRun(r, subscriptions[r.subscription_id],
                        reporting.Period(subscriptions[r.subscription_id].period_kind,
                                         r.period_start, r.period_end)
                        .label(subscriptions[r.subscription_id].language)) for r in runs]


def archived_file(session: Session, *, run_id: int, fmt: str, actor: Actor,
                  folder: str) -> tuple[Path, str]:
    """The path and download name of one archived report file the actor may see."""
    run = session.get(ReportRun, run_id)
    if run is None:
        raise NotFound("That report does not exist.")
    _visible(session, run.subscription_id, actor)
    for entry in run.files or []:
        if entry.get("format") == fmt:
            path = Path(folder) / entry["path"]
            if path.is_file():
                return path, Path(entry["path"]).name
    raise NotFound("That report file is not in the archive.")


# --------------------------------------------------------------------------- running


def due_periods(subscription: ReportSubscription, *, now: datetime) -> list[reporting.Period]:
    """Every whole period from the subscription's start up to the last one that has ended."""
    last = reporting.previous_period(subscription.period_kind, now.date())
    start = subscription.starts_on or last.start
    periods = []
    period = reporting.period_of(subscription.period_kind, start)
    while period.start <= last.start:
        periods.append(period)
        period = reporting.period_of(subscription.period_kind, period.end + timedelta(days=1))
    return periods[-MAX_CATCH_UP:]


def backoff(attempts: int) -> timedelta:
    """5 min, 10, 20, ... capped at 6 hours."""
    return min(timedelta(minutes=5 * 2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _claim(session: Session, subscription: ReportSubscription, period: reporting.Period, *,
           now: datetime, worker: str, settings: Settings) -> ReportRun | None:
    """Take the period for this process, or None when it is done or someone else has it."""
    session.rollback()
    run = ReportRun(subscription_id=subscription.id or 0, period_start=period.start,
                    period_end=period.end, status="running", attempts=1, claimed_by=worker,
                    started_at=now)
    try:
        with write_transaction(session):
            session.add(run)
        return run
    except IntegrityError:
        session.rollback()
    existing = session.exec(select(ReportRun).where(
        ReportRun.subscription_id == subscription.id,
        ReportRun.period_start == period.start)).one()
    stale = now - timedelta(minutes=settings.scheduler.stale_minutes)
    retry = (existing.status == "failed" and existing.attempts < settings.scheduler.max_attempts
             and (existing.next_attempt_at is None or existing.next_attempt_at <= now))
    taken_back = existing.status == "running" and existing.started_at < stale
    if not (retry or taken_back):
        return None
    # Conditional update: of two processes racing for the same retry, one row count is 1.
    with write_transaction(session):
        result = session.execute(
            update(ReportRun).where(
                col(ReportRun.id) == existing.id, col(ReportRun.status) == existing.status,
                col(ReportRun.attempts) == existing.attempts,
            ).values(status="running", attempts=existing.attempts + 1, claimed_by=worker,
                     started_at=now, error="", next_attempt_at=None)
        )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.expire_all()
    return session.get(ReportRun, existing.id)


def _produce(session: Session, subscription: ReportSubscription, run: ReportRun,
             period: reporting.Period, *, now: datetime, settings: Settings
             ) -> tuple[list[dict], str]:
    """Render and archive the period's files and mail them; returns the files and a notice.

    The notice is empty unless the mail's fate is unknown (see :func:`_mail_once`).
    """
    scope = subscription_scope(session, subscription)
    report = reporting.make_report(
        session, scope=scope, period=period, now=now, language=subscription.language,
        factor_set=subscription.factor_set, title=subscription.name)
    folder = Path(settings.reports.folder)
    files = []
    attachments = []
    for fmt in subscription.formats.split(","):
        data = reporting.render(report, fmt)
        relative = Path(str(subscription.id)) / reporting.file_name(scope, period, fmt)
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(target)
        files.append({"format": fmt, "path": relative.as_posix(), "bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
        attachments.append(mailer.Attachment(target.name, data, reporting.MEDIA_TYPES[fmt]))
    if not (subscription.recipients and settings.smtp.host):
        return files, ""
    links = [f"{settings.app.public_base_url}/reports/runs/{run.id}/{f['format']}"
             for f in files]

    def send() -> None:
        mailer.send_report(
            settings.smtp, recipients=subscription.recipients.split(", "),
            language=subscription.language, title=subscription.name,
            scope=scopes.scope_label(scope, subscription.language),
            period=period.label(subscription.language), attachments=attachments, links=links)

    return files, _mail_once(session, run.id or 0, now=now, send=send)


def _mail_once(session: Session, run_id: int, *, now: datetime, send: Callable[[], None]) -> str:
    """Send the run's mail unless an earlier attempt of the run got as far as the SMTP server.

    Returns "" when the mail went out (now or before) and :data:`MAIL_UNCERTAIN` when an earlier
    attempt claimed it and never recorded the outcome: mailing again could deliver it twice, so
    a person decides. An SMTP failure means the server did not take the message: the claim is
    released so that the retry of the run sends it.
    """
    found = _claim_mail(session, run_id, now=now)
    if found == "sent":
        return ""
    if found == "sending":
        log.warning("report run %s: the mail of an earlier attempt may have been sent; "
                    "not sending it again", run_id)
        return MAIL_UNCERTAIN
    try:
        send()
    except Exception:
        _release_mail(session, run_id)
        raise
    mark_mailed(session, run_id, now=now)
    return ""


def _claim_mail(session: Session, run_id: int, *, now: datetime) -> str:
    """Commit `mail_status = "sending"`; returns "" if this call claimed it, else what it found."""
    with write_transaction(session):
        result = session.execute(
            update(ReportRun).where(col(ReportRun.id) == run_id, col(ReportRun.mail_status) == "")
            .values(mail_status="sending", mail_claimed_at=now))
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return ""
    session.expire_all()
    return session.exec(select(ReportRun.mail_status).where(ReportRun.id == run_id)).one()


def _release_mail(session: Session, run_id: int) -> None:
    """Give the claim back after the SMTP server refused or could not be reached."""
    session.rollback()
    with write_transaction(session):
        session.execute(
            update(ReportRun)
            .where(col(ReportRun.id) == run_id, col(ReportRun.mail_status) == "sending")
            .values(mail_status="", mail_claimed_at=None))


def mark_mailed(session: Session, run_id: int, *, now: datetime) -> None:
    """Record that the SMTP server took the run's mail, so no retry sends it again."""
    with write_transaction(session):
        session.execute(
            update(ReportRun).where(col(ReportRun.id) == run_id)
            .values(mail_status="sent", mailed_at=now))


def run_due_periods(session: Session, subscription_id: int, *, now: datetime, worker: str,
                    settings: Settings) -> list[ReportRun]:
    """Produce every due period this process can claim; returns the runs it finished."""
    subscription = session.get(ReportSubscription, subscription_id)
    if subscription is None or not subscription.is_active:
        return []
    session.expunge(subscription)
    finished = []
    for period in due_periods(subscription, now=now):
        done = session.exec(select(ReportRun.id).where(
            ReportRun.subscription_id == subscription_id,
            ReportRun.period_start == period.start, ReportRun.status == "done")).first()
        if done is not None:
            continue
        run = _claim(session, subscription, period, now=now, worker=worker, settings=settings)
        if run is None:
            continue
        run_id, attempt = run.id, run.attempts  # read now: the session may be broken later
        try:
            files, notice = _produce(session, subscription, run, period, now=now,
                                     settings=settings)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run and retried
            log.exception("report run %s of subscription %s for %s failed (attempt %s)",
                          run_id, subscription_id, period.start, attempt)
            session.rollback()
            with write_transaction(session):
                failed = session.get(ReportRun, run_id)
                assert failed is not None
                failed.status = "failed"
                failed.error = f"{type(exc).__name__}: {exc}"[:4000]
                failed.finished_at = now
                failed.next_attempt_at = now + backoff(failed.attempts)
                session.add(failed)
            finished.append(failed)
            continue
        with write_transaction(session):
            done_run = session.get(ReportRun, run_id)
            assert done_run is not None
            done_run.status, done_run.files, done_run.finished_at = "done", files, now
            done_run.error = notice
            session.add(done_run)
        finished.append(done_run)
    for run in finished:  # loaded and detached: callers read them after the session ends
        session.refresh(run)
        session.expunge(run)
    return finished


def active_subscription_ids(session: Session) -> list[int]:
    ids = session.exec(select(col(ReportSubscription.id)).where(
        ReportSubscription.is_active == True)).all()  # noqa: E712
    return [i for i in ids if i is not None]  # ids are never NULL
