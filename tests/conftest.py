"""Fixtures: every database test runs on SQLite, and on PostgreSQL when the URL is given.

The chain is db_url -> engine -> app -> client / runner / session. A migrated, seeded SQLite
template is built once per run and copied per test; PostgreSQL gets a throw-away database per
run whose tables are emptied after each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from repaircafe import create_app, migrate
from repaircafe.accounts.services import accounts
from repaircafe.core.setup import seed_reference_data
from repaircafe.db import make_engine, normalise_url
from tests.factories import World, build_world

# The captured SMTP server (`inbox`) for every mail test.
pytest_plugins = ["tests.mail_server"]

POSTGRES_URL = os.environ.get("REPAIRCAFE_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("REPAIRCAFE_REQUIRE_POSTGRES") == "1"
KEEP = {"alembic_version", "category"}
accounts.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def _prepare(engine: Engine) -> None:
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed_reference_data(session)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    _prepare(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REPAIRCAFE_REQUIRE_POSTGRES=1 but REPAIRCAFE_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need REPAIRCAFE_TEST_POSTGRES_URL")
    name = f"repaircafe_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    _prepare(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    engine = make_engine(url)
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in KEEP]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def app_config(db_url: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "database": {"url": db_url},
        "app": {"environment": "testing", "secret_key": "test-secret",
                "public_base_url": "https://rc.example.org"},
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(extra)
    return config


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Any]:
    application = create_app(app_config(db_url))
    application.instance_path = str(tmp_path / "instance")
    yield application
    application.extensions["repaircafe.engine"].dispose()


@pytest.fixture
def engine(app: Any) -> Engine:
    return app.extensions["repaircafe.engine"]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def login_as(client: Any, world: World) -> Any:
    def login(role: str) -> Any:
        response = client.post("/login", data={"username": role, "password": "demo-pass"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login
