"""`repaircafe labels layouts | blank | print | calibrate`: label PDFs from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from repaircafe import get_settings
from repaircafe.cli import engine
from repaircafe.core.events import new_key
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound
from repaircafe.models import RepairGroup, utc_now
from repaircafe.tags.services import label_batches, label_rendering, label_tags
from repaircafe.tags.services import layouts as layout_service


def _dirs() -> tuple[str, ...]:
    return get_settings(current_app).labels.layout_dirs


def _write(path: Path, data: bytes, what: str) -> None:
    path.write_bytes(data)
    click.echo(f"{what} written to {path} ({len(data):,} bytes).")


@click.group()
def labels() -> None:
    """Print label sheets and rolls as PDF."""


@labels.command("layouts")
@with_appcontext
def layouts() -> None:
    """List label layouts: name, label size, labels per page."""
    catalogue = layout_service.layout_catalogue(_dirs())
    width = max(len(name) for name in catalogue.layouts)
    for name, layout in sorted(catalogue.layouts.items()):
        size = f"{layout.label_width_mm:g} x {layout.label_height_mm:g} mm"
        per_page = "roll" if layout.is_roll else f"{layout.labels_per_page} per page"
        click.echo(f"{name:<{width}}  {size:<18}  {per_page:<13}  {layout.title}")
    for problem in catalogue.problems:
        click.echo(f"Error: {problem}", err=True)
    if catalogue.problems:
        raise click.exceptions.Exit(1)


@labels.command("blank")
@click.option("--count", required=True, type=click.IntRange(1, label_batches.MAX_BATCH),
              help="How many fresh codes to issue.")
@click.option("--layout", "layout_name", required=True, help="Layout name (see `labels layouts`).")
@click.option("--start", default=1, show_default=True, type=click.IntRange(1),
              help="First free position on a used sheet.")
@click.option("--group", help="Repair group the codes belong to (default: none).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def blank(count: int, layout_name: str, start: int, group: str | None, output: Path) -> None:
    """Issue COUNT fresh codes and write them as blank labels."""
    settings = get_settings(current_app)
    actor = Actor.system("command line")
    with session_scope(engine()) as session:
        group_id = None
        if group:
            row = session.exec(select(RepairGroup).where(RepairGroup.name == group)).one_or_none()
            if row is None:
                raise NotFound("No repair group called “%(name)s”.", name=group)
            group_id = row.id
        how = layout_service.calibration(session, actor=actor, layout_name=layout_name,
                                         profile_id=None, start_at=start, extra_dirs=_dirs())
        actor = Actor(None, actor.name, actor.role, group_id)
        batch = label_batches.issue_blank_batch(session, actor=actor, count=count, how=how,
                                                now=utc_now(), key=new_key())
        contents = label_tags.label_contents(session, label_batches.batch_tags(session, batch))
    pdf = label_rendering.render_pdf(contents, how, base_url=settings.app.public_base_url,
                                     workers=None)
    _write(output, pdf, f"{count} blank labels ({contents[0].display} … {contents[-1].display})")


@labels.command("print")
@click.option("--items", "by_code", is_flag=True,
              help="Print the labels of the codes given as arguments (objects, parts or bins).")
@click.option("--session", "repair_session_id", type=int,
              help="Print the labels of every object of this café session.")
@click.option("--layout", "layout_name", help="Layout name (default: labels.default_layout).")
@click.option("--start", default=1, show_default=True, type=click.IntRange(1))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.argument("codes", nargs=-1)
@with_appcontext
def print_(by_code: bool, repair_session_id: int | None, layout_name: str | None, start: int,
           output: Path, codes: tuple[str, ...]) -> None:
    """Reprint existing labels: `--items CODE...` or `--session ID`."""
    if by_code == (repair_session_id is not None):
        raise click.UsageError("Give either --items CODE... or --session ID.")
    if by_code and not codes:
        raise click.UsageError("--items needs at least one code.")
    if codes and not by_code:
        raise click.UsageError("Codes are only read after --items.")
    settings = get_settings(current_app)
    actor = Actor.system("command line")
    with session_scope(engine()) as session:
        how = layout_service.calibration(
            session, actor=actor, layout_name=layout_name or settings.labels.default_layout,
            profile_id=None, start_at=start, extra_dirs=_dirs(),
        )
        if by_code:
            tags = label_tags.tags_for_codes(session, actor=actor, texts=codes)
        else:
            tags = label_tags.tags_for_session(session, actor=actor,
                                               repair_session_id=repair_session_id or 0)
        if not tags:
            raise click.ClickException("That café session has no labelled objects.")
        contents = label_tags.label_contents(session, tags)
    pdf = label_rendering.render_pdf(contents, how, base_url=settings.app.public_base_url,
                                     workers=None)
    _write(output, pdf, f"{len(contents)} labels")


@labels.command("calibrate")
@click.option("--layout", "layout_name", required=True, help="Layout name (see `labels layouts`).")
@click.option("--offset-x", default=0.0, show_default=True, help="Printer offset right, mm.")
@click.option("--offset-y", default=0.0, show_default=True, help="Printer offset down, mm.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.9, 1.1))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def calibrate(layout_name: str, offset_x: float, offset_y: float, scale: float,
              output: Path) -> None:
    """Write a calibration page: label outlines, crosshairs and rulers for lining up a printer."""
    layout = layout_service.find_layout(layout_name, _dirs())
    how = layout_service.Calibration(layout, 1, (offset_x, offset_y), scale)
    _write(output, label_rendering.render_calibration(how), f"Calibration page for {layout.name}")


def register(cli: click.Group) -> None:
    cli.add_command(labels)
