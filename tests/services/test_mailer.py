"""Reports e-mailed through a real SMTP server (aiosmtpd on 127.0.0.1)."""

import dataclasses
import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from repaircafe import get_settings, jobs
from repaircafe.core.events import new_key
from repaircafe.db import normalise_url
from repaircafe.domain.errors import Refused
from repaircafe.models import ReportRun
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import mailer, subscriptions
from tests.factories import NOW, make_item
from tests.mail_server import free_port


def test_report_is_mailed_in_the_subscription_language(session, world, app, tmp_path, inbox):
    handler, port = inbox
    base = get_settings(app)
    settings = dataclasses.replace(
        base, reports=dataclasses.replace(base.reports, folder=str(tmp_path)),
        smtp=dataclasses.replace(base.smtp, host="127.0.0.1", port=port,
                                 from_address="rapports@ville.example"))
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    sub = subscriptions.create_subscription(
        session, name="Bilan mensuel", scope="territory:Cardiff", period_kind="month",
        formats="pdf,csv", recipients="mairie@ville.example, elu@ville.example", language="fr",
        starts_on=date(2025, 6, 1), actor=world.actor("admin"), now=NOW)
    runs = subscriptions.run_due_periods(session, sub.id, now=NOW + timedelta(days=20),
                                         worker="t", settings=settings)
    assert [r.status for r in runs] == ["done"]
    [(rcpt, message)] = handler.messages
    assert sorted(rcpt) == ["elu@ville.example", "mairie@ville.example"]
    assert message["Subject"] == "Bilan mensuel : Cardiff, Juin 2025"
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "ci-joint" in body.get_payload(decode=True).decode("utf-8")
    names = sorted(p.get_filename() for p in message.walk() if p.get_filename())
    assert names == ["cardiff_2025-06.csv", "cardiff_2025-06.pdf"]
    pdf = next(p for p in message.walk() if p.get_filename() == "cardiff_2025-06.pdf")
    assert pdf.get_payload(decode=True).startswith(b"%PDF")


def test_smtp_failure_fails_the_run_for_a_retry(session, world, app, tmp_path):
    base = get_settings(app)
    settings = dataclasses.replace(
        base, reports=dataclasses.replace(base.reports, folder=str(tmp_path)),
        smtp=dataclasses.replace(base.smtp, host="127.0.0.1", port=free_port()))
    sub = subscriptions.create_subscription(
        session, name="Monthly", scope="territory:Cardiff", period_kind="month", formats="csv",
        recipients="council@example.org", starts_on=date(2025, 6, 1),
        actor=world.actor("admin"), now=NOW)
    runs = subscriptions.run_due_periods(session, sub.id, now=NOW + timedelta(days=20),
                                         worker="t", settings=settings)
    assert runs[0].status == "failed" and "Connection" in runs[0].error
    assert runs[0].next_attempt_at > NOW + timedelta(days=20)


# --------------------------------------------------------------------------- at most once

LATER = NOW + timedelta(days=20)  # June 2025 has ended


def _mail_settings(app, tmp_path, port):
    base = get_settings(app)
    return dataclasses.replace(
        base, reports=dataclasses.replace(base.reports, folder=str(tmp_path)),
        smtp=dataclasses.replace(base.smtp, host="127.0.0.1", port=port))


def _monthly(session, world, **kw):
    fields = dict(name="Monthly", scope="territory:Cardiff", period_kind="month", formats="csv",
                  recipients="council@example.org", starts_on=date(2025, 6, 1),
                  actor=world.actor("admin"), now=NOW)
    fields.update(kw)
    return subscriptions.create_subscription(session, **fields)


def _run_row(session):
    session.rollback()
    [run] = session.exec(select(ReportRun)).all()
    return run


def _scheduler_pass(app, settings, monkeypatch, subscription_id, at):
    """What the scheduler does for one subscription, at a given time."""
    monkeypatch.setattr(jobs, "utc_now", lambda: at)
    context = jobs.JobContext(app.extensions["repaircafe.engine"], settings, "test")
    return jobs.run_subscription(context, subscription_id)


