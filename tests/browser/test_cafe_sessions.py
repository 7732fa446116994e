"""A coordinator on a tablet: plans a session, types in a past one from its paper sheet, counts
who came, and opens the summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.models import Item, RepairSession, utc_now
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.tablet import fits_the_width, make_team

TARGETS = ", ".join(f"main {target}" for target in (
    "a.btn", "button", "input:not([type=hidden])", "select", "textarea"))


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Sessions")


def small_targets(page):
    """Visible buttons, links styled as buttons and fields shorter than 44 px."""
    return page.evaluate(f"""() => [...document.querySelectorAll("{TARGETS}")]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML.slice(0, 80))""")


def check_tablet_layout(page):
    assert fits_the_width(page), f"{page.url} scrolls sideways"
    assert small_targets(page) == [], page.url


def plan(page, day, title, opens="", closes=""):
    page.goto("/sessions/")
    page.get_by_role("link", name="Plan a session").click()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Title (optional)").fill(title)
    if opens:
        page.get_by_label("Opens at").fill(opens)
        page.get_by_label("Closes at").fill(closes)
    check_tablet_layout(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/sessions/*")
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def fill_row(page, index, *, category, brand, model, problem, weight, outcome, barrier=""):
    row = page.locator(f'[data-row="{index}"]')
    row.get_by_label("Category").select_option(label=category)
    row.get_by_placeholder("Brand").fill(brand)
    row.get_by_placeholder("Model").fill(model)
    row.get_by_label("Problem").fill(problem)
    row.get_by_label("Weight (kg, optional)").fill(weight)
    row.get_by_label("Outcome").select_option(label=outcome)
    if barrier:
        row.get_by_label("Barrier (end of life only)").select_option(label=barrier)


def test_plan_back_fill_attendance_and_summary(page, live_server, team, screenshot):
    today = utc_now().date()
    sign_in(page, team.coordinator)
    plan(page, today + timedelta(days=14), "Winter repair café", "14:00", "17:00")
    plan(page, today - timedelta(days=5), "Library café (paper sheet)", "10:00", "13:00")
    past_url = page.url

    page.goto("/sessions/")
    upcoming = page.locator("[data-sessions]").first
    expect(upcoming.get_by_text("Winter repair café")).to_be_visible()
    expect(upcoming.get_by_text("14:00–17:00")).to_be_visible()
    check_tablet_layout(page)

    # Two objects from the paper sheet; the first try has a weight nobody can read.
    page.goto(past_url)
    page.get_by_role("link", name="Enter objects from the paper sheet").click()
    fill_row(page, 0, category="Kettle", brand="Russell Hobbs", model="Luna",
             problem="Does not heat", weight="1.3", outcome="Fixed")
    fill_row(page, 1, category="Toaster", brand="Dualit", model="Classic",
             problem="Element broken", weight="3,4 kilos", outcome="End of life",
             barrier="Spare parts not available")
    check_tablet_layout(page)
    page.get_by_role("button", name="Save the objects").click()
    expect(page.locator("[data-form-error]")).to_contain_text("1 saved, 1 refused")
    refused = page.locator('[data-row="1"]')
    expect(refused.locator("[data-row-error]")).to_contain_text("is not a weight")
    expect(refused.get_by_placeholder("Brand")).to_have_value("Dualit")
    expect(page.locator('[data-row="0"] [data-saved-code]')).not_to_be_empty()
    check_tablet_layout(page)
    screenshot(page, "sessions-03-paper-sheet-refused")
    refused.get_by_label("Weight (kg, optional)").fill("3.4")
    page.get_by_role("button", name="Save the objects").click()
    page.wait_for_url(past_url)
    objects = page.locator("[data-session-objects]")
    expect(objects.get_by_text("Russell Hobbs")).to_be_visible()
    expect(objects.get_by_text("Dualit")).to_be_visible()

    # Attendance: nobody counted the volunteers' hours.
    expect(page.locator("[data-attendance]")).to_contain_text("not recorded")
    page.get_by_role("link", name="Attendance").click()
    page.get_by_label("Visitors").fill("23")
    page.get_by_label("Volunteers", exact=True).fill("6")
    page.get_by_label("Notes").fill("Heavy rain; fewer visitors than usual.")
    check_tablet_layout(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(past_url)
    facts = page.locator("[data-attendance]")
    expect(facts).to_contain_text("23")
    expect(facts).to_contain_text("not recorded")
    check_tablet_layout(page)
    screenshot(page, "sessions-04-session")

    page.goto("/sessions/")
    past_row = page.locator("[data-sessions]").nth(1)
    expect(past_row.get_by_text("Library café (paper sheet)")).to_be_visible()
    expect(past_row.get_by_text("2 objects")).to_be_visible()
    screenshot(page, "sessions-01-list")
    page.goto(past_url)

    page.get_by_role("link", name="Summary").click()
    expect(page.locator('[data-figure="objects"]')).to_have_text("2")
    expect(page.locator('[data-figure="fixed"]')).to_have_text("1")
    expect(page.locator('[data-outcome="end_of_life"]')).to_contain_text("End of life")
    check_tablet_layout(page)
    screenshot(page, "sessions-02-summary")
    pdf = page.request.get(page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "session-summary.pdf").write_bytes(pdf.body())

    with live_server.session() as session:
        past = session.exec(select(RepairSession).where(
            RepairSession.title == "Library café (paper sheet)")).one()
        assert (past.visitors, past.volunteers, past.volunteer_hours) == (23, 6, None)
        brands = session.exec(select(Item.brand).where(Item.current_session_id == past.id)).all()
        assert sorted(brands) == ["Dualit", "Russell Hobbs"]
