"""The places pages: admins place sites and edit territories and groups, coordinators edit their
own group's sites, and every refusal keeps what was typed beside its field."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlmodel import select

from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.models import RepairGroup, Site, Territory
from repaircafe.places.services import sites
from tests.factories import NOW, make_item


def _text(response):
    return unescape(response.get_data(as_text=True))


def _fresh(session):
    """Read what the app committed through its own connection."""
    session.rollback()
    session.expire_all()


def _unassigned_site(session, world, name="Grangetown Hall", postcode="CF11 7JQ"):
    return sites.add_site(session, group_id=world.group.id, territory_id=None,
                          data=sites.SiteInput(name, postcode=postcode),
                          actor=world.actor("coordinator"))


def test_the_index_puts_sites_waiting_for_a_territory_first_with_a_count(
        client, session, world, login_as):
    _unassigned_site(session, world)
    _unassigned_site(session, world, name="Ely Hub", postcode="CF5 4AA")
    login_as("admin")
    page = _text(client.get("/places/"))
    assert "2 sites wait for a territory" in page
    assert page.index("Grangetown Hall") < page.index("Territories")
    assert "Swansea Hub" in page and "Swansea Menders" in page


def test_admin_adds_a_territory_and_a_refusal_keeps_what_was_typed(client, session, world,
                                                                     login_as):
    login_as("admin")
    refused = client.post("/places/territories/new", data={"name": "Cardiff", "country": "Wales"})
    assert refused.status_code == 422
    page = _text(refused)
    assert 'value="Wales"' in page and 'aria-invalid="true"' in page
    assert "A territory called “Cardiff” already exists." in page
    assert "is not a country code" in page
    done = client.post("/places/territories/new", data={"name": "Liège", "country": "bel"})
    assert done.status_code == 303
    assert session.exec(select(Territory).where(Territory.name == "Liège")).one().country == "BEL"


def test_admin_edits_a_territory_and_a_group(client, session, world, login_as):
    login_as("admin")
    assert "Cathays Library" in _text(client.get(
        f"/places/territories/{world.territory.id}"))
    assert client.post(f"/places/territories/{world.territory.id}",
                       data={"name": "Cardiff Council", "country": "GBR"}).status_code == 303
    assert client.post("/places/groups/new", data={"name": "Newport Menders"}).status_code == 303
    assert client.post(f"/places/groups/{world.group.id}",
                       data={"name": "Cardiff Repairers"}).status_code == 303
    _fresh(session)
    assert session.get(Territory, world.territory.id).name == "Cardiff Council"
    assert session.get(RepairGroup, world.group.id).name == "Cardiff Repairers"
    assert session.exec(select(RepairGroup).where(RepairGroup.name == "Newport Menders")).one()


def test_admin_moves_a_site_and_its_history_shows_in_the_new_territory(client, session, world,
                                                                        login_as):
    make_item(session, world)
    login_as("admin")
    response = client.post(f"/places/sites/{world.site.id}/move",
                           data={"territory_id": str(world.other_territory.id)})
    assert response.status_code == 303
    _fresh(session)
    assert session.get(Site, world.site.id).territory_id == world.other_territory.id
    report = client.get("/reports/", query_string={"scope": f"territory:{world.other_territory.id}",
                                                  "period": NOW.strftime("%Y-%m")})
    assert "Cathays Library" in _text(report)


def test_admin_adds_a_site_in_a_territory(client, session, world, login_as):
    login_as("admin")
    refused = client.post("/places/sites/new", data={
        "group_id": str(world.group.id), "name": "Roath Hub", "postcode": "cf24 3rp"})
    assert refused.status_code == 422
    assert "Choose the site's territory." in _text(refused)
    assert 'value="cf24 3rp"' in _text(refused)
    assert client.post("/places/sites/new", data={
        "group_id": str(world.group.id), "territory_id": str(world.territory.id),
        "name": "Roath Hub", "postcode": "cf24 3rp"}).status_code == 303
    site = session.exec(select(Site).where(Site.name == "Roath Hub")).one()
    assert (site.postcode, site.territory_id) == ("CF24 3RP", world.territory.id)


def test_coordinator_edits_their_sites_only(client, session, world, login_as):
    login_as("coordinator")
    index = _text(client.get("/places/"))
    assert "Cathays Library" in index and "Swansea Hub" not in index
    assert "wait for a territory" not in index and "Add a territory" not in index
    refused = client.post(f"/places/sites/{world.site.id}", data={
        "name": "", "address": "Fairoak Road", "postcode": "CF24 4PW"})
    assert refused.status_code == 422
    page = _text(refused)
    assert "Give the site a name." in page and 'value="Fairoak Road"' in page
    assert client.post(f"/places/sites/{world.site.id}", data={
        "name": "Cathays Library", "address": "Fairoak Road",
        "postcode": "CF24 4PW"}).status_code == 303
    assert client.get(f"/places/sites/{world.other_site.id}").status_code == 404
    assert client.post(f"/places/sites/{world.other_site.id}",
                       data={"name": "Taken"}).status_code == 404
    assert client.post(f"/places/sites/{world.site.id}/move",
                       data={"territory_id": str(world.other_territory.id)}).status_code == 403
    assert client.get("/places/territories/new").status_code == 403
    assert client.get(f"/places/groups/{world.group.id}").status_code == 403
    assert client.get("/places/assign").status_code == 403
    assert client.post("/places/sites/new", data={
        "group_id": str(world.other_group.id), "name": "Probe"}).status_code == 404
    _fresh(session)
    assert session.get(Site, world.site.id).postcode == "CF24 4PW"
    assert session.get(Site, world.site.id).territory_id == world.territory.id
    assert session.get(Site, world.other_site.id).name == "Swansea Hub"


def test_coordinators_new_site_waits_for_an_admin(client, session, world, login_as):
    login_as("coordinator")
    page = _text(client.get("/places/sites/new"))
    assert "An admin places the new site in its territory." in page
    assert client.post("/places/sites/new", data={
        "group_id": str(world.group.id), "name": "Ely Hub"}).status_code == 303
    site = session.exec(select(Site).where(Site.name == "Ely Hub")).one()
    assert session.get(Territory, site.territory_id).name == UNASSIGNED_TERRITORY


@pytest.mark.parametrize("role", ["fixer", "viewer"])
def test_fixers_and_viewers_have_no_places_pages(client, world, login_as, role):
    login_as(role)
    for url in ("/places/", "/places/sites/new", f"/places/sites/{world.site.id}",
                "/places/territories/new", "/places/assign"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/places/sites/{world.site.id}", data={"name": "X"}).status_code == 403


def test_a_list_is_previewed_then_applied(client, session, world, login_as):
    waiting = _unassigned_site(session, world)
    login_as("admin")
    csv_file = (io.BytesIO(b"\xef\xbb\xbfpostcode,territory\nCF11 7JQ,Cardiff\nNP20 1AA,Cardiff\n"),
                "council.csv")
    preview = client.post("/places/assign", data={"file": csv_file},
                          content_type="multipart/form-data")
    page = _text(preview)
    assert preview.status_code == 200
    assert "1 site will move" in page and "Grangetown Hall" in page
    assert "1 line matched no site" in page and "NP20 1AA" in page
    _fresh(session)
    assert session.get(Site, waiting.id).territory_id != world.territory.id
    text = "postcode,territory\nCF11 7JQ,Cardiff\nNP20 1AA,Cardiff\n"
    applied = client.post("/places/assign", data={"text": text, "apply": "yes"})
    assert applied.status_code == 303
    _fresh(session)
    assert session.get(Site, waiting.id).territory_id == world.territory.id
    assert "Every site has a territory" in _text(client.get("/places/"))


def test_a_list_without_its_columns_is_refused_beside_the_field(client, world, login_as):
    login_as("admin")
    refused = client.post("/places/assign", data={"text": "zip,council\nCF10,Cardiff\n"})
    assert refused.status_code == 422
    page = _text(refused)
    assert "The first line must name the columns" in page and "zip,council" in page
    uploaded = client.post("/places/assign", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"zip;council\nCF10;Cardiff\n"), "council.csv")})
    assert uploaded.status_code == 422 and "zip;council" in _text(uploaded)


def _objects_received(page):
    return int(re.search(r"Objects received</dt><dd>([\d,]+)</dd>", page).group(1).replace(",", ""))


def test_a_viewers_dashboard_follows_a_site_moved_out_of_their_territory(
        app, client, session, world, login_as):
    """The municipality officer of Cardiff reads Cardiff's sites only, before and after a move."""
    for _ in range(2):
        make_item(session, world)
    make_item(session, world, repair_session=world.other_session)
    viewer = app.test_client()
    viewer.post("/login", data={"username": "viewer", "password": "demo-pass"})
    before = _text(viewer.get("/reports/", query_string={"period": "2025-06"}))
    assert _objects_received(before) == 2
    assert "Cathays Library" in before and "Swansea Hub" not in before
    login_as("admin")
    assert client.post(f"/places/sites/{world.site.id}/move",
                       data={"territory_id": str(world.other_territory.id)}).status_code == 303
    after = _text(viewer.get("/reports/", query_string={"period": "2025-06"}))
    assert _objects_received(after) == 0
    assert "Cathays Library" not in after
    assert viewer.get("/reports/", query_string={
        "scope": f"site:{world.site.id}", "period": "2025-06"}).status_code == 404
    swansea = _text(client.get("/reports/", query_string={
        "scope": f"territory:{world.other_territory.id}", "period": "2025-06"}))
    assert _objects_received(swansea) == 3


def test_the_places_and_accounts_pages_speak_french(client, session, world, login_as):
    _unassigned_site(session, world)
    login_as("admin")
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    index = _text(client.get("/places/", headers=french))
    assert "1 lieu attend un territoire" in index and "Placer des lieux" in index
    refused = _text(client.post("/places/territories/new", headers=french,
                                data={"name": "Cardiff", "country": "BE"}))
    assert "Un territoire nommé « Cardiff » existe déjà." in refused
    preview = _text(client.post("/places/assign", headers=french,
                                data={"text": "postcode,territory\nCF11 7JQ,Cardiff\n"}))
    assert "1 lieu va changer de territoire" in preview
    assert "Inviter quelqu’un" in _text(client.get("/users/", headers=french))
    invite = _text(client.post("/users/invite", headers=french, data={"role": "fixer"}))
    assert "Donnez un nom d’utilisateur au compte." in invite
