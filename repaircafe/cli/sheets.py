"""`repaircafe import sheet FILE`: a café's own CSV or XLSX, with the same checks as the web page."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import select

from repaircafe.cli import engine
from repaircafe.cli.imports import import_
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.interop.sheets.services.sheet_mapping import (
    DATE_ORDERS,
    FIELDS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    describe,
    required_fields,
)
from repaircafe.models import RepairGroup, Site, utc_now


@import_.command("sheet")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", "group_name", required=True, help="The repair group the rows belong to.")
@click.option("--map", "pairs", multiple=True, metavar="FIELD=COLUMN",
              help=f"Which column holds a field ({', '.join(FIELDS)}); repeat as needed. "
                   "Fields not given come from the group's saved mapping or the headers.")
@click.option("--key", help="The column that identifies a row (default: the row's content).")
@click.option("--date-order", type=click.Choice(DATE_ORDERS), help="How dates are written.")
@click.option("--site", "site_name", help="Site for rows that name none.")
@click.option("--require", "required", multiple=True, type=click.Choice(OPTIONAL_FIELDS),
              help="A field whose unreadable cell rejects the row, beside "
                   f"{', '.join(REQUIRED_FIELDS)}; repeat as needed. Other unreadable cells are "
                   "left empty, with a note.")
@click.option("--dry-run", is_flag=True,
              help="Show the column mapping and what would happen; write nothing.")
@click.option("--errors", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected rows (default: FILE.errors.csv).")
@with_appcontext
def sheet(file: Path, group_name: str, pairs: tuple[str, ...], key: str | None,
          date_order: str | None, site_name: str | None, required: tuple[str, ...],
          dry_run: bool, errors: Path | None) -> None:
    """Import a spreadsheet of repairs (idempotent by the key column)."""
    from repaircafe.interop.sheets.services import sheet_import, sheet_planning, sheet_reading

    errors = errors or file.with_suffix(".errors.csv")
    with session_scope(engine()) as session:
        group = session.exec(select(RepairGroup).where(RepairGroup.name == group_name)).first()
        if group is None or group.id is None:
            raise NotFound("No group called “%(name)s”.", name=group_name)
        read = sheet_reading.read_sheet(file)
        mapping = sheet_import.mapping_for(session, read, group_id=group.id)
        for pair in pairs:
            name, _, column = pair.partition("=")
            if name not in FIELDS or column not in read.headers:
                raise Refused("--map %(pair)s: give FIELD=COLUMN with a field among %(fields)s and "
                              "a column of the file.", pair=pair, fields=", ".join(FIELDS))
            mapping.columns[name] = column
        if key is not None:
            if key not in read.headers:
                raise Refused("--key %(key)s: the file has no such column.", key=key)
            mapping.key = key
        mapping.date_order = date_order or mapping.date_order
        if site_name:
            site = session.exec(select(Site).where(Site.group_id == group.id,
                                                   Site.name == site_name)).first()
            if site is None:
                raise NotFound("No site called “%(site)s” in %(group)s.", site=site_name,
                               group=group.name)
            mapping.site_id = site.id
        sites = session.exec(select(Site).where(Site.group_id == group.id)).all()
        default_site = next((s.name for s in sites if s.id == mapping.site_id),
                            sites[0].name if len(sites) == 1 else "")
        if required:
            mapping.required = required_fields(required)
        click.echo("\n".join(describe(mapping, read.headers, default_site=default_site)))
        report = sheet_import.import_sheet(session, read, mapping, group_id=group.id,
                                           actor=Actor.system("spreadsheet import"),
                                           now=utc_now(), dry_run=dry_run)
    click.echo(str(report))
    if report.rejected:
        errors.write_text(sheet_planning.error_file(read, report), encoding="utf-8")
        click.echo(f"{len(report.rejected)} rows rejected: fix them in {errors} and import it "
                   "again.")


def register(cli: click.Group) -> None:
    """The command joins the `import` group when this module is imported."""
