"""Writing many rows at once straight through the database driver, for file imports.

For plain rows, SQLAlchemy's per-row parameter handling costs more than the database write
itself, so an import of 100,000 records would spend most of its time there. A bulk writer takes
rows as tuples already in the form the driver stores (see `BulkWriter.datetime` and `json`)
and hands them to the driver in one call: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
Primary keys are reserved before the rows are written, so related rows can point at each other
without reading anything back.

Everything happens in the session's current transaction: a refused or failed write leaves
nothing behind, and a driver's integrity error comes out as SQLAlchemy's ``IntegrityError``
like any other write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from repaircafe.models.base import UTCDateTime


class BulkWriter:
    """Rows written by the driver of the session's connection, in its transaction."""

    _mark: str  # the driver's parameter placeholder
    _within: str  # "is one of the values of a parameter", for `rows_with_keys`

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self._datetime = UTCDateTime().dialect_impl(self.dialect).bind_processor(self.dialect)
        self._datetimes: dict[datetime, Any] = {}
        self._date = Date().dialect_impl(self.dialect).bind_processor(self.dialect)

    @property
    def driver_connection(self) -> Any:
        """The DBAPI connection under the session's transaction (it can change per transaction)."""
        return self.session.connection().connection.driver_connection

    def datetime(self, value: datetime) -> Any:
        """An aware datetime exactly as a UTCDateTime column stores it on this database.

        Imports write the same few instants on many rows (the import time, noon of an event
        day), so each is converted once.
        """
        if value not in self._datetimes:
            self._datetimes[value] = self._datetime(value) if self._datetime else value
        return self._datetimes[value]

    def date(self, value: date) -> Any:
        """A date as a Date column stores it on this database."""
        return self._date(value) if self._date else value

    @staticmethod
    def json(value: Any) -> str:
        """A JSON column's value as SQLAlchemy's JSON type serialises it (plain json.dumps)."""
        return json.dumps(value)

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        """`count` primary keys for rows of `table` about to be written, in increasing order."""
        raise NotImplementedError

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert `rows` (values in the order of `columns`, already converted). The rows may
        come from a generator: they are consumed as the driver sends them."""
        raise NotImplementedError

    def rows_with_keys(self, table: Table, columns: Sequence[str], equal: tuple[str, Any],
                       within: tuple[str, Sequence[Any]]) -> list[tuple[Any, ...]]:
        """`columns` of the rows of `table` whose `equal` column holds the value given and whose
        `within` column holds one of the values given.

        The values travel as one parameter, however many there are: an IN list of a whole
        chunk's keys cost SQLAlchemy more to compile than the database to answer.
        """
        names = ", ".join(f'"{c}"' for c in columns)
        statement = (f'SELECT {names} FROM "{table.name}" WHERE "{equal[0]}" = {self._mark} '
                     f'AND "{within[0]}" {self._within}')
        cursor = self.driver_connection.cursor()
        try:
            cursor.execute(statement, (equal[1], self._values(within[1])))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _values(self, values: Sequence[Any]) -> Any:
        """Many values as the one parameter `_within` takes."""
        raise NotImplementedError

    def keep_statistics(self, tables: Sequence[Table]) -> None:
        """Let the query planner know how much `tables` grew during this load (see subclasses)."""

    @contextmanager
    def _integrity_errors(self, statement: str) -> Iterator[None]:
        """Driver integrity errors as SQLAlchemy's, which the callers already handle."""
        try:
            yield
        except self.dialect.loaded_dbapi.IntegrityError as exc:
            raise IntegrityError(statement, None, exc) from exc


class SQLiteWriter(BulkWriter):
    """sqlite3's executemany of tuples; ids follow the largest one under the write lock."""

    _mark = "?"
    _within = "IN (SELECT value FROM json_each(?))"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._next: dict[str, int] = {}

    def _values(self, values: Sequence[Any]) -> Any:
        return json.dumps(list(values))

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        """The ids after the table's largest one. Safe because a write transaction holds the
        database's only write lock (BEGIN IMMEDIATE) until it commits; remembered so two
        reservations before writing do not overlap."""
        cursor = self.driver_connection.cursor()
        try:
            cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table.name}"')
            largest = cursor.fetchone()[0]
        finally:
            cursor.close()
        first = max(largest + 1, self._next.get(table.name, 0))
        self._next[table.name] = first + count
        return list(range(first, first + count))

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        cursor = self.driver_connection.cursor()
        try:
            with self._integrity_errors(statement):
                cursor.executemany(statement, rows)
        finally:
            cursor.close()


class PostgresWriter(BulkWriter):
    """psycopg's COPY; ids drawn from the table's own sequence, so other writers never clash."""

    _mark = "%s"
    _within = "= ANY(%s)"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._unanalysed: dict[str, int] = {}
        self._sequences: dict[str, str] = {}

    def _values(self, values: Sequence[Any]) -> Any:
        return list(values)

    def keep_statistics(self, tables: Sequence[Table]) -> None:
        """ANALYZE a table once this load has written more rows than its statistics know of.

        Without statistics (a new database) or with badly outdated ones, PostgreSQL plans a
        lookup of a chunk's keys as a scan of every row of the provider, so each chunk would
        take longer than the one before. Analysing whenever the table has doubled keeps the
        lookups on the unique indexes for a few hundred milliseconds per load.
        """
        grown = [t.name for t in tables if self._unanalysed.get(t.name, 0)]
        if not grown:
            return
        with self.driver_connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])",
                           ([f'"{name}"' for name in grown],))
            known = dict(cursor.fetchall())
            for name in grown:
                if self._unanalysed[name] > max(known.get(name, 0), 0):
                    cursor.execute(f'ANALYZE "{name}"')
                    self._unanalysed[name] = 0

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        """The sequence is looked up once per table: asked inside the query, PostgreSQL looks
        it up again for every id drawn, which tripled the cost of a reservation."""
        if count == 0:
            return []
        with self.driver_connection.cursor() as cursor:
            sequence = self._sequences.get(table.name)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", (f'"{table.name}"',))
                sequence = self._sequences[table.name] = cursor.fetchone()[0]
            cursor.execute("SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                           (sequence, count))
            return sorted(cursor.fetchone()[0])

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        written = 0
        with self._integrity_errors(statement), self.driver_connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        self._unanalysed[table.name] = self._unanalysed.get(table.name, 0) + written


def bulk_writer(session: Session) -> BulkWriter:
    """The writer for the session's database: SQLite (sqlite3) or PostgreSQL (psycopg 3)."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return SQLiteWriter(session)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return PostgresWriter(session)
    raise ValueError(f"No bulk writer for {dialect.name}+{dialect.driver}: the product runs on "
                     "SQLite or on PostgreSQL through psycopg 3.")
