"""E-mailing a finished report to a subscription's recipients, in the subscription's language.

Small files travel as attachments; above `MAX_ATTACH_BYTES` the message carries links to the
archived files instead (recipients sign in to download them).
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from repaircafe.config import SmtpSettings

MAX_ATTACH_BYTES = 8 * 1024 * 1024

TEXT = {
    "en": {
        "subject": "{title}: {scope}, {period}",
        "greeting": "Hello,",
        "attached": "The circularity report for {scope}, {period}, is attached.",
        "linked": "The circularity report for {scope}, {period}, is ready to download:",
        "footer": "This message was sent by repaircafe because you are on the list of "
                  "recipients of this report.",
    },
    "fr": {
        "subject": "{title} : {scope}, {period}",
        "greeting": "Bonjour,",
        "attached": "Vous trouverez ci-joint le rapport de circularité pour {scope}, {period}.",
        "linked": "Le rapport de circularité pour {scope}, {period}, est prêt à télécharger :",
        "footer": "Ce message vous est envoyé par repaircafe car vous figurez parmi les "
                  "destinataires de ce rapport.",
    },
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    media_type: str


def build_message(*, sender: str, recipients: Sequence[str], language: str, title: str,
                  scope: str, period: str, attachments: Sequence[Attachment],
                  links: Sequence[str]) -> EmailMessage:
    """The message itself (separate from sending, so it can be checked without a server)."""
    words = TEXT.get(language, TEXT["en"])
    attach = sum(len(a.data) for a in attachments) <= MAX_ATTACH_BYTES
    message = EmailMessage()
    message["Subject"] = words["subject"].format(title=title, scope=scope, period=period)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    body = [words["greeting"], ""]
    if attach:
        body.append(words["attached"].format(scope=scope, period=period))
    else:
        body.append(words["linked"].format(scope=scope, period=period))
        body.extend(f"  {link}" for link in links)
    body += ["", "-- ", words["footer"]]
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
    """Send through the configured SMTP server; any SMTP error propagates to the run."""
    message = build_message(sender=settings.from_address, recipients=recipients,
                            language=language, title=title, scope=scope, period=period,
                            attachments=attachments, links=links)
    with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)
