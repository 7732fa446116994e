"""`repaircafe db upgrade|rebuild|check`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from repaircafe import migrate
from repaircafe.cli import engine
from repaircafe.db import session_scope


@click.group()
def db() -> None:
    """Create, upgrade and check the database."""


@db.command("upgrade")
@with_appcontext
def upgrade() -> None:
    """Create the database or bring it to the newest schema, and add reference data."""
    from repaircafe.core.setup import seed_reference_data

    created = engine(create=True)
    migrate.upgrade(created)
    with session_scope(created) as session:
        added = seed_reference_data(session)
    click.echo(f"Database at revision {migrate.current_revision(created)}; "
               f"{added} categories added.")


@db.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Recompute every object's and part's state, and the report rollup, from events alone."""
    from repaircafe.maintenance.integrity import rebuild_states
    from repaircafe.reporting.services import rollup

    with session_scope(engine()) as session:
        changed = rebuild_states(session)
        folded = rollup.rebuild(session, now=datetime.now(UTC))
    click.echo(f"{changed} states corrected from events.")
    click.echo(f"Report rollup rebuilt: {folded}.")


@db.command("check")
@with_appcontext
def check() -> None:
    """Report states and report rollup rows that disagree with events, broken lineage and
    mass-balance errors."""
    from repaircafe.maintenance.integrity import check as run_check

    with session_scope(engine()) as session:
        problems = run_check(session)
    for problem in problems:
        click.echo(f"{problem.kind}: {problem.subject}: {problem.message}")
    if problems:
        raise click.ClickException(f"{len(problems)} problems found.")
    click.echo("No problems found.")


def register(cli: click.Group) -> None:
    cli.add_command(db)
