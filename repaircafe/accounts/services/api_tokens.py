"""API tokens: created by a user for a program, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import ApiToken, User

PREFIX = "rc_"
# Last use is a hint for the token list, so it is written at most once a minute per token.
_TOUCH_EVERY = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(session: Session, *, name: str, actor: Actor, now: datetime) -> tuple[ApiToken, str]:
    """A new token for the actor; the plain token is returned here and never again."""
    if actor.id is None or not permissions.can(actor.role, "use_api"):
        raise Refused("Your role cannot use the API.")
    name = values.clean_text(name, limit=120, field=N_("Name"))
    if not name:
        raise Refused("Name the token after the program that will use it.")
    raw = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        token = ApiToken(user_id=actor.id, name=name, token_hash=token_hash(raw), created_at=now)
        session.add(token)
    return token, raw


def tokens_of(session: Session, *, actor: Actor) -> list[ApiToken]:
    """The actor's tokens, newest first, revoked ones included."""
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == actor.id)
                             .order_by(col(ApiToken.id).desc())).all())


def revoke_token(session: Session, *, token_id: int, actor: Actor, now: datetime) -> ApiToken:
    """Stop a token working at once; its row stays so the list shows what existed."""
    with write_transaction(session):
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != actor.id:
            raise NotFound("That token does not exist.")
        if token.revoked_at is None:
            token.revoked_at = now
            session.add(token)
    return token


def authenticate(session: Session, raw: str, *, now: datetime) -> Actor | None:
    """The actor a bearer token stands for, or None when it is unknown, revoked or inactive."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    found = session.exec(
        select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(raw))
    ).first()
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        with write_transaction(session):
            token.last_used_at = now
            session.add(token)
    return Actor(user.id, user.display_name, user.role, user.group_id, user.territory_id)
