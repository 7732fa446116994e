"""Engines, pooled connections that die while they wait, and the scan log's commit."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from repaircafe import db
from repaircafe.db import make_engine
from repaircafe.models import ScanLog
from repaircafe.tags.services import tags

_LOG = ScanLog.__table__  # type: ignore[attr-defined]


def _logged(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(_LOG.c.raw).order_by(_LOG.c.id)).scalars())


def _kill_others(admin: Engine) -> None:
    """Terminate every other connection to the database, as a server restart would."""
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        connection.commit()


@pytest.mark.postgres
def test_a_connection_killed_while_idle_in_the_pool_is_replaced(postgres_database, monkeypatch):
    """A server restart kills pooled connections; the next request must not fail for it."""
    engine, admin = make_engine(postgres_database), make_engine(postgres_database)
    try:
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection, engine.connect() as second:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert second.execute(text("SELECT 1")).scalar() == 1
        _kill_others(admin)
        for _request in range(2):
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
        admin.dispose()


def test_the_migrations_build_exactly_the_models(engine: Engine):
    """The schema a deployment gets from `db upgrade` is the one the code was written for."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_a_scan_log_row_commits_on_its_own_and_leaves_the_connection_as_it_was(
        engine: Engine, world):
    """The scan log skips waiting for the disk on PostgreSQL for its own commit only."""
    resolution = tags.Resolution("invalid")
    at = datetime(2026, 1, 2, tzinfo=UTC)
    with Session(engine) as session:
        tags.log_scan(session, raw="it's; DROP", resolution=resolution, user_id=None,
                      channel="typed", now=at)
        assert _logged(engine) == ["it's; DROP"]
        if engine.dialect.name == "postgresql":
            assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        session.rollback()
    assert _logged(engine) == ["it's; DROP"]


def test_sqlite_alone_never_loads_the_postgresql_driver(tmp_path):
    """psycopg is needed, and imported, only where PostgreSQL is used."""
    config = {"database": {"url": f"sqlite:///{tmp_path / 'x.sqlite'}"},
              "app": {"instance_path": str(tmp_path), "environment": "testing",
                      "secret_key": "probe"}}
    probe = (f"import sys\nfrom repaircafe import create_app\ncreate_app({config!r})\n"
             "assert 'psycopg' not in sys.modules, 'psycopg was imported'\n")
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)


def _isolation(session: Session) -> str | None:
    """The isolation level the session's connection was asked for (None: the default)."""
    return session.connection().get_execution_options().get("isolation_level")


def test_a_view_that_reads_without_a_transaction_still_writes_in_one(app, engine: Engine):
    """On PostgreSQL a marked view reads in autocommit; its writes keep their transaction."""
    postgres = engine.dialect.name == "postgresql"

    @db.reads_without_transaction
    def view() -> list[str]:
        session = db.get_session()
        levels = [_isolation(session)]
        tags.log_scan(session, raw="read, then logged", resolution=tags.Resolution("invalid"),
                      user_id=None, channel="typed", now=datetime(2026, 1, 2, tzinfo=UTC))
        levels.append(_isolation(session))
        return levels

    with app.test_request_context("/"):
        before, after = view()
    assert (before == "AUTOCOMMIT") is postgres
    assert after is None
    assert _logged(engine) == ["read, then logged"]
    if postgres:  # the pool put the connection back as it was
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is False  # type: ignore


def test_an_unmarked_request_reads_in_a_transaction(app, engine: Engine):
    with app.test_request_context("/"):
        assert _isolation(db.get_session()) is None
