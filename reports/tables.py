"""CSV (tidy) and XLSX (several sheets) renderings of a :class:`reports.impact.Report`.

Every text cell goes through :func:`reports.cells.safe_text` and every XLSX cell is written as
a value, never as a formula: names in a report were typed by people, and the file is opened by
others who trust it.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from reports.cells import safe_frame
from reports.i18n import fmt_number, t
from reports.impact import Report

SHEETS = (
    "Summary",
    "Monthly",
    "Categories",
    "Outcomes",
    "Barriers",
    "Sites",
    "Waste hierarchy",
    "Recycling",
    "EU re-use",
    "Coverage",
    "Data",
    "Methodology",
)


def render_csv(report: Report) -> bytes:
    """Tidy CSV: one row per period x scope x category x outcome (UTF-8, comma, '.' decimals)."""
    frame = report.tidy.copy()
    for col in ("waste_prevented_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg"):
        frame[col] = frame[col].round(3)
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def summary_rows(report: Report) -> list[tuple[str, object]]:
    """(label, value) pairs of the headline, for the XLSX summary and tests."""
    m, h, c, lang = report.meta, report.headline, report.coverage, report.meta.language
    return [
        (t(lang, "report"), m.title),
        (t(lang, "scope"), m.scope_label),
        (t(lang, "period"), m.period_label),
        (t(lang, "factor_set"), m.factor_set_label),
        (t(lang, "generated"), m.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()),
        (t(lang, "objects_received"), h.objects_received),
        (t(lang, "fixed"), h.fixed),
        (t(lang, "repair_success_rate"), h.repair_success_rate),
        (t(lang, "kg_kept_in_use") + " (kg)", round(h.kg_kept_in_use, 3)),
        (t(lang, "co2e_central") + " (kg)", round(h.co2e_avoided_kg, 3)),
        (t(lang, "co2e_conservative") + " (kg)", round(h.co2e_avoided_conservative_kg, 3)),
        (t(lang, "parts_harvested"), h.parts_harvested),
        (t(lang, "parts_reused"), h.parts_reused),
        (t(lang, "parts_reused") + " (kg)", round(h.parts_reused_kg, 3)),
        (t(lang, "kg_recycled") + " (kg)", round(h.kg_recycled, 3)),
        (t(lang, "credit_central"), round(h.recycling_co2e_central_kg, 3)),
        (t(lang, "credit_low"), round(h.recycling_co2e_low_kg, 3)),
        (t(lang, "with_category"), c.share_with_category),
        (t(lang, "with_weight"), c.share_with_weight),
        (t(lang, "fixed_without_weight"), c.fixed_without_weight),
    ]


def methodology_lines(report: Report) -> list[str]:
    m, lang = report.meta, report.meta.language
    lines = [
        t(lang, "m_intro"),
        t(
            lang,
            "m_set",
            name=m.factor_set_name,
            version=m.factor_set_version,
            d=fmt_number(m.displacement, lang, 1),
        ),
        t(
            lang,
            "m_cons",
            name=m.conservative_set_name,
            d=fmt_number(m.conservative_displacement, lang, 1),
        ),
        t(lang, "m_weight"),
        t(lang, "m_parts"),
        t(lang, "m_caveats"),
    ]
    if m.recomputed_label:
        lines.append(t(lang, "recomputed", label=m.recomputed_label))
    return lines


def _no_formulas(sheet: Worksheet) -> None:
    """Make every text cell a plain string, whatever it starts with.

    openpyxl stores a string beginning with ``=`` as a formula; the text is already quoted by
    :func:`safe_frame`, and this makes sure no other path can leave a live formula behind.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def render_xlsx(report: Report) -> bytes:
    """The report as a workbook of several sheets, in the order of :data:`SHEETS`."""
    buf = io.BytesIO()
    lang = report.meta.language
    summary = pd.DataFrame(summary_rows(report), columns=["item", "value"])
    coverage = pd.DataFrame(
        [
            ("objects", report.coverage.objects),
            ("with_category", report.coverage.with_category),
            ("share_with_category", report.coverage.share_with_category),
            ("with_weight", report.coverage.with_weight),
            ("share_with_weight", report.coverage.share_with_weight),
            ("fixed", report.coverage.fixed),
            ("fixed_without_weight", report.coverage.fixed_without_weight),
        ],
        columns=["measure", "value"],
    )
    method = pd.DataFrame(
        {"text": methodology_lines(report) + [t(lang, "sources") + ":"] + list(report.meta.sources)}
    )
    frames = {
        "Summary": summary,
        "Monthly": report.monthly,
        "Categories": report.by_category,
        "Outcomes": report.by_outcome,
        "Barriers": report.by_barrier.astype({"barrier": "object"}),
        "Sites": report.by_site,
        "Waste hierarchy": report.hierarchy.astype({"objects": "object"}),
        "Recycling": report.recycling_by_material,
        "EU re-use": report.eu_reuse,
        "Coverage": coverage,
        "Data": report.tidy,
        "Methodology": method,
    }
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name in SHEETS:
            frame = safe_frame(frames[name])
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for i, col in enumerate(frame.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(
                    max(10, width + 2), 90
                )
            sheet.freeze_panes = "A2"
            _no_formulas(sheet)
    return buf.getvalue()
