"""`repaircafe places list|assign`, `places territory list|add|edit`, `places group
list|add|rename` and `places site add|edit|move`: the places an admin manages, without
editing the database."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext

from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor

F = TypeVar("F", bound=Callable[..., Any])
ADMIN = Actor.system("command line")


def _fields(command: F) -> F:
    """A refused form becomes one readable line per field and exit status 1."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from repaircafe.places.services.fields import FieldErrors

        try:
            return command(*args, **kwargs)
        except FieldErrors as exc:
            lines = [f"{name.replace('_id', '')}: {refusal}" for name, refusal in exc.errors.items()]
            raise click.ClickException("\n".join(lines)) from None

    return wrapped  # type: ignore[return-value]


@click.group()
def places() -> None:
    """Territories, repair groups and sites."""


@places.command("list")
@click.option("--unassigned", is_flag=True, help="Only the sites still waiting for a territory.")
@with_appcontext
def list_places(unassigned: bool) -> None:
    """Every site with its group, territory, postcode and municipality code."""
    from repaircafe.places.services import sites

    with session_scope(engine()) as session:
        rows = (sites.unassigned_sites(session, actor=ADMIN) if unassigned
                else sites.sites_of(session, actor=ADMIN))
    for row in rows:
        s = row.site
        click.echo("\t".join([f"#{s.id}", s.name, row.group, row.territory, s.postcode or "-",
                              s.municipality_code or "-"]))
    click.echo(f"{len(rows)} site(s).", err=True)


@places.group()
def territory() -> None:
    """Add or change territories (municipalities)."""


@territory.command("list")
@with_appcontext
def territory_list() -> None:
    """Every territory with its country and number of sites."""
    from repaircafe.models import Site
    from repaircafe.places.services import sites, territories

    with session_scope(engine()) as session:
        counts = sites.site_counts(session, Site.territory_id)
        for found in territories.all_territories(session, actor=ADMIN):
            click.echo(f"{found.name}\t{found.country}\t{counts.get(found.id or 0, 0)} site(s)")


@territory.command("add")
@click.argument("name")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3 code, e.g. BEL or GBR.")
@with_appcontext
@_fields
def territory_add(name: str, country: str) -> None:
    """Add a territory."""
    from repaircafe.places.services import territories

    with session_scope(engine()) as session:
        made = territories.add_territory(session, name=name, country=country, actor=ADMIN)
    click.echo(f"Territory {made.name} ({made.country}) added.")


@territory.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="Its new name.")
@click.option("--country", help="ISO 3166-1 alpha-3 code, e.g. BEL or GBR.")
@with_appcontext
@_fields
def territory_edit(name: str, new_name: str | None, country: str | None) -> None:
    """Rename a territory or correct its country."""
    from repaircafe.places.services import lookups, territories

    with session_scope(engine()) as session:
        found = lookups.territory_named(session, name)
        changed = territories.edit_territory(
            session, territory_id=found.id, name=new_name or found.name,
            country=country or found.country, actor=ADMIN)
    click.echo(f"Territory {changed.name} ({changed.country}) saved.")


@places.group()
def group() -> None:
    """Add or rename repair groups."""


@group.command("list")
@with_appcontext
def group_list() -> None:
    """Every repair group with its number of sites."""
    from repaircafe.models import Site
    from repaircafe.places.services import groups, sites

    with session_scope(engine()) as session:
        counts = sites.site_counts(session, Site.group_id)
        for found in groups.all_groups(session, actor=ADMIN):
            click.echo(f"{found.name}\t{counts.get(found.id or 0, 0)} site(s)")


@group.command("add")
@click.argument("name")
@with_appcontext
@_fields
def group_add(name: str) -> None:
    """Add a repair group."""
    from repaircafe.places.services import groups

    with session_scope(engine()) as session:
        made = groups.add_group(session, name=name, actor=ADMIN)
    click.echo(f"Group {made.name} added.")


@group.command("rename")
@click.argument("name")
@click.argument("new_name")
@with_appcontext
@_fields
def group_rename(name: str, new_name: str) -> None:
    """Give a group another name; its records stay with it."""
    from repaircafe.places.services import groups, lookups

    with session_scope(engine()) as session:
        found = lookups.group_named(session, name)
        changed = groups.rename_group(session, group_id=found.id, name=new_name, actor=ADMIN)
    click.echo(f"Group {name} is now {changed.name}.")


