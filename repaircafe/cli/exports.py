"""`repaircafe export ords`: Open Repair Data Standard files for the networks a group reports to."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor
from repaircafe.reporting.services import scopes


@click.group("export")
def export() -> None:
    """Write records out for other systems."""


@export.command("ords")
@click.option("--scope", default="all", show_default=True,
              help="all, territory:NAME, group:NAME or site:NAME (or KIND:#ID).")
@click.option("--period", help="2025, 2025-05, 2025-Q2 or 2025-01-01..2025-06-30 (days included).")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The records CSV; the unpowered summary and tableschema.json go beside it.")
@with_appcontext
def ords(scope: str, period: str | None, output: Path) -> None:
    """Export repair attempts as ORDS v0.3 CSV, with the unpowered summary and table schema."""
    from repaircafe.domain.periods import parse_period
    from repaircafe.interop.ords.services import ords_export

    with session_scope(engine()) as session:
        chosen = scopes.parse_scope(session, scope)
        result = ords_export.export_ords(
            session, output, actor=Actor.system("export"), scope=chosen,
            period=parse_period(period) if period else None,
        )
    total = sum(result.unpowered.values())
    click.echo(f"{result.rows} repair attempts written to {result.records}; "
               f"{total} unpowered in {result.summary.name}; schema in {result.schema.name}.")


def register(cli: click.Group) -> None:
    cli.add_command(export)
