"""User accounts: creating them with a role and scope, checking passwords, ending sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import RepairGroup, Territory, User

# werkzeug's default (scrypt). The test suite lowers it, since hashing cost is not under test.
PASSWORD_METHOD = "scrypt"
# A hash computed once so that a login for an unknown name costs as much as a real one.
_DUMMY_HASH = generate_password_hash("not-a-password")


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    group: str | None = None,
    territory: str | None = None,
    display_name: str | None = None,
    now: datetime,
) -> User:
    """A new account; coordinators and fixers belong to a group, viewers to a territory."""
    _check_scope(role, group, territory)
    username = username.strip()
    if not username or len(username) > 80:
        raise Refused("A user name needs 1 to 80 characters.")
    if len(password) < 4:
        raise Refused("The password is too short (at least 4 characters).")
    with write_transaction(session):
        if session.exec(select(User).where(User.username == username)).first():
            raise Refused("The user name “%(name)s” is taken.", name=username)
        group_id, territory_id = _scope_ids(session, group, territory)
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
            role=role,
            group_id=group_id,
            territory_id=territory_id,
            created_at=now,
        )
        session.add(user)
    return user


def _check_scope(role: str, group: str | None, territory: str | None) -> None:
    """The role exists and comes with the scope it needs (a group, or a territory)."""
    try:
        permissions.check_role(role)
    except ValueError:
        raise Refused("Unknown role '%(role)s': use one of %(roles)s.", role=role,
                      roles=", ".join(permissions.ROLES)) from None
    kind = permissions.scope_kind(role)
    if kind == "group" and not group:
        raise Refused("A %(role)s belongs to a group: give --group.", role=N_(role))
    if kind == "territory" and not territory:
        raise Refused("A viewer belongs to a territory: give --territory.")


def _scope_ids(session: Session, group: str | None,
               territory: str | None) -> tuple[int | None, int | None]:
    group_id = territory_id = None
    if group:
        found = session.exec(select(RepairGroup).where(RepairGroup.name == group)).first()
        if found is None:
            raise NotFound("No group called “%(name)s”.", name=group)
        group_id = found.id
    if territory:
        place = session.exec(select(Territory).where(Territory.name == territory)).first()
        if place is None:
            raise NotFound("No territory called “%(name)s”.", name=territory)
        territory_id = place.id
    return group_id, territory_id


def _locked_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())
                        .with_for_update()).first()
    if user is None:
        raise NotFound("No user called “%(name)s”.", name=username.strip())
    return user


def find_user(session: Session, *, username: str) -> User:
    """The account with this user name (the command line names accounts, pages use ids)."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound("No user called “%(name)s”.", name=username.strip())
    return user


def end_sessions(session: Session, *, user_id: int) -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working.

    Called on sign-out, so that a copy of the cookie (a shared tablet's history, a stolen
    cookie) is worth nothing afterwards; cookies are not stored server-side, so the account's
    session version is what each of them is checked against.
    """
    with write_transaction(session):
        session.execute(update(User).where(User.id == user_id)  # type: ignore[arg-type]
                        .values(session_version=User.session_version + 1))


def deactivate_user(session: Session, *, username: str) -> User:
    """Close an account: it can no longer sign in, and its open sessions end at once.

    The row stays (histories name its actor); its API tokens stop working too, since they
    authenticate only active users.
    """
    with write_transaction(session):
        user = _locked_user(session, username)
        close_account(user)
    return user


def reactivate_user(session: Session, *, username: str) -> User:
    """Open a closed account again: it signs in with its old password (its API tokens, which
    were never revoked, work again too)."""
    with write_transaction(session):
        user = _locked_user(session, username)
        user.is_active = True
    return user


def close_account(user: User) -> None:
    """No more sign-ins, and every session cookie issued so far stops working."""
    user.is_active = False
    user.session_version += 1


def give_role(user: User, role: str, group_id: int | None, territory_id: int | None) -> None:
    """A new role and scope; the account's sessions end so that it signs in under them."""
    user.role, user.group_id, user.territory_id = role, group_id, territory_id
    user.session_version += 1


def change_role(session: Session, *, username: str, role: str, group: str | None = None,
                territory: str | None = None) -> User:
    """Give an account another role and scope; its open sessions end, so it signs in anew."""
    _check_scope(role, group, territory)
    with write_transaction(session):
        user = _locked_user(session, username)
        give_role(user, role, *_scope_ids(session, group, territory))
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def actor_for(user: User) -> Actor:
    return Actor(id=user.id, name=user.display_name, role=user.role, group_id=user.group_id,
                 territory_id=user.territory_id)
