"""`repaircafe demo`: a fresh database of real repair records, served at once."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import run_simple

from repaircafe import create_app, get_settings
from repaircafe.db import get_engine
from repaircafe.models import utc_now

# Written into the SQLite header (PRAGMA application_id) of every database the demo builds,
# so that rebuilding one never deletes a database holding real records. "RCdm" in ASCII.
DEMO_APPLICATION_ID = 0x5243_646D
_SQLITE_MAGIC = b"SQLite format 3\x00"


@click.command("demo")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file to build (default: demo.sqlite in the instance folder).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the database and exit.")
@click.option("--force", is_flag=True,
              help="Replace the --database file even if the demo did not build it.")
def demo(database: Path | None, host: str, port: int, no_serve: bool, force: bool) -> None:
    """Build a fresh demo database from real repair records and serve it."""
    from repaircafe.demo.builder import build_demo

    base = create_app()
    target = database or Path(base.instance_path) / "demo.sqlite"
    if not force and not is_demo_database(target):
        raise click.ClickException(
            f"{target} is not a demo database, and building the demo would delete it: "
            "name another file with --database, or add --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    _mark_as_demo(target)
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


def is_demo_database(path: Path) -> bool:
    """Whether `path` may be replaced by a new demo: missing, empty, or built by the demo.

    Read from the file's header, where SQLite keeps the application id even in WAL mode.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return True
    if not path.is_file():
        return False
    with path.open("rb") as source:
        header = source.read(72)
    return (header.startswith(_SQLITE_MAGIC) and len(header) == 72
            and int.from_bytes(header[68:72], "big") == DEMO_APPLICATION_ID)


def _mark_as_demo(path: Path) -> None:
    """Create the demo's database file with its mark, before anything is built in it."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        connection.commit()
    finally:
        connection.close()


def register(cli: click.Group) -> None:
    cli.add_command(demo)
