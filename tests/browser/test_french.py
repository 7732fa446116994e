"""A French browser gets French pages; the switch in the footer changes the language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context

pytestmark = pytest.mark.browser


def test_public_passport_in_french(browser, live_server, screenshot):
    context = new_context(browser, live_server, locale="fr-FR")
    page = context.new_page()
    try:
        kettle = live_server.items[0]
        page.goto(f"/I/{live_server.codes[kettle.id]}")
        assert page.locator("html").get_attribute("lang") == "fr"
        expect(page.get_by_role("heading", name="Bouilloire")).to_be_visible()
        expect(page.get_by_role("heading", name="Son histoire")).to_be_visible()
        story = page.locator("ol.history").inner_text()
        assert "Apporté au Repair Café" in story
        assert re.search(r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
                         r"octobre|novembre|décembre) \d{4}", story), story
        assert "Sources des données et licence" in page.locator("footer").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "french-01-public-passport")
    finally:
        context.close()


def test_footer_switch_changes_the_language(page, live_server, login, screenshot):
    """The page context is an English (en-GB) browser: the switch overrides it, both ways."""
    login(page, "fixer")
    expect(page.get_by_role("heading", name="Hello, Fixer")).to_be_visible()
    page.locator("footer").get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Bonjour, Fixer")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "french-02-home-after-switch")
    page.get_by_role("navigation").get_by_role("link", name="Objets").click()
    page.wait_for_url("**/items/")
    assert page.get_by_role("button", name="Se déconnecter").is_visible() or \
        page.get_by_role("link", name="Se déconnecter").is_visible()
    page.locator("footer").get_by_role("button", name="English").click()
    page.wait_for_url("**/items/")
    assert page.locator("html").get_attribute("lang") == "en"
