"""`repaircafe serve` (gunicorn) and `repaircafe config`."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from repaircafe import get_settings


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(bind: str, workers: int) -> None:
    """Run the production web server (gunicorn). Start `repaircafe scheduler` beside it."""
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
                "repaircafe.wsgi:app"]
    run()


@click.command("config")
@with_appcontext
def show_config() -> None:
    """Print the settings in force (secrets masked)."""
    from repaircafe.config import as_dict

    for section, values in as_dict(get_settings(current_app)).items():
        click.echo(f"[{section}]")
        for key, value in values.items():
            click.echo(f"{key} = {value!r}")


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(show_config)
