"""One engine per app, one session per request, and the SQLite pragmas the product relies on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

# Execution option a service sets on its connection to say "this transaction will write".
WRITE_OPTION = "repaircafe_write"

F = TypeVar("F", bound=Callable[..., Any])


def normalise_url(url: str) -> str:
    """Let people write postgresql:// and still get psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed in the file, so erased contact data is gone
    # from disk once the write-ahead log has been folded in (see `purge_erased`).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def purge_erased(engine: Engine) -> None:
    """Fold SQLite's write-ahead log into the database file and empty it.

    The log keeps earlier copies of every changed page until a checkpoint, so right after an
    erasure the erased name and e-mail would still be readable in it. PostgreSQL's old row
    versions are not reachable through the database and are reclaimed by its vacuum.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _sqlite_begin(conn: Any) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine with foreign keys, WAL and a busy timeout on SQLite; psycopg 3 on PostgreSQL."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite defers BEGIN on its own; we emit it so that a write transaction can take
        # the write lock up front (BEGIN IMMEDIATE) and read its own state fresh.
        event.listen(engine, "connect", lambda conn, _r: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, echo=echo, pool_size=5, max_overflow=10)
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _note_checkin)
    return engine


# A pooled connection unused for this long is checked before it is lent out again.
PING_AFTER_IDLE_SECONDS = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check a connection that sat idle in the pool; a dead one is replaced before use.

    A server restart or an idle timeout kills connections while they wait in the pool, so
    one that waited a while is pinged first. Pinging every checkout (pool_pre_ping) would add
    a round trip to every request, the busiest ones included, for connections that were in
    use a moment ago. A connection that dies while busy still fails that one request, and
    SQLAlchemy then replaces the whole pool.
    """
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("the pooled connection is gone") from exc


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["repaircafe.engine"] = engine
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["repaircafe.engine"]


def get_session() -> Session:
    """The request's database session, opened on first use and closed at teardown.

    In a view marked with `reads_without_transaction`, on PostgreSQL, the session's reads run
    in autocommit mode until a service opens its write transaction.
    """
    if "db_session" not in g:
        session = Session(get_engine(), expire_on_commit=False)
        if g.get("db_reads_without_transaction") \
                and session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.db_session = session
    return g.db_session


def reads_without_transaction(view: F) -> F:
    """Mark a busy view whose reads need no transaction of their own (PostgreSQL only).

    Under PostgreSQL's default isolation (read committed) every statement reads its own
    snapshot, inside a transaction or not, so a view that only reads, or reads and then
    writes through `write_transaction` (which closes the read transaction first anyway),
    sees the same rows in autocommit mode. It saves the BEGIN and the ROLLBACK round trips
    per request, and psycopg keeps its prepared statements, which it drops on every ROLLBACK.
    Writes still run in a transaction: `write_transaction` takes a fresh connection, which
    the pool has put back to the default isolation level. SQLite is left as it is: its
    BEGIN and ROLLBACK cost no round trip.

    Put it above the decorators that load the user, so that the first query is in scope.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.db_reads_without_transaction = True
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for commands and jobs, which have no request to hang one on."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
