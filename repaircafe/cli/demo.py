"""`repaircafe demo`: a fresh database of real repair records, served at once."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import run_simple

from repaircafe import create_app, get_settings
from repaircafe.db import get_engine
from repaircafe.models import utc_now


@click.command("demo")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file to build (default: demo.sqlite in the instance folder).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the database and exit.")
def demo(database: Path | None, host: str, port: int, no_serve: bool) -> None:
    """Build a fresh demo database from real repair records and serve it."""
    from repaircafe.services.demo import build_demo

    base = create_app()
    target = database or Path(base.instance_path) / "demo.sqlite"
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    public_url = f"http://{host}:{port}"
    overrides: dict[str, Any] = {"database": {"url": f"sqlite:///{target.resolve()}"}}
    if "REPAIRCAFE_PUBLIC_BASE_URL" not in os.environ:
        overrides["app"] = {"public_base_url": public_url}
    app = create_app(overrides)
    with app.app_context():
        with click.progressbar(length=100, label="Building demo data", file=sys.stderr) as bar:
            done = [0]

            def progress(fraction: float) -> None:
                step = int(fraction * 100) - done[0]
                if step > 0:
                    bar.update(step)
                    done[0] += step

            summary = build_demo(get_engine(app), now=utc_now(), progress=progress,
                                 reports_folder=get_settings(app).reports.folder)
    click.echo(f"Demo database {target}: {summary}")
    click.echo(f"Open {public_url} and sign in as admin, coordinator, fixer or viewer "
               "with the password 'demo'.")
    if no_serve:
        return
    click.echo(f"Serving on {public_url}  (Ctrl+C to stop)")
    # Flask's app.run() refuses to start inside a `flask`-style CLI command, so serve directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)


def register(cli: click.Group) -> None:
    cli.add_command(demo)
