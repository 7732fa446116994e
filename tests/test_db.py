"""The driver path of the hot pages, and pooled connections that die while they wait."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.engine import Engine

from repaircafe import db
from repaircafe.db import DriverStatement, driver_connection, make_engine
from repaircafe.models import LifecycleEvent, ScanLog
from tests.factories import make_item

_E = LifecycleEvent.__table__  # type: ignore[attr-defined]
_LOG = ScanLog.__table__  # type: ignore[attr-defined]


def test_driver_rows_read_like_sqlalchemy_rows(engine: Engine, session, world):
    """Dates, datetimes and JSON come back as the same Python values either way."""
    item = make_item(session, world)
    statement = (select(_E.c.id, _E.c.kind, _E.c.payload, _E.c.occurred_at)
                 .where(_E.c.item_id == bindparam("item_id")).order_by(_E.c.id))
    with engine.connect() as connection:
        expected = [tuple(row) for row in connection.execute(statement, {"item_id": item.id})]
    with driver_connection(engine) as connection:
        found = connection.rows(DriverStatement(statement), {"item_id": item.id})
    assert found == expected and expected
    assert isinstance(found[0][2], dict) and found[0][3].tzinfo is not None


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
    one = DriverStatement(select(text("1")))
    try:
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection, driver_connection(engine) as driver:
            assert connection.execute(text("SELECT 1")).scalar() == driver.rows(one, {})[0][0]
        _kill_others(admin)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        with driver_connection(engine) as driver:
            assert driver.rows(one, {}) == [(1,)]
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


def test_an_unsynced_write_commits_on_its_own(engine: Engine, world):
    """The scan log's write: committed at once, seen by others, nothing left open."""
    statement = DriverStatement(insert(_LOG).values(
        raw=bindparam("raw"), result="typed", channel="typed", scanned_at=bindparam("at"),
        tag_id=bindparam("tag_id")))
    at = datetime(2026, 1, 2, tzinfo=UTC)
    with driver_connection(engine) as connection:
        connection.execute_unsynced(statement, {"raw": "it's; DROP", "at": at, "tag_id": None})
        assert _logged(engine) == ["it's; DROP"]
        with pytest.raises(engine.dialect.loaded_dbapi.IntegrityError):
            connection.execute_unsynced(statement, {"raw": "orphan", "at": at, "tag_id": 999999})
    with driver_connection(engine) as connection:
        connection.execute_unsynced(statement, {"raw": "after", "at": at, "tag_id": None})
    assert _logged(engine) == ["it's; DROP", "after"]
