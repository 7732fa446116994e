"""At the bench: from a scan to the history, diagnosis, outcome with barrier, a refusal,
a new label and a correction."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.tablet import fits_the_width, make_team, open_today


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Bench")


def _register(page, brand):
    page.goto("/intake/")
    page.get_by_text("Lamp", exact=True).click()
    page.get_by_label("Brand").fill(brand)
    page.get_by_label("Problem").fill("Flickers when touched")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/intake/done/*")
    return page.locator("[data-code]").inner_text()


def test_fixer_records_a_visit_from_a_scan(page, live_server, team, screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    code = _register(page, "Anglepoise")

    page.goto("/scan/")
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")
    page.wait_for_url("**/bench/*")
    expect(page.get_by_text("Flickers when touched")).to_be_visible()
    screenshot(page, "bench-01-arrived")
    assert fits_the_width(page)

    page.get_by_text("Diagnosis", exact=True).click()
    page.get_by_label("What did you find?").fill("Cracked lamp holder")
    page.get_by_role("button", name="Save diagnosis").click()
    expect(page.get_by_text("Diagnosis saved.")).to_be_visible()
    assert page.locator("[data-state]").inner_text() == "At the bench"

    page.get_by_text("Repair attempt", exact=True).click()
    barrier = page.get_by_label("Barrier (End of life only)")
    expect(barrier).not_to_be_visible()
    page.locator("label.o-end_of_life").click()
    expect(barrier).to_be_visible()
    barrier.select_option("1")
    page.get_by_label("Minutes spent").fill("25")
    page.get_by_label("What was done (public)").fill("No spare holder to be found")
    screenshot(page, "bench-02-attempt-form")
    page.get_by_role("button", name="Save repair attempt").click()
    expect(page.get_by_text("Repair attempt saved.")).to_be_visible()
    history = page.locator("#history")
    expect(history.get_by_text("End of life").first).to_be_visible()
    expect(history.locator("li.k-repair_attempted .what").get_by_text("Spare parts not available")).to_be_visible()

    page.get_by_text("Hand back to the owner", exact=True).click()
    page.get_by_role("button", name="Hand over").click()
    expect(page.get_by_text("Hand-over recorded.")).to_be_visible()

    # an impossible action is refused with its reason and the history does not grow
    entries = history.locator("li.event").count()
    page.get_by_text("Repair attempt", exact=True).click()
    page.locator("label.o-fixed").click()
    page.get_by_role("button", name="Save repair attempt").click()
    expect(page.get_by_text("Cannot record a repair attempt")).to_be_visible()
    assert page.locator("#history li.event").count() == entries
    screenshot(page, "bench-03-refused")

    page.get_by_text("Replace a damaged label", exact=True).click()
    page.get_by_role("button", name="Replace label").click()
    expect(page.get_by_text("New label linked; the old one is retired.")).to_be_visible()
    expect(page.locator("#history").get_by_text(f"Label replaced: {code}")).to_be_visible()

    attempt = page.locator("li.k-repair_attempted")
    attempt.get_by_text("Correct a mistake").click()
    attempt.get_by_label("Correct outcome").select_option("repairable")
    attempt.get_by_label("What was wrong").fill("Holder was ordered after all")
    attempt.get_by_role("button", name="Record the correction").click()
    expect(page.get_by_text("Correction recorded.")).to_be_visible()
    assert page.locator("li.k-repair_attempted.corrected").count() == 1
    expect(page.locator("li.k-correction").get_by_text("Repairable")).to_be_visible()
    screenshot(page, "bench-04-history")
    assert fits_the_width(page)
