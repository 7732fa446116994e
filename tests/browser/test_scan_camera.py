"""Scanning on the tablet: the fake camera with and without a native detector, a USB scanner,
typing with a typo, and a refused camera permission."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.models import ScanLog
from tests.browser.conftest import new_context, sign_in
from tests.browser.tablet import (
    blank_labels,
    fake_camera_video,
    fits_the_width,
    label_url,
    make_team,
)

STAND_IN_DETECTOR = """
window.__detectCalls = 0;
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { this.formats = options.formats; }
  detect(source) {
    window.__detectCalls += 1;
    if (!source || !source.width || this.formats.indexOf("qr_code") < 0) { return Promise.resolve([]); }
    return Promise.resolve([{ rawValue: window.__LABEL_URL, format: "qr_code" }]);
  }
};
"""


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Scanners")


@pytest.fixture(scope="module")
def item_code(live_server, team):
    """A registered object of the team, whose printed label the fake camera films."""
    from repaircafe.core.events import new_key
    from repaircafe.models import RepairSession, utc_now
    from repaircafe.objects.services import intake
    from repaircafe.tags.services.tags import current_tag

    with live_server.session() as session:
        rs = RepairSession(site_id=team.site_id, held_on=utc_now().date().replace(year=2020))
        session.add(rs)
        session.commit()
        item = intake.register_item(session, repair_session_id=rs.id, category="kettle",
                                    brand="Russell Hobbs", actor=live_server.world.actor("admin"),
                                    now=utc_now(), key=new_key())
        return item.id, current_tag(session, item_id=item.id).code


@pytest.fixture(scope="module")
def camera_browser(launch_browser, item_code, tmp_path_factory):
    video = fake_camera_video(tmp_path_factory.mktemp("camera") / "label.y4m",
                              label_url(item_code[1]))
    return launch_browser(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                           f"--use-file-for-fake-video-capture={video}"])


def _camera_page(camera_browser, live_server, team, script):
    context = new_context(camera_browser, live_server)
    context.add_init_script(script)
    page = context.new_page()
    sign_in(page, team.fixer)
    return context, page


def _last_scan(live_server):
    with live_server.session() as session:
        return session.exec(select(ScanLog).order_by(ScanLog.id.desc())).first()


@pytest.mark.parametrize("detector", ["native", "none"])
def test_fake_camera_reads_the_label_and_opens_the_bench(camera_browser, live_server, team,
                                                         item_code, screenshot, detector):
    item_id, code = item_code
    script = (f"window.__LABEL_URL = {label_url(code)!r};" + STAND_IN_DETECTOR
              if detector == "native" else "delete window.BarcodeDetector;")
    context, page = _camera_page(camera_browser, live_server, team, script)
    decode_posts = []
    page.on("request", lambda r: decode_posts.append(r) if r.url.endswith("/scan/decode") else None)
    try:
        page.goto("/scan/")
        screenshot(page, f"scan-01-ready-{detector}")
        assert fits_the_width(page)
        page.get_by_role("button", name="Scan with the camera").click()
        page.wait_for_url(f"**/bench/{item_id}", timeout=15_000)
        expect(page.get_by_text("Russell Hobbs")).to_be_visible()
        if detector == "native":
            assert decode_posts == [], "the native detector decodes on the tablet"
        else:
            assert decode_posts, "without a native detector the server decodes the frames"
            assert all(r.method == "POST" for r in decode_posts)
        log = _last_scan(live_server)
        assert (log.code, log.result, log.channel) == (code, "item", "camera")
    finally:
        context.close()


def test_camera_view_while_looking(camera_browser, live_server, team, screenshot):
    """The live view with its aiming square, taken before anything is read."""
    context, page = _camera_page(camera_browser, live_server, team,
                                 "delete window.BarcodeDetector;")
    page.route("**/scan/decode", lambda route: route.fulfill(json={"text": None}))
    try:
        page.goto("/scan/")
        page.get_by_role("button", name="Scan with the camera").click()
        page.wait_for_selector("[data-camera-view]:not([hidden])")
        page.wait_for_function("document.querySelector('video').videoWidth > 0")
        expect(page.get_by_text("Hold the label in the square.")).to_be_visible()
        assert page.locator("[data-scanner]").get_attribute("data-decoder") == "server"
        screenshot(page, "scan-02-camera-live")
        page.get_by_role("button", name="Stop camera").click()
        expect(page.get_by_role("button", name="Scan with the camera")).to_be_visible()
    finally:
        context.close()


def test_refused_camera_permission_says_what_to_do(browser, live_server, team, screenshot):
    context = new_context(browser, live_server)
    context.add_init_script("""navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException("Permission denied", "NotAllowedError"));""")
    page = context.new_page()
    try:
        sign_in(page, team.fixer)
        page.goto("/scan/")
        page.get_by_role("button", name="Scan with the camera").click()
        expect(page.get_by_text("Camera access was refused")).to_be_visible()
        assert page.get_by_label("Code or label address").is_visible()
        screenshot(page, "scan-03-camera-refused")
    finally:
        context.close()


def test_usb_scanner_typing_the_label_url_and_enter(page, live_server, team, item_code):
    item_id, code = item_code
    sign_in(page, team.fixer)
    page.goto("/scan/")
    page.keyboard.type(label_url(code.lower()), delay=5)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bench/{item_id}")
    log = _last_scan(live_server)
    assert (log.result, log.channel) == ("item", "scanner")


def test_typed_code_with_a_typo_and_a_blank_label(page, live_server, team, item_code,
                                                  screenshot):
    _item_id, code = item_code
    sign_in(page, team.fixer)
    page.goto("/scan/")
    wrong = code[:4] + ("1" if code[4] != "1" else "2") + code[5:]
    field = page.get_by_label("Code or label address")
    field.click()
    field.type(f"{wrong[:4]}-{wrong[4:8]}-{wrong[8:]}".lower(), delay=60)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-scan-result=typo]")
    expect(page.get_by_role("heading", name="This looks like a typo")).to_be_visible()
    log = _last_scan(live_server)
    assert (log.result, log.channel) == ("typo", "typed")
    screenshot(page, "scan-04-typo")

    blank = blank_labels(live_server, team, 1)[0]
    field = page.get_by_label("Code or label address")
    field.fill(blank)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-scan-result=blank]")
    expect(page.get_by_role("link", name="Register a new object with this label")).to_be_visible()
    screenshot(page, "scan-05-blank")
    assert fits_the_width(page)
