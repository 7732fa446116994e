"""A coordinator imports the café's Dutch workbook on the tablet: match the columns, mark a
field required, read the dry run's column mapping and notes, import."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.tablet import fits_the_width, make_team
from tests.sheet_files import write_dutch_xlsx

pytestmark = pytest.mark.browser


def _smallest_target(page, selector: str) -> float:
    return float(page.evaluate(
        "s => Math.min(...[...document.querySelectorAll(s)].map("
        "e => Math.min(e.getBoundingClientRect().height, e.getBoundingClientRect().width)))",
        selector))


def test_a_dutch_workbook_from_upload_to_import(page, live_server, tmp_path, screenshot):
    team = make_team(live_server, "Sheets")
    sign_in(page, team.coordinator)
    page.goto("/imports/")
    page.set_input_files('input[name="file"]', str(write_dutch_xlsx(tmp_path / "reparaties.xlsx")))
    page.get_by_role("button", name="Upload and match columns").click()
    expect(page.get_by_role("heading", name="Match columns")).to_be_visible()
    expect(page.get_by_label("Problem")).to_have_value("KLACHT")
    expect(page.get_by_label("Key: the column that identifies a row")).to_be_visible()
    page.get_by_label("Key: the column that identifies a row").select_option("Nr")
    checks = page.locator('label.check:has(input[name="required"])')
    assert checks.count() == 7
    assert _smallest_target(page, 'label.check:has(input[name="required"])') >= 44
    assert fits_the_width(page)
    screenshot(page, "sheets-01-mapping")

    page.get_by_role("button", name="Dry run").click()
    table = page.locator("#column-mapping")
    expect(table.get_by_role("row", name="Weight (kg) ← Gewicht (kg)")).to_be_visible()
    expect(page.get_by_text("Ignored columns: Opmerking")).to_be_visible()
    notes = page.locator("#notes")
    expect(notes.get_by_text("Weight (kg) “ca. 2kg??” dropped, left empty")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "sheets-02-dry-run")

    page.get_by_role("button", name="Import 6 objects").click()
    expect(page.get_by_text("Imported 6 objects.")).to_be_visible()
