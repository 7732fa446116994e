"""Label sheets in the browser: a printer profile, blank labels previewed then downloaded once,
and a fixer printing one label on a roll."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import func, select

from labels import label_positions, load_layout
from repaircafe.models import PrinterProfile, Tag
from tests.labels.support import decode_label, rasterise


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _image_loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def _issued(live_server) -> int:
    with live_server.session() as session:
        return session.exec(select(func.count()).select_from(Tag).where(Tag.status == "issued")).one()


def test_blank_sheet_with_printer_profile(page, live_server, login, screenshot):
    login(page, "coordinator")
    page.get_by_role("navigation").get_by_role("link", name="Labels").click()
    page.wait_for_url("**/labels/")
    page.get_by_role("link", name="Printer profiles").click()
    form = page.locator("form[action$='/printers/']")
    form.get_by_label("Name").fill("Office laser")
    form.get_by_label("Layout").select_option("avery_l7160")
    form.get_by_label("Offset x (mm)").fill("0,6")
    form.get_by_role("button", name="Add printer").click()
    expect(page.get_by_text("x 0.6 mm")).to_be_visible()
    expect(page.get_by_role("link", name="Print calibration page")).to_be_visible()
    screenshot(page, "labels-01-printers")
    assert _fits_the_width(page)
    with live_server.session() as session:
        profile = session.exec(select(PrinterProfile).where(PrinterProfile.name == "Office laser")).one()

    page.get_by_role("link", name="Label sheets").click()
    blank = page.locator("form[action$='/labels/blank']")
    blank.get_by_label("Printer").select_option(str(profile.id))
    assert blank.get_by_label("Layout").is_disabled()
    assert blank.get_by_label("Layout").input_value() == "avery_l7160"
    blank.get_by_label("How many labels").fill("5")
    blank.get_by_label("Start at label").fill("4")
    screenshot(page, "labels-02-sheets")
    assert _fits_the_width(page)
    before = _issued(live_server)
    blank.get_by_role("button", name="Issue codes and preview").click()
    page.wait_for_url("**/labels/batches/*")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="5 blank labels")).to_be_visible()
    assert _image_loaded(page, "figure.preview img")
    screenshot(page, "labels-03-preview")
    assert _fits_the_width(page)
    assert _issued(live_server) == before + 5

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    page.reload()
    assert _issued(live_server) == before + 5, "previewing and downloading issue nothing more"

    with live_server.session() as session:
        codes = [t.code for t in session.exec(select(Tag).order_by(Tag.id.desc()).limit(5)).all()]
    pages = rasterise(pdf)
    boxes = label_positions(load_layout("avery_l7160"), 5, 4, (0.6, 0.0))
    found = [text for box in boxes for text, _, _ in decode_label(pages[box.page], box)]
    assert found == [f"{live_server.url.upper()}/I/{code}" for code in reversed(codes)]


def test_fixer_prints_one_roll_label(page, live_server, login, screenshot):
    item = live_server.items[1]
    login(page, "fixer")
    assert page.get_by_role("navigation").get_by_role("link", name="Labels").count() == 0
    page.goto(f"/labels/item/{item.id}")
    if page.get_by_label("Printer").input_value():
        with page.expect_navigation():
            page.get_by_label("Printer").select_option("")
    with page.expect_navigation():
        page.get_by_label("Layout").select_option("brother_ql_29")
    page.wait_for_load_state("networkidle")
    assert "layout=brother_ql_29" in page.url, "choosing a layout shows its preview at once"
    assert page.get_by_label("Start at label").is_hidden(), "a roll has no start position"
    assert _image_loaded(page, "figure.preview img")
    screenshot(page, "labels-04-single-roll")
    assert _fits_the_width(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pages = rasterise(Path(download.value.path()).read_bytes())
    box = label_positions(load_layout("brother_ql_29"), 1)[0]
    assert [t for t, _, _ in decode_label(pages[0], box)] == [
        f"{live_server.url.upper()}/I/{live_server.codes[item.id]}"
    ]
