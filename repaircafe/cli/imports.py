"""`repaircafe import ords FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.models import utc_now


@click.group("import")
def import_() -> None:
    """Bring records in from other systems."""


@import_.command("ords")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", help="Repair group to file the records under (default: the data provider).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected rows (default: FILE.rejects.csv).")
@with_appcontext
def ords(file: Path, group: str | None, rejects: Path | None) -> None:
    """Import an Open Repair Data Standard v0.3 (or v0.2.1) CSV file (idempotent)."""
    from repaircafe.interop.ords.services.ords_import import import_ords

    rejects = rejects or file.with_suffix(".rejects.csv")
    with session_scope(engine()) as session:
        with click.progressbar(length=file.stat().st_size, label=f"Importing {file.name}",
                               file=sys.stderr) as bar:
            report = import_ords(session, file, group=group, now=utc_now(),
                                 progress=lambda done, _total: bar.update(done - bar.pos),
                                 rejects_path=rejects)
    click.echo(str(report))
    if report.rejected:
        click.echo(f"{len(report.rejected)} rows rejected: see {rejects}")


def register(cli: click.Group) -> None:
    cli.add_command(import_)
