"""The `repaircafe` command: nouns (db, user, demo, import, labels, report, ...) and their verbs.

Each noun lives in its own module in this package and is registered by `register(cli)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from repaircafe import create_app
from repaircafe.config import ConfigError
from repaircafe.db import get_engine
from repaircafe.domain.errors import Refused


def _app_factory() -> Flask:
    return create_app()


class RepairCafeGroup(FlaskGroup):
    """Turns refusals and configuration errors into one readable line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (Refused, ConfigError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".strip()) from None


@click.group(cls=RepairCafeGroup, create_app=_app_factory, add_default_commands=False,
             add_version_option=False, help="repaircafe: lifecycle records and circularity reports.")
def cli() -> None:
    pass


def engine() -> Any:
    """The engine of the app the command runs in."""
    return get_engine(current_app)


def _register_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()
