"""`repaircafe maintenance`: housekeeping a deployment runs now and then (cron or the scheduler).

Today it removes spreadsheet uploads left between the steps of an import: they hold a café's
records and are only needed while someone is importing them.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from repaircafe.interop.sheets.services.sheet_uploads import (
    UPLOAD_MAX_AGE,
    remove_stale_uploads,
    uploads_folder,
)


@click.command("maintenance")
@click.option("--uploads-older-than", "hours", type=click.IntRange(min=1),
              default=int(UPLOAD_MAX_AGE.total_seconds() // 3600), show_default=True,
              help="Remove spreadsheet uploads untouched for this many hours.")
@with_appcontext
def maintenance(hours: int) -> None:
    """Remove stale spreadsheet uploads."""
    folder = uploads_folder(current_app.extensions["repaircafe.settings"].app.instance_path)
    removed = remove_stale_uploads(folder, max_age=timedelta(hours=hours))
    click.echo(f"Removed {removed} upload(s) untouched for {hours} hours or more.")


def register(cli: click.Group) -> None:
    cli.add_command(maintenance)
