"""The municipality's dashboard on a tablet: figures, charts, drill-down, downloads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.models import RepairGroup, RepairSession, Site
from repaircafe.objects.services import repairs
from tests.factories import NOW, make_item

pytestmark = pytest.mark.browser


@pytest.fixture
def reported(live_server):
    """Objects of a second Cardiff group, so the viewer's territory has outcomes to show."""
    world = live_server.world
    with live_server.session() as session:
        existing = session.exec(
            select(RepairGroup).where(RepairGroup.name == "Llandaff Menders")).first()
        if existing is not None:
            return live_server
        group = RepairGroup(name="Llandaff Menders")
        session.add(group)
        session.flush()
        site = Site(name="Llandaff Hall", group_id=group.id, territory_id=world.territory.id)
        session.add(site)
        session.flush()
        cafe = RepairSession(site_id=site.id, held_on=NOW.date(), title="Llandaff Hall")
        session.add(cafe)
        session.commit()
        plan = [("laptop", "fixed"), ("laptop", "fixed"), ("toaster", "end_of_life"),
                ("lamp", "repairable"), ("vacuum", "fixed")]
        for category, outcome in plan:
            item = make_item(session, world, category=category, actor="admin",
                             repair_session=cafe)
            repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                          barrier=1 if outcome == "end_of_life" else None,
                                          actor=world.actor("admin"), now=NOW, key=new_key())
    return live_server


def test_viewer_dashboard_at_tablet_size(page, reported, login, screenshot):
    blocked = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    login(page, "viewer")
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports/")
    page.fill("input[name=period]", "2025")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=2025**")
    expect(page.get_by_role("heading", name="Impact · Cardiff")).to_be_visible()
    figures = page.locator("dl.figures").inner_text()
    assert "Objects received\n8" in figures  # three registered by the world, five here
    assert page.locator("svg.chart rect.o-fixed").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-01-territory")

    page.get_by_role("link", name="Llandaff Hall").click()
    page.wait_for_url("**scope=site**")
    expect(page.get_by_role("heading", name="Impact · Llandaff Hall")).to_be_visible()
    page.locator("svg.bars a").first.click()
    page.wait_for_url("**category=laptop**")
    assert "Objects received\n2" in page.locator("dl.figures").inner_text()
    screenshot(page, "dashboard-02-category")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert blocked == []


def test_dashboard_explains_a_bad_period_and_what_figures_rest_on(page, reported, login,
                                                                  screenshot):
    login(page, "viewer")
    page.goto(f"{reported.url}/reports/?period=2025-13")
    error = page.locator("[data-period-error]")
    expect(error).to_be_visible()
    assert "Unknown period" in error.inner_text()
    assert page.input_value("input[name=period]") == "2025-13"
    assert page.get_attribute("input[name=period]", "aria-invalid") == "true"
    page.fill("input[name=period]", "2025-T2")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=2025-T2**")
    expect(page.locator("[data-period-error]")).to_have_count(0)
    rests_on = page.locator("#disclosures")
    expect(rests_on.get_by_text("Laptop assumed to be Laptop medium")).to_be_visible()
    summary = rests_on.locator("summary")
    assert summary.bounding_box()["height"] >= 44
    summary.click()
    expect(rests_on.get_by_text("even when a weight was measured or estimated")).to_be_visible()
    assert "of known outcomes" in page.locator("dl.figures").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-03-disclosures")
