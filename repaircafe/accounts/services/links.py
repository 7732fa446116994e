"""One-time links to set a password: how invited people (and people who forgot theirs) get in.

The link carries the account id, the time it was made and a fingerprint of the account's
current password hash and session version, signed with the application's secret. Nothing is
stored: setting a password changes the hash, so the link works once; closing the account or
changing its role changes the session version, so older links stop too; after seven days the
link has expired.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from itsdangerous import BadData, URLSafeSerializer
from sqlmodel import Session
from werkzeug.security import generate_password_hash

from repaircafe.accounts.services.accounts import PASSWORD_METHOD
from repaircafe.config import SmtpSettings
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.i18n import translations
from repaircafe.models import User
from repaircafe.places.services.fields import Checks
from repaircafe.reporting.services import mailer

VALID_FOR = timedelta(days=7)
MIN_PASSWORD = 8
_SALT = "repaircafe-password-link"


def _fingerprint(user: User) -> str:
    text = f"{user.password_hash}:{user.session_version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def password_token(user: User, *, secret: str, now: datetime) -> str:
    """The signed part of a link that lets the account's owner choose a password."""
    return URLSafeSerializer(secret, salt=_SALT).dumps(
        [user.id, int(now.timestamp()), _fingerprint(user)])


def account_for(session: Session, *, token: str, secret: str, now: datetime) -> User:
    """The active account a link is for, if the link is genuine, unused and under 7 days old."""
    invalid = NotFound("This link is not valid any more: it was used, it expired (links last "
                       "7 days) or the account changed. Ask for a new one.")
    try:
        user_id, issued, fingerprint = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except (BadData, ValueError, TypeError):
        raise invalid from None
    if not (isinstance(user_id, int) and isinstance(issued, int)):
        raise invalid
    age = now - datetime.fromtimestamp(issued, tz=now.tzinfo)
    user = session.get(User, user_id)
    if (user is None or not user.is_active or age > VALID_FOR or age < -timedelta(minutes=5)
            or fingerprint != _fingerprint(user)):
        raise invalid
    return user


def set_password(session: Session, *, token: str, password: str, confirm: str, secret: str,
                 now: datetime) -> User:
    """Choose the account's password through its link; the link then stops working."""
    with write_transaction(session):
        user = account_for(session, token=token, secret=secret, now=now)
        session.refresh(user, with_for_update=True)
        # Checked again under the lock: the same link sent twice at once works only once.
        user = account_for(session, token=token, secret=secret, now=now)
        checks = Checks()
        if len(password) < MIN_PASSWORD:
            checks.refuse("password", Refused(
                "Choose a password of at least %(count)d characters.", count=MIN_PASSWORD))
        elif len(password) > 200:
            checks.refuse("password", Refused("The password is too long (at most 200 "
                                              "characters)."))
        elif password != confirm:
            checks.refuse("confirm", Refused("The two passwords differ: type the same one "
                                             "twice."))
        checks.done()
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        user.session_version += 1
        session.add(user)
    return user


def invitation_message(*, sender: str, recipient: str, language: str, link: str,
                       username: str, inviter: str) -> EmailMessage:
    """The mail that carries a link, in the invited person's language (the inviter's page's)."""
    _ = translations(language).gettext
    message = EmailMessage()
    message["Subject"] = mailer.one_line(_("Your repaircafe account"))
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    names = {"inviter": mailer.one_line(inviter), "username": username}
    body = [_("Hello,"), "",
            _("%(inviter)s has made you a repaircafe account. Your user name is %(username)s.")
            % names, "",
            _("Choose your password with this link (it works once, for 7 days):"),
            f"  {link}", "", "-- ",
            _("If you did not expect this message, ignore it: nothing happens without the "
              "link.")]
    message.set_content("\n".join(body))
    return message


def send_invitation(settings: SmtpSettings, *, recipient: str, language: str, link: str,
                    username: str, inviter: str) -> None:
    """Mail the link through the configured SMTP server (the caller checks one is set)."""
    if mailer.one_line(recipient) != recipient.strip() or "@" not in recipient:
        raise Refused("“%(address)s” is not an e-mail address.", address=recipient[:80])
    mailer.send(settings, invitation_message(
        sender=settings.from_address, recipient=recipient.strip(), language=language,
        link=link, username=username, inviter=inviter))
