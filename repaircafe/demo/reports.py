"""The demo's reports: a monthly subscription per territory with the past months archived, so
a viewer who signs in sees figures, charts and downloadable reports at once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlmodel import Session, col, select

from repaircafe.config import load_settings, with_instance_defaults
from repaircafe.demo.builder import DemoContext, register_step
from repaircafe.domain.actors import Actor
from repaircafe.models import Territory
from repaircafe.reporting.services import reporting, rollup, subscriptions

ARCHIVED_MONTHS = 6


def reports_folder(ctx: DemoContext) -> str:
    """Where the demo app will look for archived files: the configured reports folder, else
    the instance folder next to the package, as the app factory resolves it."""
    if ctx.reports_folder:
        return ctx.reports_folder
    instance = Path(__file__).resolve().parent.parent.parent / "instance"
    return with_instance_defaults(load_settings(), str(instance)).reports.folder


def reports_step(session: Session, ctx: DemoContext) -> None:
    """Subscribe each territory to a monthly report (French for every second one, to show
    both languages) and produce the last months' reports into the archive."""
    settings = load_settings()
    settings = dataclasses.replace(settings, reports=dataclasses.replace(
        settings.reports, folder=reports_folder(ctx)),
        smtp=dataclasses.replace(settings.smtp, host=""))
    admin = Actor.system("demo")
    rollup.fold(session, now=ctx.now)
    start = reporting.period_of("month", ctx.today_date).start
    for _ in range(ARCHIVED_MONTHS):
        start = reporting.previous_period("month", start).start
    territories = session.exec(select(Territory).order_by(col(Territory.name))).all()
    for index, territory in enumerate(territories):
        language = "fr" if index % 2 else "en"
        title = ("Rapport mensuel de circularité" if language == "fr"
                 else "Monthly circularity report")
        subscription = subscriptions.create_subscription(
            session, name=f"{title} – {territory.name}", scope=f"territory:#{territory.id}",
            period_kind="month", formats=["pdf", "csv", "xlsx"], language=language,
            starts_on=start, actor=admin, now=ctx.now)
        subscriptions.run_due_periods(session, subscription.id or 0, now=ctx.now,
                                      worker="demo", settings=settings)


register_step(reports_step, name="reports", order=200)
