"""Vector charts (reportlab.graphics) for the PDF report."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from reports.i18n import N_, Words
from reports.impact import OUTCOMES

OUTCOME_COLOURS = {
    "fixed": colors.HexColor("#2e7d32"),
    "repairable": colors.HexColor("#f9a825"),
    "end_of_life": colors.HexColor("#c62828"),
    "unknown": colors.HexColor("#9e9e9e"),
}
ACCENT = colors.HexColor("#1565c0")
FONT = "Helvetica"


def _title(d: Drawing, text: str, width: float, height: float) -> None:
    d.add(
        String(
            0,
            height - 12,
            text,
            fontName="Helvetica-Bold",
            fontSize=10,
            fillColor=colors.HexColor("#222222"),
        )
    )


def _axis(value: float, counts: bool = False) -> tuple[float, float]:
    """A round axis (maximum, step) with at most about five steps; whole steps for counts."""
    if counts:
        value = max(value, 4.0)
    if value <= 0:
        return 1.0, 0.25
    rough = value / 4
    exp = 10 ** math.floor(math.log10(rough))
    step = next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= rough)
    if counts:
        step = max(1.0, math.ceil(step))
    return math.ceil(value / step) * step, step


def _month_label(month: str, n: int) -> str:
    # 2025-03 -> 03/25 when many months, else 2025-03; quarters and years stay as they are
    if len(month) == 7 and month[4] == "-" and month[5:7].isdigit():
        return f"{month[5:7]}/{month[2:4]}" if n > 6 else month
    return month


def _buckets(frame: pd.DataFrame) -> list[str]:
    """The bucket names of a trend frame (its `label`), or of a plain monthly frame."""
    column = "label" if "label" in frame.columns else "month"
    return [_month_label(str(m), len(frame)) for m in frame[column]] or [""]


OBJECTS_TITLES = {"month": N_("Objects per month by outcome"),
                  "quarter": N_("Objects per quarter by outcome"),
                  "year": N_("Objects per year by outcome")}
CO2E_TITLES = {"month": N_("CO2e avoided per month (kg, %(figure)s)"),
               "quarter": N_("CO2e avoided per quarter (kg, %(figure)s)"),
               "year": N_("CO2e avoided per year (kg, %(figure)s)")}


def _outcome_legend(outcome_labels: Mapping[str, str], y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = 40, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = FONT
    legend.fontSize = 8
    legend.dx = legend.dy = 7
    legend.deltax = 90
    legend.colorNamePairs = [(OUTCOME_COLOURS[o], outcome_labels[o]) for o in OUTCOMES]
    return legend


def monthly_outcomes(
    monthly: pd.DataFrame, words: Words, outcome_labels: Mapping[str, str], width: float = 480,
    height: float = 200, unit: str = "month",
) -> Drawing:
    """Objects per month (or quarter, or year), stacked by outcome; `outcome_labels` are
    already translated."""
    _ = words
    d = Drawing(width, height)
    _title(d, _(OBJECTS_TITLES[unit]), width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 40
    chart.width, chart.height = width - 60, height - 75
    data = [list(monthly[o].astype(float)) for o in OUTCOMES]
    if not monthly.empty:
        chart.data = data
    else:
        chart.data = [[0.0] for _ in OUTCOMES]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = _buckets(monthly)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    if len(monthly) > 12:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    totals = monthly[list(OUTCOMES)].sum(axis=1).max() if not monthly.empty else 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = _axis(float(totals), counts=True)
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = words.number
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    chart.valueAxis.visibleGrid = True
    chart.barSpacing = 0
    chart.groupSpacing = 4
    for i, o in enumerate(OUTCOMES):
        chart.bars[i].fillColor = OUTCOME_COLOURS[o]
        chart.bars[i].strokeColor = None
    d.add(chart)
    d.add(_outcome_legend(outcome_labels, height - 24))
    return d


def monthly_co2e(
    monthly: pd.DataFrame, words: Words, width: float = 480, height: float = 160,
    unit: str = "month", figure: str = "central",
) -> Drawing:
    """CO2e avoided per month (or quarter, or year) under the report's main factor set;
    `figure` names that set ("central", translated, or the set's name)."""
    _ = words
    d = Drawing(width, height)
    _title(d, _(CO2E_TITLES[unit], figure=figure), width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 50, 30
    chart.width, chart.height = width - 70, height - 55
    values = [float(v) for v in monthly["co2e_avoided_kg"]] or [0.0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = _buckets(monthly)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    if len(monthly) > 12:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = _axis(max(values))
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = words.number
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def top_categories(
    by_category: pd.DataFrame, words: Words, n: int = 10, width: float = 480,
    outcome_labels: Mapping[str, str] | None = None,
) -> Drawing:
    """The `n` categories with the most objects, stacked by outcome, with the outcomes'
    legend (`outcome_labels`, translated; the outcome codes made readable without them)."""
    _ = words
    top = by_category.head(n).iloc[::-1]
    rows = max(len(top), 1)
    legend_room = 18
    height = 40 + rows * 16 + legend_room
    d = Drawing(width, height)
    _title(d, _("Objects by category (top %(count)s)", count=min(n, len(by_category))),
           width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 170, 10
    chart.width, chart.height = width - 190, height - 30 - legend_room
    if top.empty:
        chart.data = [[0.0] for _ in OUTCOMES]
    else:
        chart.data = [list(top[o].astype(float)) for o in OUTCOMES]
    chart.categoryAxis.style = "stacked"
    names = [str(nm)[:34] for nm in top["category_name"]] or [""]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = _axis(
        float(top["objects"].max()) if not top.empty else 0, counts=True
    )
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = words.number
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    chart.barSpacing = 0
    for i, o in enumerate(OUTCOMES):
        chart.bars[i].fillColor = OUTCOME_COLOURS[o]
        chart.bars[i].strokeColor = None
    d.add(chart)
    labels = outcome_labels or {o: o.replace("_", " ").capitalize() for o in OUTCOMES}
    d.add(_outcome_legend(labels, height - 24))
    return d