def test_mail_is_sent_once_when_recording_it_fails(session, world, app, tmp_path, inbox,
                                                   monkeypatch, caplog):
    handler, port = inbox
    settings = _mail_settings(app, tmp_path, port)
    sub = _monthly(session, world)
    real_mark = subscriptions.mark_mailed

    def database_blip(*args, **kwargs):
        raise OperationalError("UPDATE report_run", {}, Exception("server closed the connection"))

    monkeypatch.setattr(subscriptions, "mark_mailed", database_blip)
    with caplog.at_level(logging.ERROR, logger="repaircafe.reporting.services.subscriptions"):
        assert _scheduler_pass(app, settings, monkeypatch, sub.id, LATER) == 1
    assert len(handler.messages) == 1
    assert "Traceback" in caplog.text and "server closed the connection" in caplog.text
    run = _run_row(session)
    assert (run.status, run.mail_status) == ("failed", "sending")
    assert run.mail_claimed_at == LATER and run.mailed_at is None
    monkeypatch.setattr(subscriptions, "mark_mailed", real_mark)
    retry = LATER + timedelta(hours=1)
    assert _scheduler_pass(app, settings, monkeypatch, sub.id, retry) == 1
    assert len(handler.messages) == 1, "the retry did not mail the period again"
    run = _run_row(session)
    assert (run.status, run.attempts, run.mail_status) == ("done", 2, "sending")
    assert run.error == subscriptions.MAIL_UNCERTAIN
    assert _scheduler_pass(app, settings, monkeypatch, sub.id, retry + timedelta(days=1)) == 0
    assert len(handler.messages) == 1


