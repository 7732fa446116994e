"""One engine per app, one session per request, and the SQLite pragmas the product relies on.

The hottest pages (the scan lookup, the public object page) skip the ORM session and run
their Core statements on the driver's own connection: see `DriverStatement`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from flask import Flask, current_app, g
from psycopg import ClientCursor
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.sql import Executable
from sqlmodel import Session, create_engine

# Execution option a service sets on its connection to say "this transaction will write".
WRITE_OPTION = "repaircafe_write"


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
    # The hot pages' reads and unsynced writes never open a transaction: they get a pool of
    # their own whose connections stay in autocommit, instead of switching a connection of
    # the main pool in and out of it (and rolling it back) on every request.
    outside = create_engine(url, echo=echo, pool_size=5, max_overflow=10,
                            isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    for pooled in (engine, outside):
        event.listen(pooled, "checkout", _ping_if_idle)
        event.listen(pooled, "checkin", _note_checkin)
    _OUTSIDE_TRANSACTIONS[engine] = outside
    event.listen(engine, "engine_disposed", lambda _engine: outside.dispose())
    return engine


_OUTSIDE_TRANSACTIONS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


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
    """The request's database session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for commands and jobs, which have no request to hang one on."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


class _Compiled(NamedTuple):
    sql: str
    positions: tuple[str, ...] | None
    defaults: dict[str, Any]
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class DriverStatement:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    The scan lookup and the public page are served hundreds of times a second, and the ORM
    session's transaction states and SQLAlchemy's per-execution bookkeeping cost several times
    the indexed query itself. The statement stays written in Core; only its execution is bare.
    Values still pass through the dialect's type processors, so dates and JSON read and write
    exactly as they do through SQLAlchemy.
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        # values written into the statement itself (insert(...).values(kind="x"))
        defaults = {name: bind.effective_value for name, bind in compiled.binds.items()
                    if not bind.required}
        binds = []
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        results = []
        for index, column in enumerate(getattr(self.statement, "selected_columns", ())):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
        positions = tuple(compiled.positiontup or ()) if dialect.positional else None
        return _Compiled(compiled.string, positions, defaults, tuple(binds), tuple(results))


class DriverConnection:
    """One pooled driver connection, lent for the length of a `driver_connection` block."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    def _run(self, statement: DriverStatement, params: Mapping[str, Any], *,
             prefix: str = "") -> tuple[Any, _Compiled]:
        compiled = statement.compiled(self._dialect)
        if compiled.defaults:
            params = {**compiled.defaults, **params}
        if compiled.binds:
            params = dict(params)
            for name, process in compiled.binds:
                params[name] = process(params[name])
        if prefix:
            # bound on the client, so that both statements travel as one simple query
            cursor = ClientCursor(self._connection)
        elif self._dialect.name == "postgresql":
            cursor = self._connection.cursor(binary=True)  # less parsing than text results
        else:
            cursor = self._connection.cursor()
        if compiled.positions is None:
            cursor.execute(prefix + compiled.sql, params)
        else:
            cursor.execute(compiled.sql, tuple(params[name] for name in compiled.positions))
        return cursor, compiled

    def rows(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor, compiled = self._run(statement, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not compiled.results:
            return rows  # type: ignore[no-any-return]
        converted = []
        for row in rows:
            values = list(row)
            for index, process in compiled.results:
                values[index] = process(values[index])
            converted.append(tuple(values))
        return converted

    def execute_unsynced(self, statement: DriverStatement, params: Mapping[str, Any]) -> None:
        """A write whose loss in a server crash would cost nothing (a scan log row, say),
        committed without waiting for the disk, outside any open transaction.

        On PostgreSQL the statement and its SET LOCAL travel in one message, which the server
        runs as one implicit transaction: one round trip instead of BEGIN, SET, the write and
        COMMIT. SQLite in WAL mode with synchronous=NORMAL never waits for the disk on commit.
        """
        if self._dialect.name == "postgresql":
            cursor, _compiled = self._run(statement, params,
                                          prefix="SET LOCAL synchronous_commit TO OFF; ")
        else:
            cursor, _compiled = self._run(statement, params)
        cursor.close()


@contextmanager
def driver_connection(engine: Engine) -> Iterator[DriverConnection]:
    """A pooled driver connection whose statements run outside any transaction.

    A single SELECT is consistent on its own and a single-statement write commits on its own,
    which on PostgreSQL saves the BEGIN and ROLLBACK round trips; writes that must stand or
    fall together go through the ORM session and `write_transaction` instead.
    """
    dialect = engine.dialect
    if dialect.name != "sqlite":
        engine = _OUTSIDE_TRANSACTIONS.get(engine, engine)
    pooled = engine.raw_connection()
    try:
        yield DriverConnection(pooled.driver_connection, dialect)
    except BaseException as exc:
        if dialect.loaded_dbapi is not None and isinstance(exc, dialect.loaded_dbapi.Error) \
                and dialect.is_disconnect(exc, pooled, None):  # type: ignore[arg-type]
            pooled.invalidate(exc)
        raise
    finally:
        pooled.close()
