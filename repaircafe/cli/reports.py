"""`repaircafe report`, `repaircafe factors list|show|add` and `repaircafe scheduler`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from repaircafe import get_settings
from repaircafe.cli import engine
from repaircafe.db import session_scope
from repaircafe.domain.actors import Actor
from repaircafe.models import utc_now
from repaircafe.reporting.services import factor_sets, reporting, rollup, scopes

# Below this many unfolded events a report takes well under a second: no progress bar.
PROGRESS_FROM = 20_000


@click.command("report")
@click.option("--scope", default="all", show_default=True,
              help="all, territory:NAME, group:NAME or site:NAME (KIND:#ID by id).")
@click.option("--period", required=True,
              help="2025-05 (month), 2025-Q3 (quarter), 2025 (year) or 2025-01-01..2025-06-30.")
@click.option("--format", "fmt", type=click.Choice(reporting.FORMATS), default="pdf",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: a name made from scope and period).")
@click.option("--language", type=click.Choice(("en", "fr")), default="en", show_default=True)
@click.option("--factor-set", help="Recompute the figures under another factor set "
                                   "(the report says so).")
@with_appcontext
def report(scope: str, period: str, fmt: str, output: Path | None, language: str,
           factor_set: str | None) -> None:
    """Write an impact and circularity report for a scope and period."""
    with session_scope(engine()) as session:
        chosen = scopes.parse_scope(session, scope)
        span = reporting.parse_period(period)
        pending = rollup.pending_events(session)
        session.rollback()
        now = utc_now()
        if pending >= PROGRESS_FROM:
            with click.progressbar(length=pending, label="Folding new events",
                                   file=sys.stderr) as bar:
                def step(done: int, _total: int) -> None:
                    bar.update(done - bar.pos)

                built = reporting.make_report(session, scope=chosen, period=span, now=now,
                                              language=language, factor_set=factor_set,
                                              progress=step)
        else:
            built = reporting.make_report(session, scope=chosen, period=span, now=now,
                                          language=language, factor_set=factor_set)
    data = reporting.render(built, fmt)
    target = output or Path(reporting.file_name(chosen, span, fmt))
    target.write_bytes(data)
    h = built.headline
    click.echo(f"{target}: {h.objects_received} objects, {h.fixed} fixed, "
               f"{h.co2e_avoided_kg:,.0f} kg CO2e avoided ({built.meta.factor_set_label})")


@click.group("factors")
def factors() -> None:
    """Impact factor sets (shipped and added)."""


@factors.command("list")
@with_appcontext
def factors_list() -> None:
    """Every factor set with its version and displacement."""
    with session_scope(engine()) as session:
        rows = factor_sets.list_factor_sets(session)
    for info in rows:
        role = " (central)" if info.is_central else " (conservative)" if info.is_conservative else ""
        click.echo(f"{info.name:<24} v{info.version:<4} displacement {info.displacement:<5g} "
                   f"{info.categories:>3} categories  {info.origin}{role}")


@factors.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(("text", "csv")), default="text",
              show_default=True)
@with_appcontext
def factors_show(name: str, fmt: str) -> None:
    """One set: its rows and sources (as CSV with --format csv)."""
    with session_scope(engine()) as session:
        if fmt == "csv":
            click.echo(factor_sets.factor_set_csv(session, name), nl=False)
            return
        fs = factor_sets.get_factor_set(session, name)
    click.echo(f"{fs.label}: {fs.description}")
    click.echo(f"displacement {fs.displacement:g}, weight policy {fs.weight_policy}, "
               f"per-kg ratios {fs.ratio_powered:g} (powered) / {fs.ratio_unpowered:g}")
    for c in fs.categories.values():
        click.echo(f"  {c.name:<34} {'powered' if c.powered else 'unpowered':<9} "
                   f"{c.avg_weight_kg:>7g} kg {c.footprint_kg_co2e:>8g} kg CO2e  {c.source}")
    click.echo("Sources:")
    for source in fs.sources:
        click.echo(f"  - {source}")


@factors.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def factors_add(file: Path) -> None:
    """Add a factor set (or a new version of one) from a CSV file."""
    with session_scope(engine()) as session:
        row = factor_sets.add_factor_set(session, csv_text=file.read_text(encoding="utf-8"),
                                         actor=Actor.system("factors add"), now=utc_now())
    click.echo(f"Factor set {row.name} v{row.version} stored.")


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Produce what is due now and exit (for cron).")
@with_appcontext
def scheduler(once: bool) -> None:
    """Run the report scheduler in this process (one per deployment)."""
    from repaircafe import jobs

    context = jobs.JobContext(engine(), get_settings(current_app), jobs.worker_name())
    if once:
        jobs.fold_rollup(context)
        click.echo(f"{jobs.run_all_due(context)} report runs finished.")
        return
    click.echo(f"Scheduler {context.worker} started; Ctrl+C to stop.")
    try:
        jobs.build_scheduler(context).start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(report)
    cli.add_command(factors)
    cli.add_command(scheduler)