def test_a_run_taken_back_after_its_mail_went_out_does_not_mail_again(
        session, world, app, tmp_path, inbox, monkeypatch):
    handler, port = inbox
    settings = _mail_settings(app, tmp_path, port)
    sub = _monthly(session, world)
    real_mark = subscriptions.mark_mailed

    def process_dies(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(subscriptions, "mark_mailed", process_dies)
    with pytest.raises(KeyboardInterrupt):
        subscriptions.run_due_periods(session, sub.id, now=LATER, worker="a", settings=settings)
    monkeypatch.setattr(subscriptions, "mark_mailed", real_mark)
    assert (_run_row(session).status, _run_row(session).mail_status) == ("running", "sending")
    stale = LATER + timedelta(minutes=settings.scheduler.stale_minutes + 1)
    [run] = subscriptions.run_due_periods(session, sub.id, now=stale, worker="b",
                                          settings=settings)
    assert (run.status, run.claimed_by, run.error) == ("done", "b", subscriptions.MAIL_UNCERTAIN)
    assert len(handler.messages) == 1


def test_a_run_whose_mail_was_recorded_as_sent_finishes_without_mailing(
        session, world, app, tmp_path, inbox, monkeypatch):
    handler, port = inbox
    settings = _mail_settings(app, tmp_path, port)
    sub = _monthly(session, world)
    real_mark = subscriptions.mark_mailed

    def recorded_then_dies(*args, **kwargs):
        real_mark(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(subscriptions, "mark_mailed", recorded_then_dies)
    with pytest.raises(KeyboardInterrupt):
        subscriptions.run_due_periods(session, sub.id, now=LATER, worker="a", settings=settings)
    monkeypatch.setattr(subscriptions, "mark_mailed", real_mark)
    run = _run_row(session)
    assert (run.status, run.mail_status, run.mailed_at) == ("running", "sent", LATER)
    stale = LATER + timedelta(minutes=settings.scheduler.stale_minutes + 1)
    [run] = subscriptions.run_due_periods(session, sub.id, now=stale, worker="b",
                                          settings=settings)
    assert (run.status, run.error, run.mail_status) == ("done", "", "sent")
    assert len(handler.messages) == 1


def test_mail_is_sent_once_when_the_database_drops_after_the_server_took_it(
        session, world, app, tmp_path, inbox, monkeypatch, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("ending the server's connections is a PostgreSQL test")
    handler, port = inbox
    settings = _mail_settings(app, tmp_path, port)
    sub = _monthly(session, world)
    killer = create_engine(normalise_url(db_url), isolation_level="AUTOCOMMIT")
    accept = handler.handle_DATA

    async def accept_then_drop_the_database(server, smtp_session, envelope):
        answer = await accept(server, smtp_session, envelope)
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        return answer

    monkeypatch.setattr(handler, "handle_DATA", accept_then_drop_the_database)
    try:
        _scheduler_pass(app, settings, monkeypatch, sub.id, LATER)
    finally:
        killer.dispose()
    assert len(handler.messages) == 1
    first = _run_row(session)
    assert (first.status in ("failed", "running"), first.mail_status) == (True, "sending")
    monkeypatch.setattr(handler, "handle_DATA", accept)
    later = LATER + timedelta(hours=1)
    assert _scheduler_pass(app, settings, monkeypatch, sub.id, later) == 1
    assert len(handler.messages) == 1, "the retry did not mail the period again"
    run = _run_row(session)
    assert (run.status, run.mail_status, run.error) == (
        "done", "sending", subscriptions.MAIL_UNCERTAIN)


def test_a_refused_mail_is_sent_by_the_retry_and_recorded(session, world, app, tmp_path,
                                                          inbox, monkeypatch):
    handler, port = inbox
    sub = _monthly(session, world)
    closed = _mail_settings(app, tmp_path, free_port())
    [failed] = subscriptions.run_due_periods(session, sub.id, now=LATER, worker="a",
                                             settings=closed)
    assert (failed.status, failed.mail_status, failed.mail_claimed_at) == ("failed", "", None)
    retry = LATER + timedelta(hours=1)
    [done] = subscriptions.run_due_periods(session, sub.id, now=retry, worker="a",
                                           settings=_mail_settings(app, tmp_path, port))
    assert (done.status, done.mail_status, done.mailed_at, done.error) == (
        "done", "sent", retry, "")
    assert len(handler.messages) == 1


# --------------------------------------------------------------------------- headers


def test_a_name_with_a_line_break_is_refused_at_creation(session, world):
    for name in ("Monthly\r\nBcc: spy@example.org", "Monthly\nreport", "Monthly\u2028report"):
        with pytest.raises(Refused, match="one line"):
            _monthly(session, world, name=name)
    with pytest.raises(Refused, match="Not an e-mail address"):
        _monthly(session, world, recipients="council@example.org\r\nBcc: spy@example.org")


def test_headers_are_never_built_from_text_with_line_breaks():
    message = mailer.build_message(
        sender="reports@example.org", recipients=["council@example.org"], language="en",
        title="Monthly\r\nBcc: spy@example.org", scope="Cardiff\n", period="June\u20282025",
        attachments=[], links=[])
    assert message["Subject"] == "Monthly Bcc: spy@example.org: Cardiff, June 2025"
    assert message["Bcc"] is None
    with pytest.raises(ValueError, match="line break"):
        mailer.build_message(
            sender="reports@example.org", recipients=["council@example.org\r\nBcc: spy@x.org"],
            language="en", title="Monthly", scope="Cardiff", period="June 2025",
            attachments=[], links=[])


def test_a_name_stored_with_a_line_break_is_still_delivered(session, world, app, tmp_path,
                                                            inbox):
    handler, port = inbox
    sub = _monthly(session, world)
    sub.name = "Monthly\r\nBcc: spy@example.org"
    session.add(sub)
    session.commit()
    [run] = subscriptions.run_due_periods(session, sub.id, now=LATER, worker="a",
                                          settings=_mail_settings(app, tmp_path, port))
    assert run.status == "done"
    [(rcpt, message)] = handler.messages
    assert rcpt == ["council@example.org"]
    assert message["Subject"] == "Monthly Bcc: spy@example.org: Cardiff, June 2025"
