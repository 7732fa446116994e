"""E-mailing a finished report to a subscription's recipients, in the subscription's language.

The words come from the application's message catalogue, the one the pages and the reports use.

Small files travel as attachments; above `MAX_ATTACH_BYTES` the message carries links to the
archived files instead (recipients sign in to download them).

No header is ever built from text with a line break in it: the subject is made of names people
typed (a subscription, a site, a territory), so line breaks there become spaces, and an address
with one is refused. A line break in a header would otherwise make every attempt fail, or, with
a lenient library, let a name add headers of its own.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from repaircafe.config import SmtpSettings
from repaircafe.i18n import translations

MAX_ATTACH_BYTES = 8 * 1024 * 1024
# Everything str.splitlines() breaks on.
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")

def one_line(text: str) -> str:
    """`text` with every run of line breaks made one space, fit for a header."""
    return _LINE_BREAKS.sub(" ", text).strip()


def _address(text: str) -> str:
    """An address for a header, refused if it carries a line break (it was never validated)."""
    if _LINE_BREAKS.search(text):
        raise ValueError(f"An e-mail address contains a line break: {text!r}")
    return text.strip()


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    media_type: str


def build_message(*, sender: str, recipients: Sequence[str], language: str, title: str,
                  scope: str, period: str, attachments: Sequence[Attachment],
                  links: Sequence[str]) -> EmailMessage:
    """The message itself (separate from sending, so it can be checked without a server)."""
    _ = translations(language).gettext
    attach = sum(len(a.data) for a in attachments) <= MAX_ATTACH_BYTES
    title, scope, period = one_line(title), one_line(scope), one_line(period)
    names = {"title": title, "scope": scope, "period": period}
    message = EmailMessage()
    message["Subject"] = one_line(_("%(title)s: %(scope)s, %(period)s") % names)
    message["From"] = _address(sender)
    message["To"] = ", ".join(_address(r) for r in recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    body = [_("Hello,"), ""]
    if attach:
        body.append(_("The circularity report for %(scope)s, %(period)s, is attached.") % names)
    else:
        body.append(_("The circularity report for %(scope)s, %(period)s, is ready to download:")
                    % names)
        body.extend(f"  {link}" for link in links)
    body += ["", "-- ", _("This message was sent by repaircafe because you are on the list of "
                          "recipients of this report.")]
    message.set_content("\n".join(body))
    if attach:
        for item in attachments:
            main, _, sub = item.media_type.partition(";")[0].partition("/")
            message.add_attachment(item.data, maintype=main, subtype=sub,
                                   filename=item.filename)
    return message


def send_report(settings: SmtpSettings, *, recipients: Sequence[str], language: str, title: str,
                scope: str, period: str, attachments: Sequence[Attachment],
                links: Sequence[str]) -> None:
    """Send through the configured SMTP server; an error means the server did not take the mail.

    Errors up to the end of the message propagate to the run (which retries). Once the server
    has accepted the message, a failed goodbye (QUIT) is ignored: raising then would make the
    run send the same mail again.
    """
    send(settings, build_message(sender=settings.from_address, recipients=recipients,
                                 language=language, title=title, scope=scope, period=period,
                                 attachments=attachments, links=links))


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server (every mail the application sends).

    Errors up to the end of the message propagate: the server did not take it. Once it has,
    a failed goodbye (QUIT) is ignored, so that a caller never sends the same mail twice.
    """
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
    try:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()
