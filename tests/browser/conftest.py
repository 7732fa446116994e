"""Browser tests: the app served on loopback in a thread, driven by Debian's Chromium.

Chromium is found at /usr/bin/chromium or at the path in REPAIRCAFE_CHROMIUM. Where it is missing
the browser tests are skipped with a reason saying so, unless REPAIRCAFE_REQUIRE_BROWSER=1, in
which case they fail: CI sets that so a missing browser cannot pass unnoticed.

The server and the browser are started once per test session; each test gets its own browser
context (fresh cookies) at tablet size, 768x1024.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from werkzeug.serving import BaseWSGIServer, make_server

from repaircafe import create_app
from repaircafe.tags.services.tags import current_tag
from tests.conftest import app_config
from tests.factories import World, build_world, make_item

CHROMIUM = os.environ.get("REPAIRCAFE_CHROMIUM") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("REPAIRCAFE_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 768, "height": 1024}
PASSWORD = "demo-pass"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser, whether or not it says so."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if REQUIRE_BROWSER:
        pytest.fail(f"{message} (REPAIRCAFE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium binary, or a skip (a failure when the browser is required)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM}; install it with `apt-get install chromium` "
                     "or point REPAIRCAFE_CHROMIUM at one")
    return CHROMIUM


# The app on loopback

@dataclass
class LiveServer:
    """The running app and the data it was seeded with."""

    url: str
    app: Any
    engine: Engine
    world: World
    items: list[Any] = field(default_factory=list)
    codes: dict[int, str] = field(default_factory=dict)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session on the served database, for arranging or checking data."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session


def _seed(session: Session) -> tuple[World, list[Any], dict[int, str]]:
    world = build_world(session)
    items = [
        make_item(session, world, category="kettle", brand="Morphy Richards", model="Accents",
                  problem="Does not switch off when it boils", weight=1.1),
        make_item(session, world, category="toaster", brand="Dualit", model="Classic 2",
                  problem="One side stays cold", weight=3.4),
        make_item(session, world, category="lamp", brand="Anglepoise", model="Type 75",
                  problem="Flickers", weight="2.2"),
        make_item(session, world, category="portable-radio", brand="Roberts", model="Revival",
                  problem="No sound", weight=1.6, actor="admin",
                  repair_session=world.other_session),
    ]
    codes = {item.id: current_tag(session, item_id=item.id).code for item in items}
    return world, items, codes


def _not_ready(_environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture(scope="session")
def live_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveServer]:
    """The app on http://127.0.0.1:<free port>, on a migrated SQLite copy with a small world.

    The server socket is opened first so that the app's public base URL, which the QR labels
    encode, is the address the browser really uses.
    """
    folder = tmp_path_factory.mktemp("live")
    database = folder / "live.sqlite"
    shutil.copyfile(sqlite_template, database)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    app = None
    try:
        app = create_app(app_config(
            f"sqlite:///{database}",
            app={"environment": "testing", "secret_key": "live-server-secret",
                 "public_base_url": url, "instance_path": str(folder / "instance")},
            TESTING=False, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False,
        ))
        engine = app.extensions["repaircafe.engine"]
        with Session(engine, expire_on_commit=False) as session:
            world, items, codes = _seed(session)
        server.app = app
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        thread.start()
        yield LiveServer(url, app, engine, world, items, codes)
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()
        if app is not None:
            app.extensions["repaircafe.engine"].dispose()


# The browser

@pytest.fixture(scope="session")
def playwright(chromium_path: str) -> Iterator[Any]:
    """One Playwright driver for the session (the sync API runs its own event loop)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def launch_browser(playwright: Any, chromium_path: str) -> Iterator[Callable[..., Any]]:
    """`launch_browser(extra_args)`: a headless Chromium with our flags plus `extra_args`.

    Browsers are cached by their flags (a fake camera needs its own) and closed at the end.
    """
    launched: dict[tuple[str, ...], Any] = {}

    def launch(extra_args: list[str] | tuple[str, ...] = ()) -> Any:
        key = tuple(extra_args)
        if key not in launched:
            launched[key] = playwright.chromium.launch(
                executable_path=chromium_path, args=[*CHROMIUM_ARGS, *key], headless=True,
            )
        return launched[key]

    yield launch
    for browser in launched.values():
        browser.close()


@pytest.fixture(scope="session")
def browser(launch_browser: Callable[..., Any]) -> Any:
    return launch_browser()


def new_context(browser: Any, live_server: LiveServer, **options: Any) -> Any:
    """A fresh browser context (its own cookies) at tablet size, pointed at the live server."""
    settings = {"viewport": VIEWPORT, "locale": "en-GB", "base_url": live_server.url, **options}
    context = browser.new_context(**settings)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in its own context at 768x1024; a failing test leaves a screenshot behind."""
    context = new_context(browser, live_server)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed and not tab.is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
            tab.screenshot(path=str(SCREENSHOTS / f"failed-{name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def sign_in(page: Any, role: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a volunteer would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def login() -> Callable[[Any, str], None]:
    """`login(page, role)` with the world's password for admin, coordinator, fixer or viewer."""
    return sign_in


def save_screenshot(page: Any, name: str) -> Path:
    """The whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """`screenshot(page, name)` -> the saved PNG's path."""
    return save_screenshot
