"""`repaircafe user add|deactivate|role`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.domain.permissions import ROLES
from repaircafe.models import utc_now


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


def register(cli: click.Group) -> None:
    cli.add_command(user)
