"""Territories, groups and sites changed without database editing: who may, what is refused,
and that a site's history follows it into another territory's reports."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import NotPermitted, OutOfScope
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.models import RepairGroup, Site, Territory
from repaircafe.objects.services import repairs
from repaircafe.places.services import assignments, groups, sites, territories
from repaircafe.places.services.fields import FieldErrors
from repaircafe.reporting.services import dashboard, reporting, scopes
from tests.factories import NOW, make_item


def _report(session, scope):
    return reporting.make_report(session, scope=scopes.parse_scope(session, scope),
                                 period=reporting.parse_period("2025-06"), now=NOW)


def _fixed_objects(session, world, count):
    for _ in range(count):
        item = make_item(session, world)
        repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                      actor=world.actor(), now=NOW, key=new_key())


def test_admin_adds_and_edits_a_territory_with_its_country(session, world):
    admin = world.actor("admin")
    made = territories.add_territory(session, name=" Liège ", country="bel", actor=admin)
    assert (made.name, made.country) == ("Liège", "BEL")
    changed = territories.edit_territory(session, territory_id=made.id, name="Liège city",
                                         country="BEL", actor=admin)
    session.expire_all()
    assert session.get(Territory, made.id).name == changed.name == "Liège city"


def test_territory_refusals_name_their_field_and_change_nothing(session, world):
    admin = world.actor("admin")
    with pytest.raises(FieldErrors) as refused:
        territories.add_territory(session, name="cardiff", country="Belgium", actor=admin)
    assert set(refused.value.errors) == {"name", "country"}
    assert "already exists" in str(refused.value.errors["name"])
    assert "ISO 3166-1" in str(refused.value.errors["country"])
    assert session.exec(select(Territory).where(Territory.name == "cardiff")).first() is None
    # three letters are not enough: the code must be on the ISO list an export checks
    with pytest.raises(FieldErrors) as refused:
        territories.add_territory(session, name="Nowhere", country="XYZ", actor=admin)
    assert set(refused.value.errors) == {"country"}


def test_the_unassigned_territory_keeps_its_name(session, world):
    admin = world.actor("admin")
    waiting = territories.add_territory(session, name=UNASSIGNED_TERRITORY, country="GBR",
                                        actor=admin)
    with pytest.raises(FieldErrors) as refused:
        territories.edit_territory(session, territory_id=waiting.id, name="Newport",
                                   country="GBR", actor=admin)
    assert "keeps its name" in str(refused.value.errors["name"])
    territories.edit_territory(session, territory_id=waiting.id, name=UNASSIGNED_TERRITORY,
                               country="BEL", actor=admin)


@pytest.mark.parametrize("role", ["coordinator", "fixer", "viewer"])
def test_only_an_admin_touches_territories_and_groups(session, world, role):
    who = world.actor(role)
    with pytest.raises(NotPermitted):
        territories.add_territory(session, name="Newport", country="GBR", actor=who)
    with pytest.raises(NotPermitted):
        territories.edit_territory(session, territory_id=world.territory.id, name="X",
                                   country="GBR", actor=who)
    with pytest.raises(NotPermitted):
        groups.add_group(session, name="Newport Fixers", actor=who)
    with pytest.raises(NotPermitted):
        groups.rename_group(session, group_id=world.group.id, name="X", actor=who)
    with pytest.raises(NotPermitted):
        sites.move_site(session, site_id=world.site.id, territory_id=world.other_territory.id,
                        actor=who)
    session.expire_all()
    assert session.get(Territory, world.territory.id).name == "Cardiff"
    assert session.get(Site, world.site.id).territory_id == world.territory.id


def test_admin_adds_and_renames_a_group(session, world):
    admin = world.actor("admin")
    made = groups.add_group(session, name="Newport Menders", actor=admin)
    groups.rename_group(session, group_id=made.id, name="Newport Repair Café", actor=admin)
    session.expire_all()
    assert session.get(RepairGroup, made.id).name == "Newport Repair Café"
    with pytest.raises(FieldErrors) as refused:
        groups.rename_group(session, group_id=made.id, name="swansea menders", actor=admin)
    assert "already exists" in str(refused.value.errors["name"])


def test_admin_adds_a_site_with_its_whereabouts(session, world):
    site = sites.add_site(session, group_id=world.group.id, territory_id=world.territory.id,
                          data=sites.SiteInput("Roath Hub", "1 Albany Rd", "cf24  3rp", "W06000015"),
                          actor=world.actor("admin"))
    session.expire_all()
    stored = session.get(Site, site.id)
    assert (stored.postcode, stored.municipality_code, stored.territory_id) == (
        "CF24 3RP", "W06000015", world.territory.id)


def test_a_coordinators_new_site_waits_in_the_unassigned_territory(session, world):
    site = sites.add_site(session, group_id=None, territory_id=world.other_territory.id,
                          data=sites.SiteInput("Grangetown Hall"), actor=world.actor("coordinator"))
    session.expire_all()
    stored = session.get(Site, site.id)
    assert stored.group_id == world.group.id
    waiting_room = session.get(Territory, stored.territory_id)
    # made without a country, as an import makes it: its sites may be anywhere
    assert (waiting_room.name, waiting_room.country) == (UNASSIGNED_TERRITORY, "")
    waiting = sites.unassigned_sites(session, actor=world.actor("admin"))
    assert [row.site.name for row in waiting] == ["Grangetown Hall"]


def test_a_coordinator_cannot_add_a_site_to_another_group(session, world):
    with pytest.raises(OutOfScope):
        sites.add_site(session, group_id=world.other_group.id, territory_id=None,
                       data=sites.SiteInput("Probe"), actor=world.actor("coordinator"))
    assert session.exec(select(Site).where(Site.name == "Probe")).first() is None


def test_a_coordinator_edits_their_own_site_but_not_another_groups(session, world):
    coordinator = world.actor("coordinator")
    sites.edit_site(session, site_id=world.site.id, actor=coordinator,
                    data=sites.SiteInput("Cathays Library", "Fairoak Rd", "CF24 4PW", ""))
    session.expire_all()
    assert session.get(Site, world.site.id).postcode == "CF24 4PW"
    with pytest.raises(OutOfScope):
        sites.edit_site(session, site_id=world.other_site.id, actor=coordinator,
                        data=sites.SiteInput("Taken over"))
    assert session.get(Site, world.other_site.id).name == "Swansea Hub"


@pytest.mark.parametrize("role", ["fixer", "viewer"])
def test_fixers_and_viewers_change_no_site(session, world, role):
    with pytest.raises(NotPermitted):
        sites.edit_site(session, site_id=world.site.id, actor=world.actor(role),
                        data=sites.SiteInput("Renamed"))
    with pytest.raises(NotPermitted):
        sites.add_site(session, group_id=world.group.id, territory_id=None,
                       data=sites.SiteInput("New"), actor=world.actor(role))


def test_site_refusals_are_per_field(session, world):
    with pytest.raises(FieldErrors) as refused:
        sites.edit_site(session, site_id=world.site.id, actor=world.actor("admin"),
                        data=sites.SiteInput("", "", "X" * 21, "W06 15"))
    assert set(refused.value.errors) == {"name", "postcode", "municipality_code"}


def test_a_moved_site_takes_its_history_into_the_other_territorys_report(session, world):
    _fixed_objects(session, world, 3)
    assert _report(session, "territory:Cardiff").headline.fixed == 3
    assert _report(session, "territory:Swansea").headline.fixed == 0
    sites.move_site(session, site_id=world.site.id, territory_id=world.other_territory.id,
                    actor=world.actor("admin"))
    cardiff, swansea = _report(session, "territory:Cardiff"), _report(session, "territory:Swansea")
    assert (cardiff.headline.objects_received, cardiff.headline.fixed) == (0, 0)
    assert (swansea.headline.objects_received, swansea.headline.fixed) == (3, 3)
    assert swansea.headline.kg_kept_in_use > 0


def test_a_territory_viewer_sees_only_their_sites_before_and_after_a_move(session, world):
    """A municipality officer's home figures and territory report count only their sites."""
    _fixed_objects(session, world, 2)
    swansea_item = make_item(session, world, repair_session=world.other_session)
    repairs.record_repair_attempt(session, item_id=swansea_item.id, outcome="fixed",
                                  actor=world.actor("admin"), now=NOW, key=new_key())
    viewer = world.actor("viewer")  # Cardiff
    assert dashboard.figures(session, actor=viewer).objects == 2
    board = dashboard.impact_dashboard(session, actor=viewer, scope=None, period="2025-06",
                                       category=None, language="en", now=NOW)
    assert board.report.headline.objects_received == 2
    assert set(board.site_keys) == {"Cathays Library"}
    sites.move_site(session, site_id=world.site.id, territory_id=world.other_territory.id,
                    actor=world.actor("admin"))
    assert dashboard.figures(session, actor=viewer).objects == 0
    board = dashboard.impact_dashboard(session, actor=viewer, scope=None, period="2025-06",
                                       category=None, language="en", now=NOW)
    assert board.report.headline.objects_received == 0
    assert board.site_keys == {}
    assert _report(session, "territory:Cardiff").headline.objects_received == 0
    assert _report(session, "territory:Swansea").headline.objects_received == 3


