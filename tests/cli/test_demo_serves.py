"""`repaircafe demo` must really serve the demo it built, not just build it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from repaircafe.cli import cli
from repaircafe.cli.demo import is_demo_database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _real_database(path: Path) -> bytes:
    """A SQLite file the demo did not build, standing for someone's records."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, brand TEXT)")
    connection.execute("INSERT INTO item (brand) VALUES ('Dualit')")
    connection.commit()
    connection.close()
    return path.read_bytes()


def test_demo_command_serves_the_built_database(tmp_path: Path) -> None:
    port = _free_port()
    script = Path(sys.executable).parent / "repaircafe"
    env = {**os.environ, "REPAIRCAFE_REPORTS_FOLDER": str(tmp_path / "reports")}
    target = tmp_path / "demo.sqlite"
    _real_database(target)
    process = subprocess.Popen(
        [str(script), "demo", "--database", str(target), "--port", str(port), "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"the demo did not start serving:\n{output}") from None
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert "Sign in" in page.read().decode()
        assert is_demo_database(target), "the demo marks the database it built"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_demo_refuses_to_replace_a_database_it_did_not_build(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPAIRCAFE_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("records.sqlite", "notes.txt"):
        target = tmp_path / name
        before = _real_database(target) if name.endswith(".sqlite") else b"not a database"
        target.write_bytes(before)
        result = CliRunner().invoke(cli, ["demo", "--no-serve", "--database", str(target)])
        assert result.exit_code == 1, result.output
        assert "is not a demo database" in result.output and "--force" in result.output
        assert "Traceback" not in result.output
        assert target.read_bytes() == before, "the file was changed"


def test_which_files_count_as_demo_databases(tmp_path: Path) -> None:
    from repaircafe.cli.demo import _mark_as_demo

    assert is_demo_database(tmp_path / "missing.sqlite")
    (tmp_path / "empty.sqlite").touch()
    assert is_demo_database(tmp_path / "empty.sqlite")
    _real_database(tmp_path / "real.sqlite")
    assert not is_demo_database(tmp_path / "real.sqlite")
    (tmp_path / "short").write_bytes(b"SQLite format 3\x00")
    assert not is_demo_database(tmp_path / "short")
    assert not is_demo_database(tmp_path)
    _mark_as_demo(tmp_path / "demo.sqlite")
    assert is_demo_database(tmp_path / "demo.sqlite")
