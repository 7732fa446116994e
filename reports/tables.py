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
from reports.survival import POOL_BELOW, Checkpoint, SurvivalRow, survival_frame

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
    "Lasting repairs",
    "Coverage",
    "Assumptions",
    "Data",
    "Methodology",
)


def render_csv(report: Report) -> bytes:
    """Tidy CSV: one row per period x scope x category x outcome (UTF-8, comma, '.' decimals)."""
    frame = report.tidy.copy()
    for col in ("waste_prevented_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg"):
        frame[col] = frame[col].round(3)
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


COUNT, SHARE, KG, TONNES = "#,##0", "0.0%", "#,##0.00", "#,##0.000"


def summary_rows(report: Report) -> list[tuple[str, object, str | None]]:
    """(label, value, number format) of the headline, for the XLSX summary and tests.

    Counts are counts and shares are shares (shown as percentages); a flow the scope does not
    record at all reads "Not recorded" instead of a zero.
    """
    m, h, c, _ = report.meta, report.headline, report.coverage, report.words
    s = h.success
    not_recorded = _("Not recorded")

    def parts(value: float) -> object:
        return value if h.parts_recorded else not_recorded

    def recycled(value: float) -> object:
        return round(value, 3) if h.recycling_recorded else not_recorded

    return [
        (_("Circularity report"), m.title, None),
        (_("Scope"), m.scope_label, None),
        (_("Period"), m.period_label, None),
        (_("Factor set"), m.factor_set_label, None),
        (_("Generated"), m.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip(), None),
        (_("Objects received"), h.objects_received, COUNT),
        (_(m.names.outcome("fixed")), h.fixed, COUNT),
        (_("Repair success rate"), h.repair_success_rate, SHARE),
        (_("Records with a known outcome"), s.known_share, SHARE),
        (_("Kept in use") + " (kg)", round(h.kg_kept_in_use, 3), KG),
        (_("CO2e avoided (central)") + " (kg)", round(h.co2e_avoided_kg, 3), KG),
        (_("CO2e avoided (conservative)") + " (kg)", round(h.co2e_avoided_conservative_kg, 3),
         KG),
        (_("Parts harvested"), parts(h.parts_harvested), COUNT),
        (_("Parts reused"), parts(h.parts_reused), COUNT),
        (_("Parts reused") + " (kg)", parts(round(h.parts_reused_kg, 3)), KG),
        (_("Recycled") + " (kg)", recycled(h.kg_recycled), KG),
        (_("Credit central (kg CO2e)"), recycled(h.recycling_co2e_central_kg), KG),
        (_("Credit low (kg CO2e)"), recycled(h.recycling_co2e_low_kg), KG),
        (_("Records with a category"), c.with_category, COUNT),
        (_("Share of records with a category"), c.share_with_category, SHARE),
        (_("Records with a weight"), c.with_weight, COUNT),
        (_("Share of records with a weight"), c.share_with_weight, SHARE),
        (_("Fixed objects without a recorded weight"), c.fixed_without_weight, COUNT),
    ]


def column_format(name: str) -> str | None:
    """The number format of a report column, by its name: shares as percentages, masses with
    two decimals (tonnes with three), counts with thousands separators."""
    if name.startswith(("share", "still_working")) or name == "success_rate":
        return SHARE
    if name.endswith("tonnes"):
        return TONNES
    if name.endswith("_kg") or name == "kg":
        return KG
    if name in ("objects", "fixed", "repairable", "end_of_life", "unknown", "parts",
                "parts_reused", "objects_with_weight", "back_in_use_objects", "followed",
                "broke_again", "censored") or name.startswith(("with_", "at_risk")):
        return COUNT
    return None


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
        *weight_lines(report),
        _("Each figure is stored with the weight it rests on (measured, estimated or category "
          "average) and the factor-set version at the time it was recorded, so this report does "
          "not change when factors are updated later."),
        _("Categories without a row of their own in the factor set are scored through the "
          "nearest category, and one size stands for laptops (medium) and flat screens "
          "(22-24\"); the data coverage section lists each such category with its share of the "
          "CO2e figure."),
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


