"""A volunteer's first minute on the tablet: sign in, home, the object list, one object."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _fits_the_width(page) -> bool:
    """No horizontal scrolling at tablet width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_in_home_list_and_object_page(page, live_server, login, screenshot):
    page.goto("/")
    assert page.url.startswith(f"{live_server.url}/login")
    screenshot(page, "smoke-01-login")
    assert _fits_the_width(page)

    login(page, "fixer")
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", name="Hello, Fixer")).to_be_visible()
    screenshot(page, "smoke-02-home")
    assert _fits_the_width(page)

    page.get_by_role("navigation").get_by_role("link", name="Objects").click()
    page.wait_for_url("**/items/")
    rows = page.locator("a.row")
    assert rows.count() == 3, "the fixer sees the three objects of their own group"
    assert page.get_by_text("Roberts").count() == 0
    screenshot(page, "smoke-03-items")
    assert _fits_the_width(page)

    kettle = live_server.items[0]
    page.get_by_role("link", name="Morphy Richards").click()
    page.wait_for_url(f"**/items/{kettle.id}")
    expect(page.get_by_text("Does not switch off when it boils")).to_be_visible()
    screenshot(page, "smoke-04-item")
    assert _fits_the_width(page)


def test_search_finds_an_object_by_brand(page, login):
    login(page, "coordinator")
    page.goto("/items/")
    page.get_by_role("searchbox").fill("dualit")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/items/?q=dualit*")
    assert page.locator("a.row").count() == 1
    expect(page.locator("a.row").get_by_text("Dualit")).to_be_visible()


def test_sign_out_returns_to_the_sign_in_page(page, login):
    login(page, "viewer")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/items/")
    assert "/login" in page.url


def test_no_console_errors_or_blocked_resources(page, live_server, login):
    """The CSP forbids inline code; a page that breaks it shows up as a console error here."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "admin")
    for path in ("/", "/items/", f"/items/{live_server.items[1].id}",
                 f"/I/{live_server.codes[live_server.items[1].id]}"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert problems == []
