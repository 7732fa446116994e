"""Managing other people's accounts: listing, inviting, closing, reopening, changing roles.

An admin manages every account. A coordinator manages their own group's team: they invite
fixers and coordinators into their group only, and never make admins or viewers (who see
everything, or a municipality's figures). Accounts outside the manager's scope do not exist
for them (404), like any other record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from repaircafe.accounts.services.accounts import PASSWORD_METHOD, close_account, give_role
from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import permissions, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.models import RepairGroup, Territory, User
from repaircafe.places.services.fields import Checks


@dataclass(frozen=True)
class UserRow:
    """An account with the names of its group or territory, for lists."""

    user: User
    group: str | None
    territory: str | None


@dataclass(frozen=True)
class RoleInput:
    """A role and where it applies, as the invitation and role forms give them."""

    role: str
    group_id: int | None = None
    territory_id: int | None = None


def users_of(session: Session, *, actor: Actor) -> list[UserRow]:
    """The accounts the actor manages (an admin: all; a coordinator: their group's), by name."""
    access.require(actor, "manage_users")
    return _rows(session, access.scope_filter(actor, User, write=True))


def get_user(session: Session, *, user_id: int | None, actor: Actor) -> UserRow:
    """One account the actor manages, else OutOfScope (answered 404)."""
    access.require(actor, "manage_users")
    user = access.load(session, User, user_id, actor, write=True)
    return _rows(session, col(User.id) == user.id)[0]


def _rows(session: Session, where: object) -> list[UserRow]:
    rows = session.exec(
        select(User, RepairGroup.name, Territory.name)
        .outerjoin(RepairGroup, col(RepairGroup.id) == User.group_id)
        .outerjoin(Territory, col(Territory.id) == User.territory_id)
        .where(where).order_by(func.lower(User.username))).all()  # type: ignore[arg-type]
    return [UserRow(user, group, territory) for user, group, territory in rows]


def _scope(session: Session, checks: Checks, actor: Actor,
           wanted: RoleInput) -> tuple[int | None, int | None]:
    """The group or territory the role comes with, once the actor may give both."""
    if wanted.role not in permissions.ROLES:
        checks.refuse("role", Refused("Choose a role."))
        return None, None
    if wanted.role not in permissions.grantable_roles(actor.role):
        checks.refuse("role", Refused("Your role cannot make someone %(role)s.",
                                      role=N_(wanted.role)))
        return None, None
    kind = permissions.scope_kind(wanted.role)
    if kind == "group":
        group_id = wanted.group_id if permissions.scope_kind(actor.role) == "all" \
            else actor.group_id
        if group_id is None:
            checks.refuse("group_id", Refused("A %(role)s belongs to a group: choose one.",
                                              role=N_(wanted.role)))
            return None, None
        return access.load(session, RepairGroup, group_id, actor, write=True).id, None
    if kind == "territory":
        if wanted.territory_id is None:
            checks.refuse("territory_id", Refused("A viewer belongs to a territory: choose one."))
            return None, None
        return None, access.load(session, Territory, wanted.territory_id, actor, write=True).id
    return None, None


def invite_user(session: Session, *, actor: Actor, username: str, display_name: str,
                wanted: RoleInput) -> User:
    """A new account with a role and scope, and no password yet.

    Nobody knows its password (a random one is stored hashed), so it cannot be signed into
    until its owner follows the link `links.password_link` makes for it.
    """
    access.require(actor, "manage_users")
    with write_transaction(session):
        checks = Checks()
        name = checks.run("username", lambda: values.clean_text(
            username, limit=80, field=N_("User name")), "")
        if not name and "username" not in checks.errors:
            checks.refuse("username", Refused("Give the account a user name."))
        elif name and session.exec(select(User.id).where(
                func.lower(User.username) == name.lower())).first() is not None:
            checks.refuse("username", Refused("The user name “%(name)s” is taken.", name=name))
        shown = checks.run("display_name", lambda: values.clean_text(
            display_name, limit=120, field=N_("Name shown in histories")), "")
        group_id, territory_id = _scope(session, checks, actor, wanted)
        checks.done()
        user = User(username=name, display_name=shown or name, role=wanted.role,
                    group_id=group_id, territory_id=territory_id,
                    password_hash=generate_password_hash(secrets.token_urlsafe(32),
                                                         method=PASSWORD_METHOD))
        session.add(user)
    return user


def change_role(session: Session, *, actor: Actor, user_id: int | None,
                wanted: RoleInput) -> User:
    """Give an account another role and scope; it is signed out everywhere at once."""
    access.require(actor, "manage_users")
    with write_transaction(session):
        user = access.load(session, User, user_id, actor, write=True, lock=True)
        if user.id == actor.id:
            raise Refused("You cannot change your own role: ask someone else who manages accounts.")
        if user.role not in permissions.grantable_roles(actor.role):
            raise Refused("Your role cannot change a %(role)s's account.", role=N_(user.role))
        checks = Checks()
        scope = _scope(session, checks, actor, wanted)
        checks.done()
        give_role(user, wanted.role, *scope)
        session.add(user)
    return user


def set_active(session: Session, *, actor: Actor, user_id: int | None, active: bool) -> User:
    """Close an account (no sign-in, its sessions and API tokens stop at once) or reopen it."""
    access.require(actor, "manage_users")
    with write_transaction(session):
        user = access.load(session, User, user_id, actor, write=True, lock=True)
        if user.id == actor.id and not active:
            raise Refused("You cannot close your own account while signed in with it.")
        if user.role not in permissions.grantable_roles(actor.role):
            raise Refused("Your role cannot change a %(role)s's account.", role=N_(user.role))
        if active:
            user.is_active = True
        elif user.is_active:
            close_account(user)
        session.add(user)
    return user
