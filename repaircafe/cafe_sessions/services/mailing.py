"""Mailing a session's summary to its volunteers, with the PDF attached.

The message goes out through the application's one SMTP function (reporting's mailer), in the
coordinator's language. Addresses are checked before anything is sent: a typo is reported with
the list kept, rather than mailed to a stranger or bounced later.
"""

from __future__ import annotations

import re
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session

from repaircafe.cafe_sessions.services import summary as summary_service
from repaircafe.cafe_sessions.services.schedule import WRITE
from repaircafe.config import SmtpSettings
from repaircafe.core import access
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.i18n import translations
from repaircafe.models import RepairSession
from repaircafe.reporting.services import mailer

MAX_RECIPIENTS = 50
# One address: no spaces, separators or line breaks anywhere, one @, a dot in the domain.
_EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+")
_SEPARATORS = re.compile(r"[,;\s]+")


def parse_recipients(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines; each checked, none twice."""
    addresses = [a for a in _SEPARATORS.split(text or "") if a]
    if not addresses:
        raise Refused("Give at least one e-mail address.")
    bad = [a for a in addresses if not _EMAIL.fullmatch(a)]
    if bad:
        raise Refused("Not an e-mail address: %(addresses)s.", addresses=", ".join(bad))
    unique = list(dict.fromkeys(a.lower() for a in addresses))
    if len(unique) > MAX_RECIPIENTS:
        raise Refused("At most %(limit)d recipients at a time.", limit=MAX_RECIPIENTS)
    return unique


def build_message(figures: summary_service.Summary, *, sender: str, recipients: list[str],
                  language: str, pdf: bytes) -> EmailMessage:
    """The message with the summary in its body and as a PDF (separate from sending)."""
    _ = translations(language).gettext
    names = {"site": mailer.one_line(figures.site), "day": figures.held_on.isoformat(),
             "title": mailer.one_line(figures.title or figures.site)}
    message = EmailMessage()
    message["Subject"] = mailer.one_line(_("Café session summary: %(site)s, %(day)s") % names)
    message["From"] = sender
    # Volunteers do not see each other's addresses: they are blind copies of the café's own.
    message["To"] = sender
    message["Bcc"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    body = [
        _("Hello,"), "",
        _("Thank you for your help at %(title)s on %(day)s. The summary of the session is "
          "attached.") % names, "",
        _("Objects: %(objects)d, fixed: %(fixed)d, kept in use: %(kg).1f kg, CO2e avoided: "
          "%(co2e).1f kg.") % {"objects": figures.objects, "fixed": figures.fixed,
                              "kg": figures.kg_in_use, "co2e": figures.total_co2e_avoided_kg},
        "", "-- ",
        _("This message was sent by repaircafe on behalf of your café's coordinator."),
    ]
    message.set_content("\n".join(body))
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=summary_service.pdf_name(figures))
    return message


def mail_summary(session: Session, *, repair_session_id: int, recipients: str, actor: Actor,
                 language: str, settings: SmtpSettings, now: datetime) -> list[str]:
    """Send the summary once to every address given; returns the addresses it went to."""
    access.require(actor, WRITE)
    access.load(session, RepairSession, repair_session_id, actor, write=True)
    addresses = parse_recipients(recipients)
    if not settings.host:
        raise Refused("No mail server is configured, so the summary cannot be sent: download "
                      "the PDF instead.")
    figures = summary_service.summary(session, repair_session_id=repair_session_id, actor=actor,
                                      now=now)
    pdf = summary_service.render_pdf(figures, language=language, now=now)
    message = build_message(figures, sender=settings.from_address, recipients=addresses,
                            language=language, pdf=pdf)
    try:
        mailer.send(settings, message)
    except (OSError, smtplib.SMTPException):
        raise Refused("The mail server did not take the message; nothing was sent. Try again "
                      "later.") from None
    return addresses
