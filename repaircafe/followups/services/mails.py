"""The "still working?" mail: short, in the café's language, with the links the owner needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session

from repaircafe.config import Settings
from repaircafe.followups.services import followups
from repaircafe.followups.services.followups import Question
from repaircafe.i18n import translations
from repaircafe.reporting.services import mailer
from repaircafe.reporting.services.mailer import one_line


def build_message(asked: Question, *, recipient: str, sender: str, language: str,
                  answer_link: str) -> EmailMessage:
    _ = translations(language).gettext
    names = {"what": asked.what(_), "months": asked.months,
             "day": asked.handed_over_on.strftime("%d/%m/%Y")}
    message = EmailMessage()
    message["Subject"] = one_line(_("Is your %(what)s still working?") % names)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    body = [
        _("Hello,"), "",
        _("On %(day)s your %(what)s went home from the repair café, repaired. About %(months)s "
          "months later: is it still working?") % names, "",
        _("Tell us with one tap (it takes a few seconds, no account needed):"),
        f"  {answer_link}", "",
        _("Your answer helps the café and the council know how long repairs last. The same "
          "page lets you stop these questions."),
        "", "-- ",
        _("You get this message because you asked the café to check with you after the "
          "repair."),
    ]
    message.set_content("\n".join(body))
    return message


# The owner's page; the blueprint serves the same path (a test checks that they agree).
ANSWER_PATH = "/still-working/{token}"


def answer_link(settings: Settings, follow_up_id: int) -> str:
    token = followups.token_for(settings.app.secret_key, follow_up_id)
    return settings.app.public_base_url.rstrip("/") + ANSWER_PATH.format(token=token)


def send_due_mails(session: Session, settings: Settings, *, now: datetime,
                   send: Callable[[EmailMessage], None] | None = None) -> followups.SendResult:
    """Ask every owner whose follow-up is due; nothing is claimed while no mail server is set."""
    if not settings.smtp.host and send is None:
        return followups.SendResult()
    deliver = send or (lambda message: mailer.send(settings.smtp, message))

    def compose(asked: Question, recipient: str) -> EmailMessage:
        return build_message(asked, recipient=recipient, sender=settings.smtp.from_address,
                             language=settings.app.default_language,
                             answer_link=answer_link(settings, asked.follow_up_id))

    return followups.send_due(session, today=now.date(), now=now, compose=compose,
                              send=deliver)  # type: ignore[arg-type]
