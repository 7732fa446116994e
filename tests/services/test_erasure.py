"""Erased contact data is gone from the database files too, not only from the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from repaircafe.models import Owner
from repaircafe.objects.services import owners
from repaircafe.objects.services.intake import OwnerContact
from tests.factories import NOW, make_item

NAME = "Gwendolyn Quarrington-Evans"
EMAIL = "gwendolyn.quarrington@example.org"


def _files(engine) -> list[Path]:
    database = Path(engine.url.database)
    return [p for p in (database, Path(f"{database}-wal")) if p.exists()]


def test_erasure_leaves_no_copy_in_the_sqlite_files(engine, session, world):
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite keeps the database in files the app itself writes")
    item = make_item(session, world, owner=OwnerContact(name=NAME, email=EMAIL, consent=True))
    token = session.exec(select(Owner.private_token).where(Owner.id == item.owner_id)).one()
    assert any(NAME.encode() in path.read_bytes() for path in _files(engine))
    session.close()
    owners.erase_contact(session, token=token, now=NOW)
    session.close()
    for path in _files(engine):
        content = path.read_bytes()
        assert NAME.encode() not in content and EMAIL.encode() not in content, path