@places.group()
def site() -> None:
    """Add, correct or move sites."""


_GROUP_HELP = "The site's group (needed when two groups have a site of that name)."


@site.command("add")
@click.argument("name")
@click.option("--group", "group_name", required=True, help="The repair group it belongs to.")
@click.option("--territory", "territory_name", required=True, help="Its territory.")
@click.option("--address", default="")
@click.option("--postcode", default="")
@click.option("--municipality-code", default="", help="The council's code for the municipality.")
@with_appcontext
@_fields
def site_add(name: str, group_name: str, territory_name: str, address: str, postcode: str,
             municipality_code: str) -> None:
    """Add a site to a group, in a territory."""
    from repaircafe.places.services import lookups, sites

    with session_scope(engine()) as session:
        made = sites.add_site(
            session, group_id=lookups.group_named(session, group_name).id,
            territory_id=lookups.territory_named(session, territory_name).id,
            data=sites.SiteInput(name, address, postcode, municipality_code), actor=ADMIN)
    click.echo(f"Site {made.name} added (#{made.id}).")


@site.command("edit")
@click.argument("name")
@click.option("--group", "group_name", help=_GROUP_HELP)
@click.option("--name", "new_name", help="Its new name.")
@click.option("--address")
@click.option("--postcode")
@click.option("--municipality-code", help="The council's code for the municipality.")
@with_appcontext
@_fields
def site_edit(name: str, group_name: str | None, new_name: str | None, address: str | None,
              postcode: str | None, municipality_code: str | None) -> None:
    """Correct a site's name, address, postcode or municipality code (only what is given)."""
    from repaircafe.places.services import lookups, sites

    with session_scope(engine()) as session:
        found = lookups.site_named(session, name, group=group_name)
        data = sites.SiteInput(
            new_name if new_name is not None else found.name,
            address if address is not None else found.address,
            postcode if postcode is not None else found.postcode,
            municipality_code if municipality_code is not None else found.municipality_code)
        changed = sites.edit_site(session, site_id=found.id, data=data, actor=ADMIN)
    click.echo(f"Site {changed.name} saved.")


@site.command("move")
@click.argument("name")
@click.option("--to", "territory_name", required=True, help="The territory it moves to.")
@click.option("--group", "group_name", help=_GROUP_HELP)
@with_appcontext
def site_move(name: str, territory_name: str, group_name: str | None) -> None:
    """Move a site, with its whole history, to another territory's reports."""
    from repaircafe.places.services import lookups, sites

    with session_scope(engine()) as session:
        found = lookups.site_named(session, name, group=group_name)
        target = lookups.territory_named(session, territory_name)
        moved = sites.move_site(session, site_id=found.id, territory_id=target.id, actor=ADMIN)
    click.echo(f"Site {moved.name} moved to {target.name}, with its history.")


@places.command("assign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
@with_appcontext
def assign(file: Path, dry_run: bool) -> None:
    """Move sites to territories from a CSV list.

    The first line names the columns: territory, and postcode or municipality_code. Every site
    with that postcode or code moves to the territory, with its history.
    """
    from repaircafe.places.services import assignments

    text = assignments.decode(file.read_bytes())
    with session_scope(engine()) as session:
        plan = (assignments.plan_assignment(session, text=text, actor=ADMIN) if dry_run
                else assignments.apply_assignment(session, text=text, actor=ADMIN))
    for move in plan.moves:
        click.echo(f"line {move.line}: {move.site} ({move.group}): "
                   f"{move.from_territory} -> {move.to_territory}")
    for line in plan.unmatched:
        click.echo(f"line {line.number}: no site with {line.kind} {line.value}")
    for problem in plan.problems:
        click.echo(f"line {problem.line}: {problem.refusal}")
    verb = "would move" if dry_run else "moved"
    click.echo(f"{len(plan.moves)} site(s) {verb}, {len(plan.in_place)} already in place, "
               f"{len(plan.unmatched)} line(s) matched no site, {len(plan.problems)} unusable.")


def register(cli: click.Group) -> None:
    cli.add_command(places)
