"""The `repaircafe` command: nouns (db, user, demo, import, labels, report, ...) and their verbs.

Each noun lives in its own module in this package and is registered by `register(cli)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy.exc import ArgumentError, DBAPIError

from repaircafe import create_app
from repaircafe.config import ConfigError
from repaircafe.db import get_engine
from repaircafe.domain.errors import Refused


def _app_factory() -> Flask:
    return create_app()


class RepairCafeGroup(FlaskGroup):
    """Turns refusals, configuration and database errors into one readable line and exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Our own commands only, so `--help` works even when the settings are broken."""
        return sorted(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (Refused, ConfigError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".strip()) from None
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise click.ClickException(
                f"database error: {reason} (check database.url; a new database needs "
                "`repaircafe db upgrade`)"
            ) from None
        except ArgumentError as exc:
            raise click.ClickException(f"database.url cannot be used: {exc}") from None


@click.group(cls=RepairCafeGroup, create_app=_app_factory, add_default_commands=False,
             add_version_option=False, help="repaircafe: lifecycle records and circularity reports.")
def cli() -> None:
    pass


def engine(*, create: bool = False) -> Any:
    """The engine of the app the command runs in.

    A SQLite database that does not exist is refused unless the command creates databases
    (`db upgrade`): opening it would silently make an empty file, and the command would
    then report on nothing or fail on a missing table.
    """
    found = get_engine(current_app)
    url = found.url
    if (not create and url.get_backend_name() == "sqlite" and url.database
            and url.database != ":memory:" and not Path(url.database).exists()):
        raise click.ClickException(
            f"no database at {url.database}: set database.url (REPAIRCAFE_DATABASE_URL) to "
            "the database to use, or create this one with `repaircafe db upgrade`")
    return found


def _register_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()
