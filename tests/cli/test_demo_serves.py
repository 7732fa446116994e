"""`repaircafe demo` must really serve the demo it built, not just build it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_command_serves_the_built_database(tmp_path: Path) -> None:
    port = _free_port()
    script = Path(sys.executable).parent / "repaircafe"
    env = {**os.environ, "REPAIRCAFE_REPORTS_FOLDER": str(tmp_path / "reports")}
    process = subprocess.Popen(
        [str(script), "demo", "--database", str(tmp_path / "demo.sqlite"), "--port", str(port)],
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
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
