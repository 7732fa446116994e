"""`repaircafe user list|add|invite|link|deactivate|reactivate|role`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor
from repaircafe.domain.permissions import ROLES
from repaircafe.models import User, utc_now


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--group", help="The repair group of a coordinator or fixer.")
@click.option("--territory", help="The territory (municipality) of a viewer.")
@click.option("--password", help="Asked for when not given.")
@click.option("--display-name", help="Name shown in histories (default: NAME).")
@with_appcontext
def add(name: str, role: str, group: str | None, territory: str | None,
        password: str | None, display_name: str | None) -> None:
    """Add an account with a role and its scope."""
    from repaircafe.accounts.services.accounts import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with session_scope(engine()) as session:
        created = create_user(session, username=name, password=password, role=role, group=group,
                              territory=territory, display_name=display_name, now=utc_now())
    click.echo(f"User {created.username} ({created.role}) added.")


@user.command("deactivate")
@click.argument("name")
@with_appcontext
def deactivate(name: str) -> None:
    """Close an account: no more sign-ins, its sessions and API tokens stop at once."""
    from repaircafe.accounts.services.accounts import deactivate_user

    with session_scope(engine()) as session:
        closed = deactivate_user(session, username=name)
    click.echo(f"User {closed.username} deactivated; signed out everywhere.")


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--group", help="The repair group of a coordinator or fixer.")
@click.option("--territory", help="The territory (municipality) of a viewer.")
@with_appcontext
def role(name: str, role: str, group: str | None, territory: str | None) -> None:
    """Give an account another role and scope; it is signed out everywhere."""
    from repaircafe.accounts.services.accounts import change_role

    with session_scope(engine()) as session:
        changed = change_role(session, username=name, role=role, group=group,
                              territory=territory)
    click.echo(f"User {changed.username} is now {changed.role}; signed out everywhere.")


@user.command("list")
@with_appcontext
def list_users() -> None:
    """Every account: name, role, group or territory, and whether it is active."""
    from repaircafe.accounts.services import user_admin

    with session_scope(engine()) as session:
        rows = user_admin.users_of(session, actor=Actor.system("command line"))
    for row in rows:
        u = row.user
        click.echo("\t".join([u.username, u.display_name, u.role,
                              row.group or row.territory or "-",
                              "active" if u.is_active else "closed"]))


def _link(account: User) -> str:
    """The address of the page where the account's owner chooses a password."""
    from repaircafe.accounts.services import links

    token = links.password_token(account, secret=current_app.config["SECRET_KEY"], now=utc_now())
    base = current_app.extensions["repaircafe.settings"].app.public_base_url.rstrip("/")
    return f"{base}/users/welcome?t={token}"


@user.command("invite")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--group", help="The repair group of a coordinator or fixer.")
@click.option("--territory", help="The territory (municipality) of a viewer.")
@click.option("--display-name", default="", help="Name shown in histories (default: NAME).")
@with_appcontext
def invite(name: str, role: str, group: str | None, territory: str | None,
           display_name: str) -> None:
    """Add an account without a password and print a one-time link (7 days) to choose one."""
    from repaircafe.accounts.services import user_admin
    from repaircafe.places.services import lookups
    from repaircafe.places.services.fields import FieldErrors

    with session_scope(engine()) as session:
        wanted = user_admin.RoleInput(
            role, group_id=lookups.group_named(session, group).id if group else None,
            territory_id=lookups.territory_named(session, territory).id if territory else None)
        try:
            made = user_admin.invite_user(session, actor=Actor.system("command line"),
                                          username=name, display_name=display_name,
                                          wanted=wanted)
        except FieldErrors as exc:
            raise click.ClickException("\n".join(
                f"{field.replace('_id', '')}: {refusal}" for field, refusal in exc.errors.items()
            )) from None
        click.echo(f"User {made.username} ({made.role}) invited. Password link (once, 7 days):")
        click.echo(_link(made))


@user.command("link")
@click.argument("name")
@with_appcontext
def link(name: str) -> None:
    """Print a new one-time link (7 days) for an account to choose its password."""
    from repaircafe.accounts.services.accounts import find_user

    with session_scope(engine()) as session:
        found = find_user(session, username=name)
        if not found.is_active:
            raise click.ClickException(f"{found.username} is closed: reactivate it first.")
        click.echo(_link(found))


@user.command("reactivate")
@click.argument("name")
@with_appcontext
def reactivate(name: str) -> None:
    """Reopen a closed account: it signs in again with its password."""
    from repaircafe.accounts.services.accounts import reactivate_user

    with session_scope(engine()) as session:
        opened = reactivate_user(session, username=name)
    click.echo(f"User {opened.username} can sign in again.")


def register(cli: click.Group) -> None:
    cli.add_command(user)
