"""The tablet keeps working when the Wi-Fi drops: writes are kept on the tablet, survive a
reload, and reach the server once, in order, when it answers again.

These tests run their own server on a fixed port, so that it can be stopped (the network is
gone) and started again on the same address and database (the network is back).
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from repaircafe import create_app
from repaircafe.accounts.services import accounts
from repaircafe.core.events import new_key
from repaircafe.domain import codes
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import CheckCharacterError, CodeError
from repaircafe.models import LifecycleEvent, Tag, User, utc_now
from repaircafe.objects.services import intake, repairs
from repaircafe.tags.services.tags import current_tag
from tests.browser.conftest import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    VIEWPORT,
    LiveServer,
    new_context,
    save_screenshot,
    sign_in,
)
from tests.browser.tablet import blank_labels, make_team, open_today
from tests.conftest import app_config
from tests.factories import build_world


class Server:
    """The app on one loopback port, which can be cut and brought back."""

    def __init__(self, app: Any, port: int) -> None:
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=10)
            self._server = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(chromium_path: str, sqlite_template: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, LiveServer]]:
    folder = tmp_path_factory.mktemp("offline")
    database = folder / "offline.sqlite"
    shutil.copyfile(sqlite_template, database)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(app_config(
        f"sqlite:///{database}",
        app={"environment": "testing", "secret_key": "offline-secret", "public_base_url": url,
             "instance_path": str(folder / "instance")},
        TESTING=False, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False,
    ))
    engine = app.extensions["repaircafe.engine"]
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    running = Server(app, port)
    running.start()
    try:
        yield running, LiveServer(url, app, engine, world)
    finally:
        running.stop()
        engine.dispose()


@pytest.fixture
def tablet(browser: Any, server: tuple[Server, LiveServer]) -> Iterator[Any]:
    context = new_context(browser, server[1])
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def closable_tablet(playwright: Any, chromium_path: str, server: tuple[Server, LiveServer],
                    tmp_path: Path) -> Iterator[Any]:
    """`open()` gives a page in a browser keeping its profile on disk; it can be closed
    entirely and opened again, as a tablet's browser is."""
    opened: list[Any] = []

    def open_browser() -> Any:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path, args=CHROMIUM_ARGS,
            headless=True, viewport=VIEWPORT, locale="en-GB", base_url=server[1].url)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield open_browser
    for context in opened:
        context.close()


def _register(live: LiveServer, team: Any, session_id: int, problem: str) -> tuple[int, str]:
    with live.session() as session:
        item = intake.register_item(
            session, repair_session_id=session_id, category="lamp", problem=problem,
            actor=_actor(session, team.fixer), now=utc_now(), key=new_key())
        return item.id, current_tag(session, item_id=item.id).code


def _actor(session: Session, username: str) -> Actor:
    return accounts.actor_for(session.exec(select(User).where(User.username == username)).one())