def _place(session, world, postcode="", code="", name="Roath Hub", group=None):
    return sites.add_site(session, group_id=(group or world.group).id,
                          territory_id=world.territory.id,
                          data=sites.SiteInput(name, "", postcode, code), actor=world.actor("admin"))


def test_a_list_previews_moves_and_unmatched_lines_then_applies(session, world):
    roath = _place(session, world, postcode="CF24 3RP")
    splott = _place(session, world, code="W06000015", name="Splott Hall")
    territories.add_territory(session, name="Vale", country="GBR", actor=world.actor("admin"))
    text = ("postcode;municipality_code;territory\n"
            "cf243rp;;Swansea\n"
            ";W06000015;vale\n"
            "NP20 1AA;;Swansea\n"
            ";;\n"
            "SA1 1AA;;Atlantis\n"
            "CF10 1AA;X1;Swansea\n")
    plan = assignments.plan_assignment(session, text=text, actor=world.actor("admin"))
    assert [(m.site, m.from_territory, m.to_territory) for m in plan.moves] == [
        ("Roath Hub", "Cardiff", "Swansea"), ("Splott Hall", "Cardiff", "Vale")]
    assert [(line.number, line.value) for line in plan.unmatched] == [(4, "NP20 1AA")]
    assert [p.line for p in plan.problems] == [6, 7]
    session.expire_all()
    assert session.get(Site, roath.id).territory_id == world.territory.id
    applied = assignments.apply_assignment(session, text=text, actor=world.actor("admin"))
    assert len(applied.moves) == 2
    session.expire_all()
    assert session.get(Site, roath.id).territory_id == world.other_territory.id
    vale = session.exec(select(Territory).where(Territory.name == "Vale")).one()
    assert session.get(Site, splott.id).territory_id == vale.id
    again = assignments.plan_assignment(session, text=text, actor=world.actor("admin"))
    assert again.moves == [] and len(again.in_place) == 2


