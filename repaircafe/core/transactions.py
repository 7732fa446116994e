"""The one way services write: a transaction that takes the write lock first and commits once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from repaircafe.db import WRITE_OPTION


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run a user action atomically: all of it is written, or (on any error) none of it.

    Any read transaction the view opened is closed first, so that on SQLite the write starts
    with BEGIN IMMEDIATE and sees the latest committed state; on PostgreSQL rows are locked
    with SELECT ... FOR UPDATE by the service itself.
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