def lasting_lines(report: Report) -> list[str]:
    """What the survival table rests on: who was followed, who was never heard of, and how the
    estimate treats both (PDF, XLSX and the dashboard)."""
    table, _ = report.lasting, report.words
    if table is None:
        return []
    day, silent = table.known_at.isoformat(), _.number(table.not_followed)
    if table.followed:
        everything = table.rows[-1]
        first = _("%(followed)s objects handed back fixed were followed through their owners' "
                  "answers up to %(day)s: %(broke)s broke again and %(censored)s still worked at "
                  "their latest answer. %(silent)s more went home fixed and their owners, asked, "
                  "have not answered: they are not counted as working.",
                  followed=_.number(everything.followed), day=day,
                  broke=_.number(everything.broke), censored=_.number(everything.censored),
                  silent=silent)
    else:
        first = _("No owner has answered a follow-up in this scope up to %(day)s; the owners "
                  "of %(silent)s objects that went home fixed were asked.", day=day,
                  silent=silent)
    return [first, _(
        "Share still working so many months after hand-over: a Kaplan-Meier estimate. In "
        "brackets, the objects still followed at that point (at risk). An object whose answers "
        "all say it still works is censored at its latest answer: it counts as working up to "
        "then and no further. A breakdown reported in answer to a follow-up question counts at "
        "that question's month, one reported on the label page or at the café on "
        "the day it was reported; it may have happened earlier, so the estimate may lean "
        "optimistic by up to one follow-up interval. A dash: nobody has been followed that "
        "long yet. Objects handed back before the period are followed too.")]


def lasting_heading(report: Report, months: float) -> str:
    _ = report.words
    return _("Still working at %(months)s", months=lasting_months(report, months))


def lasting_months(report: Report, months: float) -> str:
    _ = report.words
    return _("%(count)s months", count=_.number(months, 0 if months.is_integer() else 1))


def lasting_row_name(report: Report, row: SurvivalRow) -> str:
    """A category's name, or what a pooled row or the row of every object stands for."""
    _ = report.words
    if row.kind == "all":
        return _("All objects")
    if row.kind == "other":
        return _("Other categories (fewer than %(count)s followed each)", count=POOL_BELOW)
    return _.name(row.category) or _("No category")


def lasting_cell(report: Report, checkpoint: Checkpoint) -> str:
    """"92% (25)": the share still working, and how many objects were still followed."""
    _ = report.words
    return f"{_.percent(checkpoint.survival, 0)} ({_.number(checkpoint.at_risk)})"


def weight_lines(report: Report) -> list[str]:
    """Which weight each figure uses under the report's factor set, and how many objects of
    this report rest on which weight."""
    m, _ = report.meta, report.words
    ratios = {"name": m.factor_set_name, "powered": _.number(m.ratio_powered, 2),
              "unpowered": _.number(m.ratio_unpowered, 2)}
    if m.weight_policy == "restart":
        lines = [
            _("Which weight each figure uses (factor set %(name)s, the Restart Project's "
              "Fixometer rule): for every powered object outside the Misc categories, kept in use "
              "is the category's average weight and CO2e avoided its average footprint, even when "
              "a weight was measured or estimated; a mistyped weight therefore cannot move these "
              "figures.", **ratios),
            _("A recorded weight (measured, else estimated) is used only for Misc and "
              "non-electric objects: kept in use is that weight, and CO2e avoided is the weight "
              "times %(powered)s kg CO2e per kg (powered) or %(unpowered)s (non-electric), times "
              "the displacement. Non-electric objects without a weight take their category "
              "average; Misc objects without a weight count zero.", **ratios),
        ]
    else:
        lines = [
            _("Which weight each figure uses (factor set %(name)s): kept in use is the recorded "
              "weight (measured, else estimated) where there is one, else the category's average "
              "weight; CO2e avoided is the category's average footprint whatever the weight, or, "
              "for Misc and non-electric objects, the recorded weight times %(powered)s kg CO2e "
              "per kg (powered) or %(unpowered)s (non-electric), times the displacement.",
              **ratios),
        ]
    basis = m.weight_basis
    if basis:
        lines.append(_(
            "In this report, %(average)s credited objects rest on a category average weight, "
            "%(recorded)s on a recorded weight and %(none)s on no weight at all (counted zero).",
            average=_.number(basis.get("category_average", 0)),
            recorded=_.number(basis.get("recorded", 0)), none=_.number(basis.get("none", 0))))
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


