"""Reports from the database: a report's words and figures put together, and rendered.

The scopes a report covers are in `scopes`, its figures in `report_data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from sqlmodel import Session

import reports
from repaircafe import i18n
from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import lifecycle, vocabulary
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import PERIOD_KINDS as PERIOD_KINDS
from repaircafe.domain.periods import Period as Period
from repaircafe.domain.periods import Scope as Scope
from repaircafe.domain.periods import parse_period as parse_period
from repaircafe.domain.periods import period_of as period_of
from repaircafe.domain.periods import previous_period as previous_period
from repaircafe.followups.services import lasting
from repaircafe.reporting.services import disclosures, factor_sets, rollup
from repaircafe.reporting.services import impact as impact_service
from repaircafe.reporting.services.report_data import Frames, report_frames
from repaircafe.reporting.services.scopes import scope_label, scope_sites

FORMATS = ("pdf", "csv", "xlsx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


TITLE = N_("Circularity report")
RECOMPUTED = N_("%(label)s (recomputed on %(day)s; the published figures use %(central)s)")
# The vocabulary's English names, which the report translates through the same catalogue.
NAMES = reports.Names(outcomes=lifecycle.OUTCOME_LABELS, barriers=lifecycle.BARRIERS,
                      materials=vocabulary.MATERIAL_NAMES)


def report_meta(*, scope: Scope, period: Period, language: str, now: datetime,
                central: factor_set_files.FactorSet, conservative: factor_set_files.FactorSet,
                recomputed: bool, title: str | None = None, frames: Frames | None = None,
                notes: disclosures.Disclosures | None = None,
                period_label: str | None = None) -> reports.ReportMeta:
    """What a report states about itself. With `frames`, the sources are those behind the
    figures shown (the categories and materials present); with `notes`, the report also
    discloses the weights its credits rest on, doubtful weights, unrecorded flows and the
    providers of imported records."""
    records = frames.records if frames is not None else None
    categories = list(records["category"]) if records is not None else []
    materials = list(frames.recycling["material"]) if frames is not None else []
    label = None
    if recomputed:
        label = i18n.translations(language).gettext(RECOMPUTED) % {
            "label": central.label, "day": now.date().isoformat(),
            "central": impact_service.CENTRAL_SET}
    extra: dict[str, object] = {}
    if notes is not None:
        extra = {"weight_basis": notes.weight_basis, "doubtful_weights": notes.doubtful_weights,
                 "data_providers": notes.data_providers, "recorded_flows": notes.recorded_flows}
    return reports.ReportMeta(
        title=title or i18n.translations(language).gettext(TITLE),
        scope_label=scope_label(scope, language),
        period_label=period_label or period.label(language),
        period_start=period.start,
        period_end=period.end,
        language=language,
        factor_set_name=central.name,
        factor_set_version=central.version,
        displacement=central.displacement,
        conservative_set_name=conservative.name,
        conservative_displacement=conservative.displacement,
        sources=disclosures.sources_used(categories, materials, central, conservative),
        generated_at=now,
        recomputed_label=label,
        names=NAMES,
        weight_policy=central.weight_policy,
        ratio_powered=central.ratio_powered,
        ratio_unpowered=central.ratio_unpowered,
        assumptions=disclosures.assumptions(central),
        **extra,  # type: ignore[arg-type]
    )


def make_report(
    session: Session, *, scope: Scope, period: Period, now: datetime, language: str = "en",
    factor_set: str | None = None, title: str | None = None, category: str | None = None,
    progress: Callable[[int, int], None] | None = None, period_label: str | None = None,
) -> reports.Report:
    """Fold the rollup, read the frames and build the report.

    With `factor_set` naming a set other than the published one, the figures are recomputed
    under it and the report says so; otherwise they are the stored (published) figures.
    `category` (a slug) narrows the report to one product category; parts and recycling,
    which belong to no category, are left out then.
    """
    if language not in ("en", "fr"):
        raise Refused("Reports exist in English (en) and French (fr).")
    rollup.fold(session, now=now, progress=progress)
    recompute = factor_set not in (None, "", impact_service.CENTRAL_SET)
    central = (factor_sets.get_factor_set(session, factor_set) if recompute and factor_set
               else impact_service.factor_set(impact_service.CENTRAL_SET))
    frames = report_frames(session, scope=scope, period=period,
                           factor_set=central if recompute else None)
    if category:
        records = frames.records[frames.records["category"] == category]
        frames = Frames(records, frames.parts.iloc[0:0], frames.recycling.iloc[0:0])
    notes = disclosures.disclosures(session, scope=scope, period=period, factor_set=central,
                                    category=category)
    meta = report_meta(scope=scope, period=period, language=language, now=now, central=central,
                       conservative=impact_service.factor_set(impact_service.CONSERVATIVE_SET),
                       recomputed=recompute, title=title, frames=frames, notes=notes,
                       period_label=period_label)
    known_at = min(datetime.combine(period.end, time.max, tzinfo=UTC), now)
    lasted = lasting.table(session, site_ids=scope_sites(session, scope), until=known_at,
                           category=category)
    session.rollback()  # release the read snapshot
    return reports.build_report(frames.records, frames.parts, frames.recycling, meta,
                                i18n.translations(language), lasting=lasted)


def render(report: reports.Report, fmt: str) -> bytes:
    """The report as PDF, CSV or XLSX bytes."""
    if fmt == "pdf":
        return reports.render_pdf(report)
    if fmt == "csv":
        return reports.render_csv(report)
    if fmt == "xlsx":
        return reports.render_xlsx(report)
    raise Refused("Unknown format “%(format)s”: use pdf, csv or xlsx.", format=fmt)


def file_name(scope: Scope, period: Period, fmt: str) -> str:
    """A readable, filesystem-safe name: ``cardiff_2025-05.pdf``."""
    base = re.sub(r"[^a-z0-9]+", "-", (scope.name or "all").lower()).strip("-") or "report"
    return f"{base}_{period.key.replace('..', '_')}.{fmt}"


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
