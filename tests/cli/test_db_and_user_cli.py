"""`repaircafe db ...` and `repaircafe user add`: what an operator types, and what goes wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import Session, func, select
from werkzeug.security import check_password_hash

from repaircafe import migrate
from repaircafe.cli import cli
from repaircafe.core.setup import category_rows
from repaircafe.db import make_engine
from repaircafe.models import Category, Item, User
from tests.factories import make_item

SCRIPT = Path(sys.executable).parent / "repaircafe"


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A CliRunner that builds the app from the environment, as the console script does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    for name in [n for n in os.environ if n.startswith("REPAIRCAFE_")
                 and not n.startswith(("REPAIRCAFE_TEST_", "REPAIRCAFE_REQUIRE_"))]:
        monkeypatch.delenv(name)
    return CliRunner()


def _run(runner, *args, **kwargs):
    return runner.invoke(cli, list(args), **kwargs)


def _one_line_error(result, *expected: str) -> None:
    """Refused, with a readable message on one line and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    for part in expected:
        assert part in errors[0], result.output


def test_help_lists_the_nouns(bare):
    result = _run(bare, "--help")
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:")[1]
    for noun in ("db", "user", "demo", "import", "serve"):
        assert f"\n  {noun} " in commands


def test_db_upgrade_creates_schema_and_categories_on_an_empty_file(bare, tmp_path):
    path = tmp_path / "new.sqlite"
    path.touch()
    env = {"REPAIRCAFE_DATABASE_URL": f"sqlite:///{path}"}
    result = _run(bare, "db", "upgrade", env=env)
    assert result.exit_code == 0, result.output
    expected = len(category_rows())
    assert f"{expected} categories added" in result.output
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(Category)).one() == expected
            assert session.exec(select(func.count()).select_from(Item)).one() == 0
    finally:
        engine.dispose()
    again = _run(bare, "db", "upgrade", env=env)
    assert again.exit_code == 0 and "0 categories added" in again.output


def test_db_check_reports_tampered_states_and_rebuild_fixes_them(runner, session, world):
    first = make_item(session, world)
    second = make_item(session, world, category="lamp")
    clean = _run(runner, "db", "check")
    assert clean.exit_code == 0, clean.output
    assert "No problems found." in clean.output

    with session.begin():
        session.execute(text("UPDATE item SET state = 'fixed' WHERE id IN (:a, :b)"),
                        {"a": first.id, "b": second.id})
    tampered = _run(runner, "db", "check")
    assert tampered.exit_code == 1
    assert "Traceback" not in tampered.output
    problems = [line for line in tampered.stdout.splitlines() if line.startswith("state:")]
    assert problems == [
        f"state: item {first.id}: stored state 'fixed', events say 'registered'",
        f"state: item {second.id}: stored state 'fixed', events say 'registered'",
    ]
    assert "2 problems found." in tampered.stderr

    rebuilt = _run(runner, "db", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "2 states corrected" in rebuilt.output
    session.expire_all()
    assert session.get(Item, first.id).state == "registered"
    assert _run(runner, "db", "check").exit_code == 0


def test_db_check_reports_a_tampered_rollup_and_rebuild_repairs_it(runner, session, world):
    from repaircafe.reporting.services import rollup
    from tests.factories import NOW

    make_item(session, world)
    assert _run(runner, "db", "check").exit_code == 0
    rollup.fold(session, now=NOW)
    with session.begin():
        session.execute(text("UPDATE report_rollup SET objects = objects + 1"))
    tampered = _run(runner, "db", "check")
    assert tampered.exit_code == 1
    problems = [line for line in tampered.stdout.splitlines() if line.startswith("rollup:")]
    assert len(problems) == 1 and "report_rollup month 2025-06" in problems[0]
    assert problems[0].endswith("objects 2 stored, events say 1")
    rebuilt = _run(runner, "db", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Report rollup rebuilt: 1 events folded" in rebuilt.output
    assert _run(runner, "db", "check").exit_code == 0


@pytest.mark.parametrize(
    ("role", "scope", "group_attr", "territory_attr"),
    [
        ("admin", [], None, None),
        ("coordinator", ["--group", "Cardiff Fixers"], "group", None),
        ("fixer", ["--group", "Swansea Menders"], "other_group", None),
        ("viewer", ["--territory", "Swansea"], None, "other_territory"),
    ],
)
def test_user_add_with_each_role_and_scope(runner, session, world, role, scope, group_attr,
                                           territory_attr):
    result = _run(runner, "user", "add", "newcomer", "--role", role, "--password", "s3cret-pw",
                  "--display-name", "New Comer", *scope)
    assert result.exit_code == 0, result.output
    assert f"User newcomer ({role}) added." in result.output
    user = session.exec(select(User).where(User.username == "newcomer")).one()
    assert user.role == role and user.display_name == "New Comer"
    assert user.group_id == (getattr(world, group_attr).id if group_attr else None)
    assert user.territory_id == (getattr(world, territory_attr).id if territory_attr else None)
    assert "s3cret-pw" not in user.password_hash
    assert check_password_hash(user.password_hash, "s3cret-pw")


def test_user_add_asks_for_the_password_twice(runner, session, world):
    result = _run(runner, "user", "add", "asked", "--role", "admin", input="pw-12345\npw-12345\n")
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.username == "asked")).one()
    assert check_password_hash(user.password_hash, "pw-12345")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--role", "fixer", "--group", "Nowhere Menders"], ["No group called", "Nowhere Menders"]),
        (["--role", "fixer"], ["belongs to a group", "--group"]),
        (["--role", "coordinator"], ["belongs to a group", "--group"]),
        (["--role", "viewer"], ["belongs to a territory", "--territory"]),
        (["--role", "viewer", "--territory", "Atlantis"], ["No territory called", "Atlantis"]),
        (["--role", "boss"], ["'boss'", "admin", "viewer"]),
    ],
)
def test_user_add_errors_are_one_readable_line(runner, session, world, args, expected):
    before = session.exec(select(func.count()).select_from(User)).one()
    result = _run(runner, "user", "add", "someone", "--password", "pw-12345", *args)
    _one_line_error(result, *expected)
    assert session.exec(select(func.count()).select_from(User)).one() == before


