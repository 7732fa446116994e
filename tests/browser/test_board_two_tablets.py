"""Two tablets on one session: the board follows within seconds, and racing actions on the
same object end with one event and one readable refusal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context, sign_in
from tests.browser.tablet import fits_the_width, make_team, open_today


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Board")


def test_action_on_tablet_a_shows_on_tablet_b(browser, live_server, team, screenshot):
    door, bench = new_context(browser, live_server), new_context(browser, live_server)
    try:
        a, b = door.new_page(), bench.new_page()
        sign_in(a, team.fixer)
        sign_in(b, team.coordinator)
        open_today(a, team)
        open_today(b, team)
        waiting = b.locator('[data-count="waiting"]')
        before = int(waiting.inner_text())

        a.goto("/intake/")
        a.get_by_text("Kettle", exact=True).click()
        a.get_by_label("Brand").fill("Swan")
        a.get_by_role("button", name="Save").click()
        a.wait_for_url("**/intake/done/*")

        card = b.locator('[data-cards="waiting"]').get_by_text("Swan")
        card.wait_for(timeout=6_000)          # no reload on tablet B
        assert int(waiting.inner_text()) == before + 1
        screenshot(b, "board-01-tablet-b")
        assert fits_the_width(b)

        a.get_by_role("link", name="Open at the bench").click()
        a.get_by_text("Diagnosis", exact=True).click()
        a.get_by_label("What did you find?").fill("Scale on the element")
        a.get_by_role("button", name="Save diagnosis").click()
        b.locator('[data-cards="at_bench"]').get_by_text("Swan").wait_for(timeout=6_000)
        assert b.locator('[data-cards="waiting"]').get_by_text("Swan").count() == 0

        # both tablets open the object, mark it fixed... then both hand it back at once
        b.locator('[data-cards="at_bench"]').get_by_text("Swan").click()
        b.wait_for_url("**/bench/*")
        a.get_by_text("Repair attempt", exact=True).click()
        a.locator("label.o-fixed").click()
        a.get_by_role("button", name="Save repair attempt").click()
        a.get_by_text("Hand back to the owner", exact=True).click()
        b.get_by_text("Hand back to the owner", exact=True).click()
        a.get_by_role("button", name="Hand over").click()
        expect(a.get_by_text("Hand-over recorded.")).to_be_visible()
        b.get_by_role("button", name="Hand over").click()
        expect(b.get_by_text("Cannot hand it over")).to_be_visible()
        assert b.locator("#history li.k-handed_over").count() == 1
        screenshot(b, "board-02-refused-on-tablet-b")
    finally:
        door.close()
        bench.close()