def _shown(value: object) -> str:
    """Roughly what a cell shows once formatted, to size its column."""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _assumptions_sheet(report: Report) -> pd.DataFrame:
    """Stand-in categories with their share of the CO2e, then recorded weights to check (by
    object code)."""
    rows: list[tuple[object, ...]] = [
        ("stand_in", r.category, r.category_name, r.kind, r.scored_as, r.co2e_avoided_kg,
         r.share_of_co2e, None) for r in report.assumptions.itertuples()]
    rows += [("weight_to_check", d.code, d.category_name, d.kind, "", None, None, d.weight_kg)
             for d in report.meta.doubtful_weights]
    return pd.DataFrame(rows, columns=["what", "key", "category_name", "kind", "scored_as",
                                       "co2e_avoided_kg", "share_of_co2e", "weight_kg"])


def _lasting_sheet(report: Report) -> pd.DataFrame:
    """The survival table: one row per category, then all objects."""
    if report.lasting is None:
        return pd.DataFrame(columns=["category_name", "followed", "broke_again", "censored"])
    return survival_frame(report.lasting, lambda row: lasting_row_name(report, row))


def _formats(sheet: Worksheet, frame: pd.DataFrame, row_formats: list[str | None] | None
             ) -> None:
    """Give number cells their format: by column, or (summary sheets) by row."""
    for i, name in enumerate(frame.columns, start=1):
        fmt = column_format(str(name))
        for r in range(2, len(frame) + 2):
            cell = sheet.cell(r, i)
            if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                continue
            chosen = row_formats[r - 2] if row_formats is not None else fmt
            if chosen:
                cell.number_format = chosen


def render_xlsx(report: Report) -> bytes:
    """The report as a workbook of several sheets, in the order of :data:`SHEETS`."""
    buf = io.BytesIO()
    rows = summary_rows(report)
    summary = pd.DataFrame([(label, value) for label, value, _f in rows],
                           columns=["item", "value"])
    c = report.coverage
    coverage_rows = [
        ("objects", c.objects, COUNT),
        ("with_category", c.with_category, COUNT),
        ("share_with_category", c.share_with_category, SHARE),
        ("with_weight", c.with_weight, COUNT),
        ("share_with_weight", c.share_with_weight, SHARE),
        ("without_weight", c.without_weight, COUNT),
        ("share_without_weight", c.share_without_weight, SHARE),
        ("fixed", c.fixed, COUNT),
        ("fixed_without_weight", c.fixed_without_weight, COUNT),
        ("known_outcome", report.headline.success.known, COUNT),
        ("share_known_outcome", report.headline.success.known_share, SHARE),
        ("doubtful_weights", len(report.meta.doubtful_weights), COUNT),
    ]
    if report.lasting is not None:
        coverage_rows += [("followed_after_repair", report.lasting.followed, COUNT),
                          ("never_heard_of_after_repair", report.lasting.not_followed, COUNT)]
    coverage = pd.DataFrame([(k, v) for k, v, _f in coverage_rows], columns=["measure", "value"])
    method = pd.DataFrame(
        {"text": methodology_lines(report) + lasting_lines(report)
         + [report.words("Sources") + ":"] + list(report.meta.sources)}
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
        "Lasting repairs": _lasting_sheet(report),
        "Coverage": coverage,
        "Assumptions": _assumptions_sheet(report),
        "Data": report.tidy,
        "Methodology": method,
    }
    row_formats: dict[str, list[str | None]] = {
        "Summary": [f for _l, _v, f in rows],
        "Coverage": [f for _k, _v, f in coverage_rows],
    }
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name in SHEETS:
            frame = safe_frame(frames[name])
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for i, col in enumerate(frame.columns, start=1):
                width = max([len(str(col))] + [len(_shown(v)) for v in frame[col].head(200)])
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(
                    max(10, width + 2), 90
                )
            sheet.freeze_panes = "A2"
            _formats(sheet, frames[name], row_formats.get(name))
            _no_formulas(sheet)
    return buf.getvalue()
