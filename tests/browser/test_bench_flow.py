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
    expect(page.locator("dl.facts").get_by_text("Flickers when touched")).to_be_visible()
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

    # once it went home, only what still fits is offered
    expect(page.locator("#attempt")).to_have_count(0)
    expect(page.locator("#diagnosis")).to_have_count(0)
    expect(page.locator("#handover")).to_have_count(0)

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


def in_view(locator) -> bool:
    """Whether the element is inside the visible part of the page."""
    return bool(locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }"))


def test_a_refused_save_keeps_everything_typed_and_shows_why_in_view(page, live_server, team,
                                                                      screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    code = _register(page, "Dualit")
    page.goto(f"/scan/?code={code}")
    page.wait_for_url("**/bench/*")

    page.get_by_text("Repair attempt", exact=True).click()
    page.locator("label.o-repairable").click()
    page.get_by_label("Next steps (Repairable only)").select_option("owner_buys_part")
    page.get_by_label("Minutes spent").fill("700")
    page.locator("#attempt label.choice").filter(has_text="Yes").click()
    page.get_by_label("Where the part comes from").select_option("owner")
    page.get_by_label("Repair information used (link, optional)").fill(
        "https://www.ifixit.com/Guide/Toaster")
    page.get_by_label("What was done (public)").fill("Cleaned the lever catch")
    page.get_by_label("Notes for fixers (never public)").fill("Spring 12 mm needed")
    entries = page.locator("#history li.event").count()
    page.get_by_role("button", name="Save repair attempt").click()

    error = page.locator("#error-attempt-minutes")
    expect(error).to_have_text("Minutes must be between 0 and 600.")
    assert in_view(error)
    minutes = page.get_by_label("Minutes spent")
    expect(minutes).to_be_focused()
    expect(minutes).to_have_value("700")
    expect(page.locator("#attempt")).to_have_attribute("open", "")
    assert page.locator('input[name="outcome"][value="repairable"]').is_checked()
    expect(page.get_by_label("Next steps (Repairable only)")).to_have_value("owner_buys_part")
    expect(page.get_by_label("Where the part comes from")).to_have_value("owner")
    expect(page.get_by_label("What was done (public)")).to_have_value("Cleaned the lever catch")
    expect(page.get_by_label("Notes for fixers (never public)")).to_have_value(
        "Spring 12 mm needed")
    assert page.locator("#history li.event").count() == entries
    screenshot(page, "bench-05-refused-in-view")
    assert fits_the_width(page)

    minutes.fill("35")
    page.get_by_role("button", name="Save repair attempt").click()
    saved = page.locator("[data-saved]")
    expect(saved).to_contain_text("Repair attempt saved.")
    assert in_view(saved)
    entry = page.locator("li.k-repair_attempted")
    expect(entry).to_contain_text("Spare parts needed (ordered by the owner)")
    expect(entry).to_contain_text("Next steps: the owner buys a part")
    assert in_view(entry.locator(".what"))
    screenshot(page, "bench-06-saved-in-view")


def test_a_corrected_intake_shows_in_the_history(page, live_server, team, screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    page.goto("/intake/")
    page.get_by_text("Lamp", exact=True).click()
    page.get_by_label("Brand").fill("Ikae")
    page.get_by_label("Weight (kg, optional)").fill("4,9")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/intake/done/*")
    code = page.locator("[data-code]").inner_text()
    page.goto(f"/scan/?code={code}")
    page.wait_for_url("**/bench/*")

    page.get_by_role("link", name="Correct the intake details").click()
    page.wait_for_url("**/intake")
    form = page.locator("[data-intake-correction]")
    form.get_by_label("Category").select_option("kettle")
    form.get_by_label("Brand").fill("Ikea")
    form.get_by_label("Weight (kg, optional)").fill("0,49")
    form.get_by_label("What was wrong").fill("Wrong tile and a misplaced comma")
    form.get_by_role("button", name="Record the correction").click()

    correction = page.locator("li.k-correction")
    expect(correction).to_contain_text("Intake details corrected")
    expect(correction.locator("del").first).to_have_text("Lamp")
    expect(correction.locator("ins").first).to_have_text("Kettle")
    expect(correction).to_contain_text("Wrong tile and a misplaced comma")
    expect(page.locator("li.k-registered")).to_have_count(1)
    expect(page.locator("li.k-registered.corrected")).to_have_count(0)  # not struck through
    expect(page.locator(".item-head h1")).to_have_text("Kettle")
    assert in_view(page.locator("[data-saved]"))
    screenshot(page, "bench-07-intake-corrected")
    assert fits_the_width(page)

