"""Reports e-mailed through a real SMTP server (aiosmtpd on 127.0.0.1)."""

import dataclasses
import email
import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller

from repaircafe import get_settings
from repaircafe.services import repairs, subscriptions
from repaircafe.services.events import new_key
from tests.factories import NOW, make_item


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


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
        smtp=dataclasses.replace(base.smtp, host="127.0.0.1", port=_free_port()))
    sub = subscriptions.create_subscription(
        session, name="Monthly", scope="territory:Cardiff", period_kind="month", formats="csv",
        recipients="council@example.org", starts_on=date(2025, 6, 1),
        actor=world.actor("admin"), now=NOW)
    runs = subscriptions.run_due_periods(session, sub.id, now=NOW + timedelta(days=20),
                                         worker="t", settings=settings)
    assert runs[0].status == "failed" and "Connection" in runs[0].error
    assert runs[0].next_attempt_at > NOW + timedelta(days=20)
