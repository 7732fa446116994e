"""An admin on a tablet places sites and invites people: no database editing, plain forms,
big touch targets, refusals beside their field with what was typed still there."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe.domain.actors import Actor
from repaircafe.models import Site, User
from repaircafe.places.services import sites
from tests.browser.conftest import new_context, sign_in
from tests.browser.tablet import fits_the_width, make_team

pytestmark = pytest.mark.browser

TARGETS = ", ".join(f"main {target}" for target in (
    "a.btn", "button", "input:not([type=hidden])", "select", "textarea"))


def small_targets(page):
    """Visible buttons, links styled as buttons and fields shorter than 44 px."""
    return page.evaluate(f"""() => [...document.querySelectorAll("{TARGETS}")]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML.slice(0, 80))""")


def check_tablet_layout(page):
    assert fits_the_width(page), f"{page.url} scrolls sideways"
    assert small_targets(page) == [], page.url


@pytest.fixture(scope="module")
def waiting(live_server):
    """A team whose new site waits in the unassigned territory, with a postcode of its own."""
    team = make_team(live_server, "Placing")
    postcode = f"ZZ{uuid.uuid4().hex[:3].upper()} 1AA"
    coordinator = Actor(None, "Placing coordinator", "coordinator", team.group_id)
    with live_server.session() as session:
        site = sites.add_site(session, group_id=team.group_id, territory_id=None,
                              data=sites.SiteInput(f"{team.site_name} annexe", postcode=postcode),
                              actor=coordinator)
    return team, site, postcode


def test_admin_places_a_waiting_site_from_a_council_list(page, live_server, waiting, screenshot):
    team, site, postcode = waiting
    sign_in(page, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Places").click()
    page.wait_for_url("**/places/")
    attention = page.locator("#unassigned")
    expect(attention.get_by_role("heading", name=re.compile(r"\d+ sites? waits? for a territory"))
           ).to_be_visible()
    expect(attention.get_by_text(site.name)).to_be_visible()
    check_tablet_layout(page)
    screenshot(page, "places-01-index")

    page.get_by_role("link", name="Place sites from a list of postcodes").click()
    page.get_by_label("Or paste the list").fill(
        f"postcode,territory\n{postcode.lower().replace(' ', '')},Swansea\nZZ0 0ZZ,Swansea\n")
    page.get_by_role("button", name="Show what would move").click()
    expect(page.get_by_role("heading", name="1 site will move")).to_be_visible()
    expect(page.get_by_role("heading", name="1 line matched no site")).to_be_visible()
    check_tablet_layout(page)
    screenshot(page, "places-02-list-preview")
    page.get_by_role("button", name="Move 1 site").click()
    page.wait_for_url("**/places/")
    expect(page.get_by_text("1 site moved to its territory.")).to_be_visible()
    expect(page.locator("#unassigned").get_by_text(site.name)).to_have_count(0)
    with live_server.session() as session:
        moved = session.get(Site, site.id)
        assert moved.territory_id == live_server.world.other_territory.id


def test_a_refused_form_keeps_what_was_typed_beside_the_field(page, live_server, waiting,
                                                               screenshot):
    team, _site, _postcode = waiting
    sign_in(page, "admin")
    page.goto("/places/territories/new")
    page.get_by_label("Name").fill("Cardiff")
    page.get_by_label("Country").fill("BE")
    page.get_by_role("button", name="Add the territory").click()
    name_error = page.locator("#e-name")
    expect(name_error).to_have_text("A territory called “Cardiff” already exists.")
    expect(page.locator("#e-country")).to_contain_text("is not a country code")
    expect(page.get_by_label("Country")).to_have_value("BE")
    field_box = page.get_by_label("Name").bounding_box()
    error_box = name_error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40
    check_tablet_layout(page)
    screenshot(page, "places-03-refused")

    page.goto(f"/places/sites/{team.site_id}")
    page.locator("#move").get_by_label("Territory").select_option(label="Cardiff")
    page.get_by_role("button", name="Move the site").click()
    expect(page.get_by_text("its history now counts in the new territory's reports")
           ).to_be_visible()
    expect(page.get_by_text("Territory: Cardiff")).to_be_visible()
    check_tablet_layout(page)
    screenshot(page, "places-04-site")


def test_admin_invites_a_fixer_who_sets_a_password_with_the_link(
        page, browser, live_server, waiting, screenshot):
    team, _site, _postcode = waiting
    username = f"sian-{uuid.uuid4().hex[:6]}"
    sign_in(page, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Accounts").click()
    page.wait_for_url("**/users/")
    expect(page.get_by_role("link", name=f"Open {team.coordinator}")).to_be_visible()
    check_tablet_layout(page)
    screenshot(page, "users-01-list")

    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Name shown in histories").fill("Sian H.")
    page.get_by_label("Role").select_option("fixer")
    page.get_by_role("button", name="Make the account").click()
    expect(page.locator("#e-group_id")).to_have_text("A fixer belongs to a group: choose one.")
    expect(page.get_by_label("User name", exact=True)).to_have_value(username)
    expect(page.get_by_label("Role")).to_have_value("fixer")
    check_tablet_layout(page)
    page.get_by_label("Group (for coordinators and fixers)").select_option(
        label=f"Placing {team.coordinator.split('-')[-1]}")
    page.get_by_role("button", name="Make the account").click()
    link = page.get_by_label("Link to choose a password").input_value()
    assert "/users/welcome?t=" in link
    check_tablet_layout(page)
    screenshot(page, "users-02-link")
    page.get_by_role("link", name="See the account").click()
    expect(page.get_by_label("Role")).to_have_value("fixer")
    check_tablet_layout(page)
    screenshot(page, "users-03-account")

    newcomer = new_context(browser, live_server).new_page()
    newcomer.goto(link)
    newcomer.get_by_label("New password").fill("kettle-2025")
    newcomer.get_by_label("The same password again").fill("kettle-2025")
    newcomer.get_by_role("button", name="Save my password").click()
    newcomer.wait_for_url("**/login")
    sign_in(newcomer, username, password="kettle-2025")
    expect(newcomer.get_by_text("Sian H. · fixer")).to_be_visible()
    newcomer.context.close()
    with live_server.session() as session:
        made = session.exec(select(User).where(User.username == username)).one()
        assert made.group_id == team.group_id