def _online_and_kept(page: Any, paths: list[str]) -> None:
    """Wait until the service worker controls the page, then visit the pages it should keep."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()  # a worker that became active after the page loaded controls the next load
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    for path in paths:
        page.goto(path)
        expect(page.locator("[data-offline-badge]")).to_be_attached()


def _open(page: Any, action: str) -> Any:
    form = page.locator(f'form[action$="/{action}"]')
    page.locator(f'details:has(form[action$="/{action}"]) > summary').click()
    return form


def _events(live: LiveServer, **where: Any) -> list[LifecycleEvent]:
    with live.session() as session:
        query = select(LifecycleEvent).order_by(col(LifecycleEvent.id))
        for name, value in where.items():
            query = query.where(getattr(LifecycleEvent, name) == value)
        return list(session.exec(query).all())


def test_writes_made_offline_survive_a_reload_and_a_closed_browser_and_are_stored_once_in_order(closable_tablet,
                                                                           server):
    running, live = server
    team = make_team(live, "Offline")
    blank = blank_labels(live, team, 1)[0]
    page = closable_tablet()
    sign_in(page, team.fixer)
    open_today(page, team)
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    item_id, _code = _register(live, team, session_id, "Flickers")
    _online_and_kept(page, ["/intake/", f"/bench/{item_id}", "/scan/"])

    running.stop()
    pressed_from = datetime.now(UTC)

    page.goto("/intake/")
    form = page.locator("form[data-offline=intake]")
    form.locator('input[name="category"][value="kettle"]').check(force=True)
    form.locator('input[name="brand"]').fill("Russell Hobbs")
    form.locator('textarea[name="problem"]').fill("Does not heat")
    form.locator("[data-save]").click()
    expect(form.locator("[data-offline-notice=error]")).to_contain_text("pre-printed blank label")
    typo = blank[:3] + ("1" if blank[3] != "1" else "2") + blank[4:]
    form.locator('input[name="tag_code"]').fill(typo)
    form.locator("[data-save]").click()
    expect(form.locator("[data-offline-notice=error]")).to_contain_text("looks like a typo")
    # nothing typed is lost by a refusal
    expect(form.locator('input[name="brand"]')).to_have_value("Russell Hobbs")
    form.locator('input[name="tag_code"]').fill(codes.display(blank).lower())
    form.locator("[data-save]").click()
    expect(page.locator("[data-offline-notice=info]")).to_contain_text("not sent yet")
    expect(page.locator("[data-offline-count]")).to_have_text("1")

    page.goto(f"/bench/{item_id}")
    diagnosis = _open(page, "diagnosis")
    diagnosis.locator('textarea[name="diagnosis"]').fill("Loose wire in the plug")
    diagnosis.locator("button[type=submit]").click()
    expect(page.locator("[data-offline-count]")).to_have_text("2")
    note = _open(page, "note")
    note.locator('textarea[name="internal_note"]').fill("Rewired the plug")
    note.locator("button[type=submit]").click()
    expect(page.locator("[data-offline-count]")).to_have_text("3")

    page.reload()
    badge = page.locator("[data-offline-badge]")
    expect(page.locator("[data-offline-count]")).to_have_text("3")
    expect(badge.locator("[data-offline-status]")).to_be_visible()
    expect(page.locator("[data-offline-entry=pending]")).to_have_count(3)
    page.set_viewport_size({"width": 768, "height": 1024})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "offline-01-queued.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _events(live, item_id=item_id, kind="diagnosed") == []

    # the browser is closed and opened again, still without a network
    page.context.close()
    page = closable_tablet()
    page.goto(f"/bench/{item_id}")
    badge = page.locator("[data-offline-badge]")
    expect(page.locator("[data-offline-count]")).to_have_text("3")
    # the form tokens typed with have long expired by the time the network is back
    page.evaluate("""() => new Promise((resolve, reject) => {
      const opened = indexedDB.open("repaircafe-offline");
      opened.onsuccess = () => {
        const tx = opened.result.transaction("queue", "readwrite");
        const queue = tx.objectStore("queue");
        queue.getAll().onsuccess = (e) => e.target.result.forEach((entry) => {
          entry.fields = entry.fields.map(([k, v]) => [k, k === "csrf_token" ? "expired" : v]);
          queue.put(entry);
        });
        tx.oncomplete = resolve;
        tx.onerror = reject;
      };
    })""")

    back_at = datetime.now(UTC)
    running.start()
    # closing the browser ended the sign-in: the queue waits for the volunteer to sign in again
    expect(page.locator("[data-offline-queue]")).to_contain_text("Sign in again", timeout=30_000)
    assert _events(live, item_id=item_id, kind="diagnosed") == []
    sign_in(page, team.fixer)
    badge = page.locator("[data-offline-badge]")
    # The badge is hidden in the page as served: only the queue's own count says it was sent.
    expect(badge).to_have_attribute("data-offline-pending", "0", timeout=30_000)
    expect(badge).to_be_hidden()

    with live.session() as session:
        tag = session.exec(select(Tag).where(Tag.code == blank)).one()
        new_item = tag.item_id
    registered = _events(live, item_id=new_item)
    diagnosed = _events(live, item_id=item_id, kind="diagnosed")
    notes = _events(live, item_id=item_id, kind="note")
    assert [e.kind for e in registered] == ["registered"]
    assert [e.payload["diagnosis"] for e in diagnosed] == ["Loose wire in the plug"]
    assert [e.internal_note for e in notes] == ["Rewired the plug"]
    sent = [registered[0], diagnosed[0], notes[0]]
    assert [e.id for e in sent] == sorted(e.id for e in sent)
    for event in sent:
        # when Save was pressed, not when the server heard of it
        assert pressed_from <= event.occurred_at <= back_at <= event.recorded_at

    # nothing is sent a second time, whatever the tablet does next
    page.reload()
    page.wait_for_timeout(1500)
    assert len(_events(live, item_id=item_id, kind="diagnosed")) == 1
    assert len(_events(live, item_id=new_item)) == 1


def test_writes_refused_after_sync_say_why_and_lead_back_to_the_object_or_the_form(
        tablet, server):
    running, live = server
    team = make_team(live, "Conflict")
    label = blank_labels(live, team, 1)[0]
    page = tablet
    sign_in(page, team.fixer)
    open_today(page, team)
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    item_id, _code = _register(live, team, session_id, "Hums")
    _online_and_kept(page, [f"/bench/{item_id}", "/intake/"])

    running.stop()
    page.goto(f"/bench/{item_id}")
    diagnosis = _open(page, "diagnosis")
    diagnosis.locator('textarea[name="diagnosis"]').fill("Transformer hums")
    diagnosis.locator("button[type=submit]").click()
    expect(page.locator("[data-offline-count]")).to_have_text("1")
    page.goto("/intake/")
    form = page.locator("form[data-offline=intake]")
    form.locator('input[name="tag_code"]').fill(label)
    form.locator('input[name="brand"]').fill("Bosch")
    form.locator('textarea[name="problem"]').fill("Will not start")
    form.locator("[data-save]").click()
    expect(page.locator("[data-offline-count]")).to_have_text("2")

    # meanwhile another tablet, still online, repaired the object and gave it back, and
    # stuck the same blank label on another object
    with live.session() as session:
        other = _actor(session, team.coordinator)
        repairs.record_repair_attempt(session, item_id=item_id, outcome="fixed", actor=other,
                                      now=utc_now(), key=new_key())
        repairs.hand_over(session, item_id=item_id, to="owner", actor=other, now=utc_now(),
                          key=new_key())
        intake.register_item(session, repair_session_id=session_id, category="fan",
                             tag_code=label, actor=other, now=utc_now(), key=new_key())

    running.start()
    failed = page.locator("[data-offline-entry=failed]")
    expect(failed).to_have_count(2, timeout=30_000)
    for entry in failed.all():
        expect(entry.locator("[data-offline-message]")).not_to_be_empty()
    assert failed.first.locator("[data-offline-place]").get_attribute("href") == f"/bench/{item_id}"
    assert _events(live, item_id=item_id, kind="diagnosed") == []
    expect(page.locator("[data-offline-badge]")).to_have_class(re.compile("has-failed"))
    save_screenshot(page, "offline-02-refused")

    # what was typed at the door comes back in the form, with the reason
    failed.nth(1).locator("[data-offline-place]").click()
    page.wait_for_url("**/intake/?restore=*")
    form = page.locator("form[data-offline=intake]")
    expect(form.locator('input[name="brand"]')).to_have_value("Bosch")
    expect(form.locator('textarea[name="problem"]')).to_have_value("Will not start")
    expect(form.locator("[data-offline-notice=error]")).not_to_be_empty()

    for left in (1, 0):
        page.locator("[data-offline-dismiss]").first.click()
        expect(page.locator("[data-offline-entry=failed]")).to_have_count(left)
    expect(page.locator("[data-offline-queue]")).to_be_hidden()
    expect(page.locator("[data-offline-badge]")).to_be_hidden()


def test_a_code_scanned_offline_is_checked_on_the_tablet(tablet, server):
    running, live = server
    team = make_team(live, "Scan")
    label = blank_labels(live, team, 1)[0]
    page = tablet
    sign_in(page, team.fixer)
    open_today(page, team)
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    item_id, code = _register(live, team, session_id, "Rattles")
    _online_and_kept(page, ["/scan/", f"/bench/{item_id}", "/intake/", f"/board/{session_id}"])

    running.stop()
    try:
        page.goto("/scan/")
        scan = page.locator("[data-scan-form] input[name=code]")
        typo = code[:3] + ("1" if code[3] != "1" else "2") + code[4:]
        scan.fill(typo)
        scan.press("Enter")
        expect(page.locator("[data-scan-result=offline]")).to_contain_text("typo")

        page.locator("[data-scan-form] input[name=code]").fill(codes.display(label))
        page.locator("[data-scan-form] input[name=code]").press("Enter")
        result = page.locator("[data-scan-result=offline]")
        expect(result).to_contain_text("has not seen this label")
        result.get_by_role("link").click()
        page.wait_for_url("**/intake/?code=*")
        expect(page.locator('input[name="tag_code"]')).to_have_value(codes.display(label))

        page.goto("/scan/")
        page.locator("[data-scan-form] input[name=code]").fill(f"{live.url}/I/{code.lower()}")
        page.locator("[data-scan-form] input[name=code]").press("Enter")
        page.wait_for_url(f"**/bench/{item_id}")
        expect(page.locator("[data-offline-badge] [data-offline-status]")).to_be_visible()

        # the board as last seen, and a page never opened here says so instead of an error
        page.goto(f"/board/{session_id}")
        expect(page.locator("[data-offline-badge] [data-offline-status]")).to_be_visible()
        assert page.locator("main").inner_text().strip()
        # a fixer takes the object from the board's queue while offline
        page.locator(f'form[action$="/bench/{item_id}/take"] button').click()
        expect(page.locator("[data-offline-count]")).to_have_text("1")
        response = page.goto("/items/")
        assert response is not None and response.status == 503
        expect(page.locator("main")).to_contain_text("not on this tablet yet")
    finally:
        running.start()
    page.goto("/scan/")
    badge = page.locator("[data-offline-badge]")
    expect(badge).to_have_attribute("data-offline-pending", "0", timeout=30_000)
    expect(badge).to_be_hidden()
    assert [e.kind for e in _events(live, item_id=item_id)] == ["registered", "diagnosed"]

    # signing out takes the kept pages, with owners' details, off the tablet
    page.goto("/scan/")
    assert "repaircafe-pages" in page.evaluate("caches.keys()")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login*")
    for _attempt in range(50):
        if "repaircafe-pages" not in page.evaluate("caches.keys()"):
            break
        page.wait_for_timeout(100)
    assert "repaircafe-pages" not in page.evaluate("caches.keys()")


def _python_parse(text: str) -> dict[str, Any]:
    try:
        return {"code": codes.parse(text)}
    except CheckCharacterError as exc:
        return {"error": "typo", "code": exc.params["code"]}
    except CodeError as exc:
        if "bad" in exc.params:
            return {"error": "invalid", "bad": exc.params["bad"]}
        if "count" in exc.params:
            return {"error": "length", "count": exc.params["count"]}
        return {"error": "empty"}


def _samples() -> list[str]:
    rng = random.Random(20261204)
    samples = ["", "   ", "7K3M-9QXA-2", "https://rc.example.org/I/abcd-efgh-j", "I0L0-oo11-x",
               "12345678", "1234567890", "ABCD*EFG!", "abcd efgh j", "ÄBCD-EFGH-1"]
    for code in codes.new_codes(300):
        samples.append(code)
        position = rng.randrange(9)
        wrong = rng.choice([c for c in codes.ALPHABET if c != code[position]])
        samples.append(code[:position] + wrong + code[position + 1:])
        swap = rng.randrange(8)
        samples.append(code[:swap] + code[swap + 1] + code[swap] + code[swap + 2:])
        samples.append(f"https://rc.example.org/I/{codes.display(code).lower()}?via=qr")
        samples.append(code[:-1])
    return samples


def test_the_tablet_checks_codes_as_the_server_does(page, live_server):
    page.goto(live_server.url + "/login")
    page.add_script_tag(url="/static/js/offline.js")
    samples = _samples()
    in_browser = page.evaluate("texts => texts.map(t => window.repaircafeCodes.parse(t))", samples)
    for text, js in zip(samples, in_browser, strict=True):
        assert js == _python_parse(text), text
    data = [code[:8] for code in codes.new_codes(500)]
    checks = page.evaluate("data => data.map(d => window.repaircafeCodes.checkCharacter(d))", data)
    assert checks == [codes.check_character(d) for d in data]
