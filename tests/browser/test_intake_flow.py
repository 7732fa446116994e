"""Intake at the door: a blank label scanned, then a new object in a handful of taps."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.models import Item, Tag
from tests.browser.conftest import sign_in
from tests.browser.tablet import blank_labels, fits_the_width, make_team, open_today

MAX_TAPS = 8


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Intake")


class Taps:
    """Counts what a volunteer touches; typing into a field counts the tap that focuses it."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator):
        self.count += 1
        locator.click()

    def type_into(self, locator, text):
        self.tap(locator)
        locator.press_sequentially(text, delay=5)


def test_typical_object_in_at_most_eight_taps(page, live_server, team, screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    code = blank_labels(live_server, team, 1)[0]
    page.goto("/scan/")
    taps = Taps(page)
    started = time.monotonic()

    page.keyboard.type(code, delay=5)          # the USB scanner types the blank label
    page.keyboard.press("Enter")
    taps.tap(page.get_by_role("link", name="Register a new object with this label"))
    page.wait_for_url("**/intake/**")
    assert page.get_by_label("Label").input_value().replace("-", "") == code
    screenshot(page, "intake-01-form")
    assert fits_the_width(page)
    taps.tap(page.get_by_text("Toaster", exact=True))
    taps.type_into(page.get_by_label("Brand"), "Breville")
    taps.type_into(page.get_by_label("Model"), "VTT")
    taps.type_into(page.get_by_label("Problem"), "Lever will not stay down")
    taps.type_into(page.get_by_label("Weight (kg, optional)"), "1,8")
    taps.tap(page.get_by_role("button", name="Save"))
    page.wait_for_url("**/intake/done/*")
    elapsed = time.monotonic() - started

    assert taps.count <= MAX_TAPS, f"{taps.count} taps"
    assert elapsed < 30
    expect(page.get_by_text("Registered. It is on the board as waiting.")).to_be_visible()
    screenshot(page, "intake-02-done")
    assert fits_the_width(page)
    with live_server.session() as session:
        item = session.exec(select(Item).join(Tag, Tag.item_id == Item.id)
                            .where(Tag.code == code)).one()
        assert (item.brand, item.model, item.weight_kg, item.state) == (
            "Breville", "VTT", 1.8, "registered")

    page.goto("/board/")
    expect(page.locator('[data-cards="waiting"]').get_by_text("Breville")).to_be_visible()


def test_refused_weight_keeps_the_form_and_suggestions_help(page, live_server, team, screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    page.goto("/intake/")
    page.get_by_text("Kettle", exact=True).click()
    page.get_by_label("Brand").fill("Breville")
    page.get_by_label("Weight (kg, optional)").fill("2000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("please check the weight")).to_be_visible()
    assert page.get_by_label("Brand").input_value() == "Breville"
    assert page.locator('input[name="category"][value="kettle"]').is_checked()
    screenshot(page, "intake-03-refused-weight")
    # the model list now offers what was recorded for this brand before
    page.get_by_label("Model").focus()
    page.wait_for_selector("#model-list option", state="attached")
    assert page.locator("#model-list option").first.get_attribute("value") == "VTT"
    # the long tail of categories is searchable
    page.get_by_text("Other categories").click()
    page.get_by_placeholder("Search categories").fill("sew")
    expect(page.get_by_text("Sewing machine", exact=True)).to_be_visible()
    expect(page.locator('[data-category-name="aircon/dehumidifier"]')).not_to_be_visible()
    screenshot(page, "intake-04-more-categories")