def test_a_list_moves_every_site_sharing_a_postcode_and_flags_conflicts(session, world):
    first = _place(session, world, postcode="SA1 1AA", name="Hall A")
    second = _place(session, world, postcode="SA1 1AA", code="W1", name="Hall B")
    plan = assignments.plan_assignment(session, actor=world.actor("admin"),
                                       text="postcode,municipality_code,territory\n"
                                            "SA1 1AA,,Swansea\n,W1,Cardiff\n")
    assert {m.site_id for m in plan.moves} == {first.id, second.id}
    assert [p.line for p in plan.problems] == [3]
    assert "already placed" in str(plan.problems[0].refusal)


def test_a_list_without_the_columns_is_refused(session, world):
    with pytest.raises(assignments.Refused):
        assignments.plan_assignment(session, text="zip,council\nCF10,Cardiff\n",
                                    actor=world.actor("admin"))


@pytest.mark.parametrize("role", ["coordinator", "fixer", "viewer"])
def test_only_an_admin_applies_a_list(session, world, role):
    _place(session, world, postcode="CF24 3RP")
    with pytest.raises(NotPermitted):
        assignments.apply_assignment(session, text="postcode,territory\nCF24 3RP,Swansea\n",
                                     actor=world.actor(role))
    assert session.exec(select(Site).where(Site.territory_id == world.other_territory.id)
                        ).all() == [session.get(Site, world.other_site.id)]
