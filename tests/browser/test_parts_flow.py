"""On the tablet: harvest parts from a donor, fit one into another object, recycle the rest."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.accounts.services import accounts
from repaircafe.board.services import repair_sessions
from repaircafe.core.events import new_key
from repaircafe.models import Part, utc_now
from repaircafe.objects.services import intake, repairs
from repaircafe.parts.services import stock
from repaircafe.parts.services.stock import code_of
from repaircafe.recycling.services import recycling
from tests.browser.conftest import sign_in
from tests.browser.tablet import blank_labels, fits_the_width, make_team


@pytest.fixture(scope="module")
def shop(live_server):
    """A team with a donor at end of life, a broken vacuum, two bins and a recycler."""
    team = make_team(live_server, "Parts")
    now = utc_now()
    with live_server.session() as session:
        from repaircafe.models import User
        user = session.exec(select(User).where(User.username == team.fixer)).one()
        who = accounts.actor_for(user)
        today = repair_sessions.open_session(session, site_id=team.site_id, day=now.date(),
                                             now=now)

        def register(model, weight, donor=False):
            return intake.register_item(session, repair_session_id=today.id, category="vacuum",
                                        brand="Philips", model=model, weight=weight,
                                        is_donor=donor, actor=who, now=now, key=new_key())

        donor, recipient = register("FC8760", 6.0, donor=True), register("FC8761", 6.5)
        repairs.record_repair_attempt(session, item_id=donor.id, outcome="end_of_life",
                                      barrier=6, actor=who, now=now, key=new_key())
        for name in ("Belts and drives", "Motors"):
            stock.create_bin(session, name=name, group_id=team.group_id, site_id=team.site_id,
                             actor=who, now=now)
        recycling.add_recycler(session, territory_id=live_server.world.other_territory.id,
                               name="Tawe WEEE Recycling", permit_number="EPR/SW7720LM",
                               weee_categories="2,5,6", actor=who)
        return {"team": team, "donor": donor.id, "recipient": recipient.id}


def test_harvest_install_and_recycle_at_tablet_size(page, live_server, shop, screenshot):
    sign_in(page, shop["team"].fixer)
    page.goto(f"/items/{shop['donor']}")
    page.get_by_role("link", name="Harvest parts").click()
    page.wait_for_url("**/parts/harvest/*")
    first, second = page.locator("#part-0"), page.locator("#part-1")
    first.get_by_label("Name").fill("Drive belt 5 mm")
    first.get_by_label("Part type").fill("belt")
    first.get_by_label("Weight (kg)").fill("0,05")
    first.locator("label.choice", has_text="Tested, works").click()
    first.locator("select[name^=bin_]").select_option(label="Belts and drives")
    second.get_by_label("Name").fill("Suction motor")
    second.get_by_label("Weight (kg)").fill("1.6")
    second.locator("select[name^=bin_]").select_option(label="Motors")
    assert fits_the_width(page)
    screenshot(page, "parts-01-harvest-form")
    page.get_by_role("button", name="Save parts").click()
    expect(page.get_by_text("2 parts taken and put in stock.")).to_be_visible()
    expect(page.locator(".lineage").get_by_text("Drive belt 5 mm")).to_be_visible()
    expect(page.locator(".f-stock").get_by_text("1.65 kg")).to_be_visible()
    screenshot(page, "parts-02-donor-harvested")

    with live_server.session() as session:
        belt = session.exec(select(Part).where(Part.donor_item_id == shop["donor"],
                                               Part.name == "Drive belt 5 mm")).one()
        belt_code = code_of(session, part_id=belt.id)

    page.goto(f"/items/{shop['recipient']}")
    page.get_by_role("link", name="Install a part").click()
    page.wait_for_url("**/parts/install/*")
    expect(page.locator(".parts").get_by_text("Drive belt 5 mm")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "parts-03-install")
    page.locator("#part_code").fill(belt_code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{shop['recipient']}*")
    expect(page.get_by_text("Part installed.")).to_be_visible()
    received = page.locator(".lineage li", has_text="Received")
    expect(received.get_by_text("Drive belt 5 mm")).to_be_visible()
    screenshot(page, "parts-04-recipient")

    page.goto(f"/parts/install/{shop['recipient']}")
    page.locator("#part_code").fill(belt_code)
    page.get_by_role("button", name="Install", exact=True).first.click()
    refusal = page.locator(".flash.error")
    assert "already installed" in refusal.inner_text()
    screenshot(page, "parts-05-refused")

    page.goto(f"/items/{shop['donor']}")
    page.get_by_role("link", name="Recycle").click()
    page.wait_for_url("**/recycling/item/*")
    expect(page.get_by_text("4.35 kg to recycle")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "parts-06-recycle-form")
    page.get_by_role("button", name="Recycle").click()
    expect(page.get_by_text("Recycled.")).to_be_visible()
    expect(page.locator(".f-recycled").get_by_text("4.35 kg")).to_be_visible()

    page.goto("/recycling/")
    page.get_by_role("button", name="Open a batch").click()
    page.wait_for_url("**/recycling/batches/*")
    page.get_by_role("button", name="Add the ticked ones").click()
    expect(page.get_by_text("1 added to the batch.")).to_be_visible()
    page.get_by_label("Ticket number").fill("WT-0042")
    page.get_by_label("Weighed (kg)").fill("4.4")
    page.get_by_role("button", name="Close batch").click()
    expect(page.get_by_text("Batch closed.")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "parts-07-batch-closed")
    note = page.get_by_role("link", name="Transfer note (PDF)").get_attribute("href")
    response = page.request.get(note)
    assert response.ok and response.body().startswith(b"%PDF")

    page.goto("/stock/?q=motor+philips")
    expect(page.locator(".parts").get_by_text("Suction motor")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "parts-08-stock-search")
    page.locator(".parts a.row", has_text="Suction motor").click()
    page.wait_for_url("**/parts/*")
    expect(page.locator(".chain").get_by_text("Philips FC8760")).to_be_visible()
    assert fits_the_width(page)
    screenshot(page, "parts-09-part-page")


@pytest.fixture(scope="module")
def bench_shop(live_server):
    """A second donor and recipient for the bench flow, a bin with a label, blank labels."""
    team = make_team(live_server, "Bench parts")
    now = utc_now()
    with live_server.session() as session:
        from repaircafe.models import User
        user = session.exec(select(User).where(User.username == team.fixer)).one()
        who = accounts.actor_for(user)
        today = repair_sessions.open_session(session, site_id=team.site_id, day=now.date(),
                                             now=now)

        def register(model, donor=False):
            return intake.register_item(session, repair_session_id=today.id, category="vacuum",
                                        brand="Vax", model=model, weight=5.0, is_donor=donor,
                                        actor=who, now=now, key=new_key())

        donor, recipient = register("U90", donor=True), register("U91")
        repairs.record_repair_attempt(session, item_id=donor.id, outcome="end_of_life",
                                      barrier=6, actor=who, now=now, key=new_key())
        shelf = stock.create_bin(session, name="Shelf A", group_id=team.group_id,
                                 site_id=team.site_id, actor=who, now=now)
        shelf_code = code_of(session, bin_id=shelf.id)
    return {"team": team, "donor": donor.id, "recipient": recipient.id,
            "labels": blank_labels(live_server, team, 1), "shelf": shelf_code}


def test_harvest_with_a_scanner_then_install_back_at_the_bench(page, live_server, bench_shop,
                                                               screenshot):
    sign_in(page, bench_shop["team"].fixer)
    page.goto(f"/bench/{bench_shop['donor']}")
    page.get_by_role("link", name="Harvest parts").click()
    page.wait_for_url("**/parts/harvest/*")
    part = page.locator("#part-0")
    part.get_by_label("Name").fill("Brush roll")
    part.get_by_label("Weight (kg)").fill("0,3")
    label_field = part.get_by_label("Label (scan a blank one, or leave empty)")
    label_field.click()
    blank = bench_shop["labels"][0]
    page.keyboard.type(blank.lower(), delay=12)        # a USB scanner: fast keys, then Enter
    page.keyboard.press("Enter")
    assert "/parts/harvest/" in page.url               # not sent half-filled
    expect(label_field).to_have_value(f"{blank[:4]}-{blank[4:8]}-{blank[8:]}")
    expect(part.locator("select[name^=bin_]")).to_be_focused()
    bin_label = part.get_by_label("Bin label")
    bin_label.click()
    page.keyboard.type(bench_shop["shelf"], delay=12)
    page.keyboard.press("Enter")
    assert "/parts/harvest/" in page.url
    expect(page.locator("#part-1").get_by_label("Name")).to_be_focused()
    screenshot(page, "parts-10-harvest-scanned")
    page.get_by_role("button", name="Save parts").click()
    page.wait_for_url(f"**/bench/{bench_shop['donor']}*")
    expect(page.get_by_text("1 parts taken and put in stock.")).to_be_visible()
    expect(page.locator("#attempt, #note").first).to_be_attached()

    page.goto(f"/bench/{bench_shop['recipient']}")
    page.get_by_role("link", name="Install a part").click()
    page.wait_for_url("**/parts/install/*")
    page.locator("#part_code").click()
    page.keyboard.type(blank, delay=12)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bench/{bench_shop['recipient']}*")
    expect(page.get_by_text("Part installed.")).to_be_visible()
    expect(page.get_by_text("Save repair attempt", exact=True)).to_be_attached()
    assert fits_the_width(page)
    screenshot(page, "bench-08-after-install")
