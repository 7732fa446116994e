"""An owner answers "still working?" from the link in their mail, on a phone-sized screen, and
the group's dashboard then counts the object in its survival table."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from repaircafe import get_settings
from repaircafe.accounts.services import accounts
from repaircafe.core.events import new_key
from repaircafe.followups.services import mails
from repaircafe.models import FollowUp, RepairSession, utc_now
from repaircafe.objects.services import intake, repairs
from repaircafe.objects.services.intake import OwnerContact
from tests.browser.conftest import sign_in
from tests.browser.tablet import fits_the_width, make_team


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Follow-ups")


def went_home_fixed(live_server, team) -> str:
    """A lamp repaired and handed back today to an owner who agreed to be asked; the path of
    the owner's link to its three-month question."""
    now = utc_now()
    with live_server.session() as session:
        fixer = accounts.actor_for(accounts.find_user(session, username=team.fixer))
        cafe = RepairSession(site_id=team.site_id, held_on=now.date(), title=team.site_name)
        session.add(cafe)
        session.commit()
        item = intake.register_item(
            session, repair_session_id=cafe.id, category="lamp", brand="Anglepoise",
            model="Type 75", problem="Flickers", actor=fixer, now=now, key=new_key(),
            owner=OwnerContact(name="Sian Hughes", email="sian@example.org", consent=True,
                               follow_ups=True))
        repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed", barrier=None,
                                      actor=fixer, now=now, key=new_key())
        repairs.hand_over(session, item_id=item.id, to="owner", actor=fixer, now=now,
                          key=new_key(), follow_up_months=(3, 6, 12))
        question = session.exec(select(FollowUp).where(FollowUp.item_id == item.id)
                                .order_by(FollowUp.months)).first()
        link = mails.answer_link(get_settings(live_server.app), question.id)
    return urlsplit(link).path


def test_an_owner_answers_with_one_tap_and_the_dashboard_counts_it(
        browser, live_server, team, page, screenshot):
    path = went_home_fixed(live_server, team)
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    owner = phone.new_page()
    try:
        owner.goto(path)
        expect(owner.get_by_text("Your Lamp Anglepoise Type 75 went home")).to_be_visible()
        assert fits_the_width(owner)
        screenshot(owner, "followups-01-owner-link")
        owner.get_by_label("Anything to add? (optional)").fill("Works a treat.")
        owner.get_by_role("button", name="Still works").click()
        expect(owner.get_by_text("you told us it still works")).to_be_visible()
    finally:
        phone.close()

    sign_in(page, team.coordinator)
    page.goto("/reports/")
    table = page.locator("[data-survival]")
    expect(table).to_be_visible()
    everything = table.locator('[data-survival-row="all"] td')
    expect(everything.nth(1)).to_have_text("1")  # followed
    expect(everything.nth(3)).to_have_text("1")  # censored: it still works
    expect(page.locator("#lasting")).to_contain_text("Kaplan-Meier")
    screenshot(page, "followups-02-dashboard")
