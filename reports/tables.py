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
    m, h, c, _ = report.meta, report.headline, report.coverage, report.words
    return [
        (_("Circularity report"), m.title),
        (_("Scope"), m.scope_label),
        (_("Period"), m.period_label),
        (_("Factor set"), m.factor_set_label),
        (_("Generated"), m.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()),
        (_("Objects received"), h.objects_received),
        (_(m.names.outcome("fixed")), h.fixed),
        (_("Repair success rate"), h.repair_success_rate),
        (_("Kept in use") + " (kg)", round(h.kg_kept_in_use, 3)),
        (_("CO2e avoided (central)") + " (kg)", round(h.co2e_avoided_kg, 3)),
        (_("CO2e avoided (conservative)") + " (kg)", round(h.co2e_avoided_conservative_kg, 3)),
        (_("Parts harvested"), h.parts_harvested),
        (_("Parts reused"), h.parts_reused),
        (_("Parts reused") + " (kg)", round(h.parts_reused_kg, 3)),
        (_("Recycled") + " (kg)", round(h.kg_recycled, 3)),
        (_("Credit central (kg CO2e)"), round(h.recycling_co2e_central_kg, 3)),
        (_("Credit low (kg CO2e)"), round(h.recycling_co2e_low_kg, 3)),
        (_("Records with a category"), c.share_with_category),
        (_("Records with a weight"), c.share_with_weight),
        (_("Fixed objects without a recorded weight"), c.fixed_without_weight),
    ]


def methodology_lines(report: Report) -> list[str]:
    """The methodology appendix, paragraph by paragraph (PDF and XLSX)."""
    m, _ = report.meta, report.words
    lines = [
        _("CO2e avoided by a repair is the pre-use footprint (manufacture and distribution) of a "
          "new equivalent product multiplied by a displacement rate: a repaired product is "
          "assumed to displace part of a new purchase. Only fixed objects, and refurbished "
          "objects handed over, earn a credit; repairable, end-of-life and unknown outcomes "
          "score zero. Repair-phase emissions and use-phase energy are not counted."),
        _("Central figures: factor set %(name)s, version %(version)s, displacement "
          "%(displacement)s.", name=m.factor_set_name, version=m.factor_set_version,
          displacement=_.number(m.displacement, 1)),
        _("Conservative figures: factor set %(name)s, displacement %(displacement)s.",
          name=m.conservative_set_name, displacement=_.number(m.conservative_displacement, 1)),
        _("Waste prevented is the object's weight; each figure is stored with the weight source "
          "(measured, estimated or category average) and the factor-set version at the time it "
          "was recorded, so this report does not change when factors are updated later."),
        _("A reused part credits its own weight and its share of the category footprint. "
          "Recycling credits multiply the kilograms of each material by a credit per kilogram "
          "(low and central values from the literature) and replace primary production."),
        _("Known limits: some categories rest on a single product (bicycle, sewing machine, "
          "coffee maker), and published reference data differ slightly in places (mobile phone "
          "51.1 vs 50.51 kg CO2e). The choice of method moves results by up to about 2.6 times, "
          "which is why a range is shown."),
    ]
    if m.recomputed_label:
        lines.append(_("Figures recomputed under factor set %(label)s", label=m.recomputed_label))
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
        {"text": methodology_lines(report) + [report.words("Sources") + ":"]
         + list(report.meta.sources)}
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
