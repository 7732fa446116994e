"""`repaircafe places ...`: territories, groups and sites from the command line."""

from __future__ import annotations

from sqlmodel import select

from repaircafe.cli import cli
from repaircafe.models import RepairGroup, Site, Territory


def _run(runner, *args):
    return runner.invoke(cli, ["places", *args])


def _fresh(session):
    session.rollback()
    session.expire_all()


def test_every_command_explains_itself(runner):
    for args in ([], ["territory"], ["territory", "add"], ["site", "move"], ["group", "rename"],
                 ["assign"], ["list"]):
        result = _run(runner, *args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, args
    assert "--dry-run" in _run(runner, "assign", "--help").output


def test_territory_add_and_edit(runner, session, world):
    result = _run(runner, "territory", "add", "Liège", "--country", "bel")
    assert result.exit_code == 0, result.output
    assert "Territory Liège (BEL) added." in result.output
    result = _run(runner, "territory", "edit", "liège", "--name", "Liège city")
    assert result.exit_code == 0, result.output
    _fresh(session)
    assert session.exec(select(Territory).where(Territory.name == "Liège city")).one().country == "BEL"


def test_refusals_are_readable_lines_and_change_nothing(runner, session, world):
    result = _run(runner, "territory", "add", "Cardiff", "--country", "Wales")
    assert result.exit_code == 1
    assert "name: A territory called “Cardiff” already exists." in result.output
    assert "country: “Wales” is not a country code" in result.output
    result = _run(runner, "site", "move", "Nowhere", "--to", "Cardiff")
    assert result.exit_code == 1 and "No site called “Nowhere”." in result.output
    _fresh(session)
    assert len(session.exec(select(Territory)).all()) == 2


def test_group_add_and_rename(runner, session, world):
    assert _run(runner, "group", "add", "Newport Menders").exit_code == 0
    result = _run(runner, "group", "rename", "Newport Menders", "Newport Repair Café")
    assert result.exit_code == 0, result.output
    _fresh(session)
    assert session.exec(select(RepairGroup).where(RepairGroup.name == "Newport Repair Café")).one()
    assert "Newport Repair Café\t0 site(s)" in _run(runner, "group", "list").output
    assert "Swansea\tGBR\t1 site(s)" in _run(runner, "territory", "list").output


def test_site_add_edit_move_and_list(runner, session, world):
    result = _run(runner, "site", "add", "Roath Hub", "--group", "Cardiff Fixers",
                  "--territory", "Cardiff", "--postcode", "cf24 3rp")
    assert result.exit_code == 0, result.output
    result = _run(runner, "site", "edit", "Roath Hub", "--municipality-code", "W06000015",
                  "--address", "1 Albany Road")
    assert result.exit_code == 0, result.output
    result = _run(runner, "site", "move", "Roath Hub", "--to", "Swansea")
    assert result.exit_code == 0, result.output
    _fresh(session)
    site = session.exec(select(Site).where(Site.name == "Roath Hub")).one()
    assert (site.postcode, site.municipality_code, site.address, site.territory_id) == (
        "CF24 3RP", "W06000015", "1 Albany Road", world.other_territory.id)
    listing = _run(runner, "list").output
    assert "Roath Hub\tCardiff Fixers\tSwansea\tCF24 3RP\tW06000015" in listing


def test_assign_dry_run_changes_nothing_then_assign_moves(runner, session, world, tmp_path):
    _run(runner, "site", "edit", "Cathays Library", "--postcode", "CF24 4PW")
    listing = tmp_path / "council.csv"
    listing.write_text("postcode,territory\nCF24 4PW,Swansea\nNP20 1AA,Swansea\n")
    dry = _run(runner, "assign", str(listing), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "line 2: Cathays Library (Cardiff Fixers): Cardiff -> Swansea" in dry.output
    assert "line 3: no site with postcode NP20 1AA" in dry.output
    assert "1 site(s) would move" in dry.output
    _fresh(session)
    assert session.get(Site, world.site.id).territory_id == world.territory.id
    done = _run(runner, "assign", str(listing))
    assert done.exit_code == 0 and "1 site(s) moved" in done.output
    _fresh(session)
    assert session.get(Site, world.site.id).territory_id == world.other_territory.id
    assert "Cathays Library" not in _run(runner, "list", "--unassigned").output