def test_user_add_refuses_a_taken_name(runner, world):
    result = _run(runner, "user", "add", "fixer", "--role", "admin", "--password", "pw-12345")
    _one_line_error(result, "fixer", "taken")


def test_bad_configuration_is_one_readable_line(bare):
    result = _run(bare, "db", "check", env={"REPAIRCAFE_DATABSE_URL": "sqlite://"})
    _one_line_error(result, "REPAIRCAFE_DATABSE_URL")
    typed = _run(bare, "db", "check", env={"REPAIRCAFE_SMTP_PORT": "many"})
    _one_line_error(typed, "smtp.port")


def test_database_that_cannot_be_used_is_one_readable_line(bare, tmp_path):
    (tmp_path / "empty.sqlite").touch()
    empty = {"REPAIRCAFE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"}
    _one_line_error(_run(bare, "db", "check", env=empty), "no such table", "db upgrade")
    _one_line_error(_run(bare, "db", "check", env={"REPAIRCAFE_DATABASE_URL": "nonsense"}),
                    "database.url")


def _script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REPAIRCAFE_")}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={**clean, **env}, check=False)


def test_console_script_help_and_a_failure_without_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    helped = _script("--help")
    assert helped.returncode == 0, helped.stderr
    assert "user" in helped.stdout and "db" in helped.stdout

    failed = _script("user", "add", "x", "--role", "admin", "--password", "pw-12345",
                     REPAIRCAFE_SECRET="oops")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.strip() == (
        "Error: unknown setting in environment variable REPAIRCAFE_SECRET"
    )


@pytest.mark.parametrize("command", [
    ["report", "--scope", "all", "--period", "2025-Q3", "--format", "csv", "-o", "out.csv"],
    ["db", "check"],
    ["user", "add", "x", "--role", "admin", "--password", "pw-12345"],
    ["export", "ords", "-o", "out.csv"],
])
def test_commands_without_a_database_say_so_and_create_nothing(bare, tmp_path, command):
    instance = tmp_path / "instance"
    result = _run(bare, *command, env={"REPAIRCAFE_INSTANCE_PATH": str(instance)})
    _one_line_error(result, "no database at", "repaircafe.sqlite", "db upgrade",
                    "REPAIRCAFE_DATABASE_URL")
    assert not (instance / "repaircafe.sqlite").exists()
    named = tmp_path / "typo.sqlite"
    typo = _run(bare, *command, env={"REPAIRCAFE_DATABASE_URL": f"sqlite:///{named}"})
    _one_line_error(typo, "no database at", "typo.sqlite")
    assert not named.exists()


def test_db_upgrade_creates_the_default_database(bare, tmp_path):
    instance = tmp_path / "instance"
    env = {"REPAIRCAFE_INSTANCE_PATH": str(instance)}
    created = _run(bare, "db", "upgrade", env=env)
    assert created.exit_code == 0, created.output
    assert (instance / "repaircafe.sqlite").exists()
    assert _run(bare, "db", "check", env=env).exit_code == 0


def test_user_deactivate_ends_sessions_and_sign_ins(runner, session, world):
    before = world.users["fixer"].session_version
    result = _run(runner, "user", "deactivate", "fixer")
    assert result.exit_code == 0, result.output
    assert "User fixer deactivated" in result.output
    session.expire_all()
    user = session.exec(select(User).where(User.username == "fixer")).one()
    assert not user.is_active and user.session_version == before + 1
    _one_line_error(_run(runner, "user", "deactivate", "nobody"), "No user called", "nobody")


@pytest.mark.parametrize(
    ("args", "role", "group_attr", "territory_attr"),
    [
        (["viewer", "--territory", "Swansea"], "viewer", None, "other_territory"),
        (["coordinator", "--group", "Swansea Menders"], "coordinator", "other_group", None),
        (["admin"], "admin", None, None),
    ],
)
def test_user_role_changes_role_and_scope(runner, session, world, args, role, group_attr,
                                          territory_attr):
    result = _run(runner, "user", "role", "fixer", *args)
    assert result.exit_code == 0, result.output
    assert f"User fixer is now {role}" in result.output
    session.expire_all()
    user = session.exec(select(User).where(User.username == "fixer")).one()
    assert user.role == role and user.session_version == 1
    assert user.group_id == (getattr(world, group_attr).id if group_attr else None)
    assert user.territory_id == (getattr(world, territory_attr).id if territory_attr else None)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["viewer"], ["belongs to a territory", "--territory"]),
        (["fixer", "--group", "Nowhere Menders"], ["No group called", "Nowhere Menders"]),
        (["boss"], ["'boss'"]),
    ],
)
def test_user_role_errors_are_one_readable_line_and_change_nothing(runner, session, world,
                                                                   args, expected):
    _one_line_error(_run(runner, "user", "role", "fixer", *args), *expected)
    session.expire_all()
    user = session.exec(select(User).where(User.username == "fixer")).one()
    assert user.role == "fixer" and user.session_version == 0
