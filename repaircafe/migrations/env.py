"""Alembic environment: runs on the connection the caller hands over, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import repaircafe.models  # noqa: F401  (registers every table on the metadata)
from repaircafe.db import normalise_url

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("Alembic needs a connection or a sqlalchemy.url to migrate")
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        _run(conn)
