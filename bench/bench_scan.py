"""Benchmark: the scan lookup and the public object page against a bare Flask route.

Both apps run the same way in the same run: gunicorn with 2 sync workers on loopback, loaded
by wrk with 16 connections. The floor is a Flask app whose only route returns "ok"; the goal
is at least a quarter of its throughput and a p99 under 50 ms, on a database made by
``bench/generate_large.py`` (1M objects / 5M events for the real figure).

Run::

    python bench/generate_large.py --url sqlite:////tmp/big.sqlite --codes-file /tmp/big.codes
    python bench/bench_scan.py --url sqlite:////tmp/big.sqlite --codes /tmp/big.codes \\
        --user bench-NNN     # the user name generate_large.py printed

Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repaircafe.i18n import compile_catalogues  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL_RATIO = 0.25
GOAL_P99_MS = 50.0
USER_AGENT = "Mozilla/5.0 (bench tablet)"

bare_app = Flask("bare")


@bare_app.route("/ok")
def ok() -> str:
    return "ok"


LUA = """
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do
  if #line > 0 then codes[#codes + 1] = line end
end
local prefix, suffix = os.getenv("BENCH_PREFIX"), os.getenv("BENCH_SUFFIX") or ""
local seeded = false
request = function()
  if not seeded then math.randomseed(os.time() + math.floor(os.clock() * 1e6)); seeded = true end
  return wrk.format("GET", prefix .. codes[math.random(#codes)] .. suffix)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(target: str, port: int, env: dict[str, str], chdir: Path,
                   worker_class: str, ready_path: str) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        # (gunicorn turns sync workers into gthread ones when given --threads)
        [str(gunicorn), "-w", "2", "-k", worker_class,
         *(["--threads", "4"] if worker_class == "gthread" else []), "-b",
         f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", target],
        env={**os.environ, **env}, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            # the socket opens before the workers have loaded the app: wait for an answer
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=5):
                return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not start for {target}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def login(base: str, user: str, password: str) -> str:
    """Sign in through the form (CSRF included) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    # Flask-Login's session protection ties the session to the browser: the load tool must
    # present the same one as the sign-in, as a volunteer's tablet does.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": user, "password": password, "csrf_token": token.group(1) if token else ""}
    try:
        opener.open(f"{base}/login", data=urllib.parse.urlencode(data).encode())
    except urllib.error.HTTPError as answer:  # the 302 to the home page is the success
        if answer.code != 302:
            raise
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(f"{base}/scan/",
                                   headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(check) as response:
        if "/login" in response.url:
            raise SystemExit(f"could not sign in as {user}")
    return cookie


def wrk(url: str, seconds: int, connections: int, script: Path | None = None,
        env: dict[str, str] | None = None, headers: tuple[str, ...] = ()) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, non-2xx/3xx responses)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rps, p99, int(errors.group(1)) if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="scan lookup and public page vs bare Flask")
    parser.add_argument("--url", required=True, help="the generated database")
    parser.add_argument("--codes", type=Path, required=True, help="codes file from the generator")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default="bench-pass")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds; each target keeps its best")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class, the same for both apps")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    script = work / "codes.lua"
    script.write_text(LUA)
    app_env = {
        "REPAIRCAFE_DATABASE_URL": args.url, "REPAIRCAFE_ENVIRONMENT": "production",
        "REPAIRCAFE_SECRET_KEY": "bench-secret-" + os.urandom(8).hex(),
        "REPAIRCAFE_INSTANCE_PATH": str(work / "instance"),
        # the limiter still runs on every public request; only its ceiling is out of reach
        "REPAIRCAFE_SECURITY_PUBLIC_RATE_LIMIT": "100000000 per minute",
        "REPAIRCAFE_SECURITY_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    results: dict[str, tuple[float, float, int]] = {}
    load_before = os.getloadavg()[0]
    bare_port, port = free_port(), free_port()
    # Both workers would otherwise compile the message catalogues into the new instance
    # folder at the same time when they boot.
    compile_catalogues(work / "instance" / "translations")
    bare = start_gunicorn("bench_scan:bare_app", bare_port, {}, HERE, args.worker_class,
                          "/ok")
    app = None
    try:
        app = start_gunicorn("repaircafe.wsgi:app", port, app_env, ROOT, args.worker_class,
                             "/healthz")
        base = f"http://127.0.0.1:{port}"
        cookie = login(base, args.user, args.password)
        runs: dict[str, tuple[str, dict[str, str] | None, Path | None, tuple[str, ...]]] = {
            "bare Flask route": (f"http://127.0.0.1:{bare_port}/ok", None, None, ()),
            "scan lookup (signed in, logged)": (
                base + "/", {"BENCH_CODES": str(args.codes),
                             "BENCH_PREFIX": "/scan/?via=scanner&code="},
                script, (f"Cookie: {cookie}", f"User-Agent: {USER_AGENT}")),
            "public object page": (base + "/", {"BENCH_CODES": str(args.codes),
                                                "BENCH_PREFIX": "/I/"}, script, ()),
        }
        for url, env, lua, headers in runs.values():
            wrk(url, 2, args.connections, lua, env, headers)
        # The rounds interleave the floor and the pages, so that load from other work on the
        # machine falls on both alike; each keeps its best round.
        for _round in range(args.rounds):
            for name, (url, env, lua, headers) in runs.items():
                measured = wrk(url, args.seconds, args.connections, lua, env, headers)
                if name not in results or measured[0] > results[name][0]:
                    results[name] = measured
    finally:
        if app is not None:
            stop(app)
        stop(bare)
        shutil.rmtree(work, ignore_errors=True)

    floor = results["bare Flask route"][0]
    print(f"database: {args.url.split('@')[-1]}  ({args.connections} connections, "
          f"best of {args.rounds} interleaved rounds of {args.seconds} s, "
          f"gunicorn 2 {args.worker_class} workers)")
    # Other work on the machine lowers the pages more than the floor: say how busy it was.
    print(f"machine: {os.cpu_count()} CPUs, load average {load_before:.2f} before the run "
          f"(this run's own load included: {os.getloadavg()[0]:.2f} after)")
    print(f"{'':34} {'req/s':>9} {'ratio':>7} {'p99 ms':>8} {'errors':>7}")
    failed = False
    for name, (rps, p99, errors) in results.items():
        ratio = rps / floor
        verdict = ""
        if name != "bare Flask route":
            good = ratio >= GOAL_RATIO and p99 < GOAL_P99_MS and errors == 0
            failed |= not good
            verdict = "ok" if good else "BELOW GOAL"
        print(f"{name:34} {rps:9.0f} {ratio:7.2f} {p99:8.1f} {errors:7d}  {verdict}")
    print(f"goal: ratio >= {GOAL_RATIO}, p99 < {GOAL_P99_MS:.0f} ms")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
