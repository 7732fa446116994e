"""The PDF report: a document a council officer can read without ever having seen the app."""

from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports import charts
from reports.i18n import N_
from reports.impact import OUTCOMES, Report
from reports.tables import (
    lasting_cell,
    lasting_heading,
    lasting_lines,
    lasting_row_name,
    methodology_lines,
)

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#bdbdbd")
HEAD_BG = colors.HexColor("#eceff1")

_base = getSampleStyleSheet()
BODY = ParagraphStyle(
    "body", parent=_base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5, spaceAfter=4
)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=GREY)
H1 = ParagraphStyle(
    "h1", parent=_base["Heading1"], fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=2
)
H2 = ParagraphStyle(
    "h2",
    parent=_base["Heading2"],
    fontName="Helvetica-Bold",
    fontSize=13,
    leading=16,
    spaceBefore=10,
    spaceAfter=6,
)
H3 = ParagraphStyle("h3", parent=H2, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=4)
SUB = ParagraphStyle("sub", parent=BODY, fontSize=11, leading=14, textColor=GREY, spaceAfter=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5, spaceAfter=0)
CELL_R = ParagraphStyle("cellr", parent=CELL, alignment=TA_RIGHT)
KPI_V = ParagraphStyle(
    "kpiv", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18, spaceAfter=0
)
KPI_L = ParagraphStyle("kpil", parent=BODY, fontSize=8, leading=10, textColor=GREY, spaceAfter=0)


def co2(text: str) -> str:
    """Escape text for a Paragraph and set CO2 with a subscript."""
    return escape(text).replace("CO2", "CO<sub>2</sub>")


def _numbered_canvas(report: Report):
    meta, _ = report.meta, report.words

    class NumberedCanvas(pdfcanvas.Canvas):
        """Draws header and 'page X of Y' footer once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            self.setStrokeColor(LINE)
            self.setLineWidth(0.5)
            top = PAGE_H - 12 * mm
            self.setFont("Helvetica-Bold", 8.5)
            self.setFillColor(colors.black)
            self.drawString(MARGIN, top, meta.title)
            self.setFont("Helvetica", 8.5)
            self.drawRightString(PAGE_W - MARGIN, top, f"{meta.scope_label} · {meta.period_label}")
            self.line(MARGIN, top - 3, PAGE_W - MARGIN, top - 3)
            bottom = 10 * mm
            self.line(MARGIN, bottom + 9, PAGE_W - MARGIN, bottom + 9)
            self.setFillColor(GREY)
            self.setFont("Helvetica", 7.5)
            left = " ".join([_("Factor set"), meta.factor_set_label, "·", _("Generated"),
                             meta.generated_at.strftime("%Y-%m-%d %H:%M")])
            self.drawString(MARGIN, bottom, left)
            self.drawRightString(
                PAGE_W - MARGIN, bottom, _("Page %(page)s of %(total)s", page=self._pageNumber,
                                           total=total)
            )
            self.restoreState()

    return NumberedCanvas


def _table(rows: list[list], widths: list[float], numeric_from: int = 1, long: bool = False):
    """Header row + body; numbers right-aligned; header repeated when the table breaks."""
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            style = CELL_R if c >= numeric_from else CELL
            text = co2(str(value))
            cells.append(Paragraph(f"<b>{text}</b>" if r == 0 else text, style))
        body.append(cells)
    cls = LongTable if long else Table
    table = cls(body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("LINEBELOW", (0, 0), (-1, 0), 0.7, GREY),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def co2e_label(report: Report) -> str:
    """What the main CO2e figure is: the central set's, or the named set it was recomputed under."""
    m, _ = report.meta, report.words
    if m.recomputed_label:
        return _("CO2e avoided (%(set)s)", set=m.factor_set_name)
    return _("CO2e avoided (central)")


def co2e_head(report: Report) -> str:
    """Table heading of the main CO2e column, in kg: "central" only for the published set (a
    recomputed report names its set at the top and at the foot of every page)."""
    m, _ = report.meta, report.words
    if m.recomputed_label:
        return _("CO2e (kg)")
    return _("CO2e central (kg)")


def success_note(report: Report) -> str:
    """"of known outcomes; 33.3% unknown": what every success rate rests on."""
    _ = report.words
    s = report.headline.success
    return _("%(rate)s of known outcomes; %(unknown)s unknown", rate=_.percent(s.rate),
             unknown=_.percent(s.unknown_share))


def _kpis(report: Report) -> Table:
    h, m, _ = report.headline, report.meta, report.words
    unit = _.mass_unit(h.kg_kept_in_use, h.co2e_avoided_kg, h.co2e_avoided_conservative_kg,
                       h.kg_recycled, h.recycling_co2e_central_kg, h.eu_reused_tonnes * 1000)
    not_recorded = _("Not recorded")
    parts = (f"{_.number(h.parts_harvested)} / {_.number(h.parts_reused)}"
             if h.parts_recorded else not_recorded)
    recycled = _.mass(h.kg_recycled, unit) if h.recycling_recorded else not_recorded
    credit = (f"{_.mass(h.recycling_co2e_low_kg, unit)} – "
              f"{_.mass(h.recycling_co2e_central_kg, unit)}"
              if h.recycling_recorded else not_recorded)
    cells = [
        (_.number(h.objects_received), _("Objects received")),
        (_.percent(h.repair_success_rate),
         _("Repair success rate") + " (" + success_note(report) + ")"),
        (_.mass(h.kg_kept_in_use, unit), _("Kept in use")),
        (_.mass(h.co2e_avoided_kg, unit), co2e_label(report)),
    ]
    if not m.central_is_conservative:
        cells.append((_.mass(h.co2e_avoided_conservative_kg, unit),
                      _("CO2e avoided (conservative)")))
    cells += [
        (parts, _("Parts harvested") + " / " + _("Parts reused").lower()),
        (recycled, _("Recycled")),
        (credit, _("Recycling credit, low to central")),
        (_.mass(h.eu_reused_tonnes * 1000, unit), _("Back in use (EU 2021/19 re-use)")),
    ]
    grid: list[list[list[Paragraph]]] = []
    row: list[list[Paragraph]] = []
    for value, label in cells:
        row.append([Paragraph(co2(value), KPI_V), Paragraph(co2(label), KPI_L)])
        if len(row) == 3:
            grid.append(row)
            row = []
    if row:
        grid.append(row + [[] for _blank in range(3 - len(row))])
    width = (PAGE_W - 2 * MARGIN) / 3
    table = Table(grid, colWidths=[width] * 3, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def _title(report: Report) -> list[Flowable]:
    """Title, scope and period."""
    m = report.meta
    _ = report.words
    story: list[Flowable] = []
    story.append(Paragraph(co2(m.title), H1))
    story.append(
        Paragraph(
            co2(_("Scope") + _.colon + m.scope_label + " · " + _("Period") + _.colon
                + m.period_label),
            SUB,
        )
    )
    if m.recomputed_label:
        recomputed = _("Figures recomputed under factor set %(label)s", label=m.recomputed_label)
        story.append(Paragraph(co2(recomputed), BODY))
    return story


def _headline(report: Report) -> list[Flowable]:
    """The headline figures with the range of CO2e and the data coverage in a line."""
    _ = report.words
    n = _.number
    story: list[Flowable] = []
    story.append(Paragraph(co2(_("Headline figures")), H2))
    story.append(_kpis(report))
    story.append(Spacer(1, 6))
    story.append(Paragraph(co2(range_sentence(report)), SMALL))
    story.append(Paragraph(co2(_("Repair success rate = fixed objects / objects with a known "
                                 "outcome.") + " " + success_note(report) + "."), SMALL))
    c = report.coverage
    story.append(
        Paragraph(
            co2(
                _("Data coverage") + _.colon
                + " · ".join([
                    _("Records with a category") + " " + _.percent(c.share_with_category),
                    _("Records with a weight") + " " + _.percent(c.share_with_weight),
                    _("Fixed objects without a recorded weight") + " "
                    + n(c.fixed_without_weight),
                ])
            ),
            SMALL,
        )
    )
    summary = assumptions_summary(report)
    if summary:
        story.append(Paragraph(co2(summary), SMALL))
    notice = attribution(report)
    if notice:
        story.append(Paragraph(co2(notice), SMALL))
    return story


def assumption_text(report: Report, row) -> str:  # type: ignore[no-untyped-def]
    """"Battery/charger/adapter scored as PC accessory (11.2% of CO2e)"."""
    _ = report.words
    share = _.percent(row.share_of_co2e)
    if row.kind == "size":
        return _("%(category)s assumed to be %(row)s (%(share)s of CO2e)",
                 category=row.category_name, row=row.scored_as, share=share)
    return _("%(category)s scored as %(row)s (%(share)s of CO2e)",
             category=row.category_name, row=row.scored_as, share=share)


def assumptions_summary(report: Report) -> str | None:
    """Every stand-in category of the report in one line, with its share of the CO2e figure."""
    _ = report.words
    if report.assumptions.empty:
        return None
    parts = [assumption_text(report, r) for r in report.assumptions.itertuples()]
    return _("Assumptions") + _.colon + "; ".join(parts) + "."


def range_sentence(report: Report) -> str:
    """The CO2e range in words; a report recomputed under the conservative set has none."""
    m, h, _ = report.meta, report.headline, report.words
    n = _.number
    tail = " " + _("Recycling credits are reported separately and never added to repair credits.")
    if m.central_is_conservative:
        return _("CO2e avoided by repair under the conservative factor set %(name)s "
                 "(displacement %(displacement)s): %(kg)s.", name=m.factor_set_name,
                 displacement=n(m.displacement, 1), kg=_.kg(h.co2e_avoided_kg)) + tail
    if m.recomputed_label:
        return _("CO2e avoided by repair: %(high)s under factor set %(name)s (displacement "
                 "%(displacement)s); %(low)s under the conservative set (displacement "
                 "%(conservative_displacement)s).", high=_.kg(h.co2e_avoided_kg),
                 name=m.factor_set_name, displacement=n(m.displacement, 1),
                 low=_.kg(h.co2e_avoided_conservative_kg),
                 conservative_displacement=n(m.conservative_displacement, 1)) + tail
    return _(
        "CO2e avoided by repair lies between %(low)s (conservative, displacement "
        "%(conservative_displacement)s) and %(high)s (central, displacement "
        "%(displacement)s). Recycling credits are reported separately and never "
        "added to repair credits.",
        low=_.kg(h.co2e_avoided_conservative_kg),
        high=_.kg(h.co2e_avoided_kg),
        displacement=n(m.displacement, 1),
        conservative_displacement=n(m.conservative_displacement, 1),
    )


def attribution(report: Report) -> str | None:
    """The CC BY-SA 4.0 notice for imported Open Repair Data Standard records, if any."""
    m, _ = report.meta, report.words
    if not m.data_providers:
        return None
    return _("Contains Open Repair Data Standard records from %(providers)s, licensed under "
             "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). Figures derived "
             "from them are shared under the same licence.",
             providers=", ".join(m.data_providers))


TREND_HEADINGS = {"month": N_("Monthly trend"), "quarter": N_("Trend by quarter"),
                  "year": N_("Trend by year")}
TREND_COLUMN = {"month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year")}


def _monthly(report: Report) -> list[Flowable]:
    """The trend by month (by quarter or year over long periods): two charts and a table."""
    m = report.meta
    _ = report.words
    n = _.number
    unit = report.trend_unit
    full = PAGE_W - 2 * MARGIN
    outcome_labels = {o: _(m.names.outcome(o)) for o in OUTCOMES}
    trend = report.trend
    story: list[Flowable] = []
    story.append(Paragraph(co2(_(TREND_HEADINGS[unit])), H2))
    story.append(charts.monthly_outcomes(trend, _, outcome_labels, width=full, unit=unit))
    story.append(Spacer(1, 4))
    figure = _("central") if not m.recomputed_label else m.factor_set_name
    story.append(charts.monthly_co2e(trend, _, width=full, unit=unit, figure=figure))
    rows = [
        [
            _(TREND_COLUMN[unit]),
            _("Objects"),
            _(m.names.outcome("fixed")),
            _("Success"),
            _("Kept in use (kg)"),
            co2e_head(report),
            _("CO2e conservative (kg)"),
        ]
    ]
    for r in trend.itertuples():
        rows.append(
            [
                r.label,
                n(r.objects),
                n(r.fixed),
                _.percent(r.success_rate),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
                n(r.co2e_avoided_conservative_kg, 1),
            ]
        )
    widths = [22 * mm, 20 * mm, 20 * mm, 20 * mm, 32 * mm, 30 * mm, 30 * mm]
    if m.central_is_conservative:  # the two CO2e columns would be the same figures
        rows = [row[:-1] for row in rows]
        widths = [22 * mm, 20 * mm, 20 * mm, 20 * mm, 44 * mm, 48 * mm]
    story.append(Spacer(1, 6))
    story.append(_table(rows, widths, long=True))
    story.append(Paragraph(co2(_("Success = fixed objects / objects with a known outcome.")
                               + " " + success_note(report) + "."), SMALL))
    return story


def _outcomes_and_barriers(report: Report) -> list[Flowable]:
    """Objects by outcome, then end-of-life objects by barrier."""
    _ = report.words
    n = _.number
    story: list[Flowable] = []
    story.append(CondPageBreak(50 * mm))
    story.append(Paragraph(co2(_("Breakdown by outcome")), H2))
    rows = [
        [
            _("Outcome"),
            _("Objects"),
            _("Share"),
            _("Kept in use (kg)"),
            co2e_head(report),
        ]
    ]
    for r in report.by_outcome.itertuples():
        rows.append(
            [
                r.label,
                n(r.objects),
                _.percent(r.share),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
            ]
        )
    story.append(_table(rows, [50 * mm, 25 * mm, 25 * mm, 35 * mm, 35 * mm]))
    story.append(Paragraph(co2(_("Barriers to repair (end-of-life objects)")), H2))
    rows = [[_("Barrier"), _("Objects"), _("Share")]]
    for r in report.by_barrier.itertuples():
        rows.append([r.label, n(r.objects), _.percent(r.share)])
    story.append(_table(rows, [90 * mm, 25 * mm, 25 * mm]))
    return story


def _categories(report: Report) -> list[Flowable]:
    """The top categories chart and the table of categories."""
    m = report.meta
    _ = report.words
    n = _.number
    full = PAGE_W - 2 * MARGIN
    story: list[Flowable] = []
    story.append(Paragraph(co2(_("Breakdown by category")), H2))
    story.append(charts.top_categories(report.by_category, _, width=full, outcome_labels={
        o: _(m.names.outcome(o)) for o in OUTCOMES}))
    story.append(Spacer(1, 6))
    rows = [
        [
            _("Category"),
            _("Objects"),
            _(m.names.outcome("fixed")),
            _(m.names.outcome("repairable")),
            _(m.names.outcome("end_of_life")),
            _("Success"),
            _("Kept in use (kg)"),
            co2e_head(report),
        ]
    ]
    for r in report.by_category.itertuples():
        rows.append(
            [
                r.category_name,
                n(r.objects),
                n(r.fixed),
                n(r.repairable),
                n(r.end_of_life),
                _.percent(r.success_rate),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
            ]
        )
    story.append(
        _table(
            rows,
            [36 * mm, 16 * mm, 17 * mm, 21 * mm, 19 * mm, 18 * mm, 23 * mm, 24 * mm],
            long=True,
        )
    )
    story.append(Paragraph(co2(_("Success = fixed objects / objects with a known outcome.")
                               + " " + success_note(report) + "."), SMALL))
    return story


def _lasting(report: Report) -> list[Flowable]:
    """How long repairs last: the survival table per category, with what it rests on."""
    table = report.lasting
    if table is None:
        return []
    _ = report.words
    story: list[Flowable] = [CondPageBreak(50 * mm),
                             Paragraph(co2(_("How long repairs last")), H2)]
    if table.rows:
        rows = [[_("Category"), _("Followed"), _("Broke again"), _("Censored")]
                + [lasting_heading(report, m) for m in table.checkpoints]]
        for row in table.rows:
            rows.append([lasting_row_name(report, row),
                         _.number(row.followed), _.number(row.broke), _.number(row.censored)]
                        + [lasting_cell(report, c) for c in row.checkpoints])
        rest = (PAGE_W - 2 * MARGIN - 44 * mm - 3 * 19 * mm) / max(len(table.checkpoints), 1)
        story.append(_table(rows, [44 * mm] + [19 * mm] * 3 + [rest] * len(table.checkpoints),
                            long=True))
    for line in lasting_lines(report):
        story.append(Paragraph(co2(line), SMALL))
    return story


def _sites(report: Report) -> list[Flowable]:
    """The table of sites."""
    m = report.meta
    _ = report.words
    n = _.number
    story: list[Flowable] = []
    story.append(Paragraph(co2(_("Breakdown by site")), H2))
    rows = [
        [
            _("Site"),
            _("Objects"),
            _(m.names.outcome("fixed")),
            _("Success"),
            _("Kept in use (kg)"),
            co2e_head(report),
            _("Recycled") + " (kg)",
        ]
    ]
    for r in report.by_site.itertuples():
        rows.append(
            [
                r.site,
                n(r.objects),
                n(r.fixed),
                _.percent(r.success_rate),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
                n(r.kg_recycled, 1) if report.headline.recycling_recorded else _("Not recorded"),
            ]
        )
    story.append(
        _table(rows, [48 * mm, 18 * mm, 18 * mm, 18 * mm, 26 * mm, 26 * mm, 20 * mm], long=True)
    )
    story.append(Paragraph(co2(_("Success = fixed objects / objects with a known outcome.")
                               + " " + success_note(report) + "."), SMALL))
    return story


def _hierarchy(report: Report) -> list[Flowable]:
    """Mass by level of the waste hierarchy, each kilogram in one fate."""
    _ = report.words
    n = _.number
    block = [Paragraph(co2(_("Waste hierarchy")), H2)]
    rows = [[_("Level"), _("Mass (kg)"), _("Objects")]]
    for r in report.hierarchy.itertuples():
        kg = "–" if r.kg != r.kg else n(r.kg, 1)
        if r.level == "recycling" and not report.headline.recycling_recorded:
            kg = _("Not recorded")
        objects = "–" if r.objects is None or str(r.objects) == "<NA>" else n(int(r.objects))
        rows.append([r.label, kg, objects])
    block.append(_table(rows, [110 * mm, 30 * mm, 30 * mm]))
    block.append(Paragraph(co2(_(
        "Each kilogram is counted in one fate only. Objects that reached end of life and were "
        "not recorded as recycled or harvested have no recorded mass.")), SMALL))
    return [KeepTogether(block)]


def _recycling(report: Report) -> list[Flowable]:
    """Recycled mass and its credits by material."""
    _ = report.words
    h = report.headline
    n = _.number
    block = [Paragraph(co2(_("Recycling by material")), H2)]
    if not h.recycling_recorded:
        block.append(Paragraph(co2(_("Not recorded: no recycling is recorded for this area, so "
                                     "the report shows no recycled mass rather than zero.")),
                               BODY))
    elif report.recycling_by_material.empty:
        block.append(Paragraph(co2(_("No recycling recorded in this period.")), BODY))
    else:
        rows = [
            [_("Material"), "kg", _("Credit low (kg CO2e)"), _("Credit central (kg CO2e)")]
        ]
        for r in report.recycling_by_material.itertuples():
            rows.append(
                [r.label, n(r.kg, 1), n(r.co2e_credit_low_kg, 1), n(r.co2e_credit_central_kg, 1)]
            )
        rows.append(
            [
                _("Total"),
                n(h.kg_recycled, 1),
                n(h.recycling_co2e_low_kg, 1),
                n(h.recycling_co2e_central_kg, 1),
            ]
        )
        block.append(_table(rows, [70 * mm, 30 * mm, 35 * mm, 35 * mm]))
    return [KeepTogether(block)]


def _eu_reuse(report: Report) -> list[Flowable]:
    """Re-use by product category as the EU decision counts it."""
    _ = report.words
    h = report.headline
    n = _.number
    block = [
        Paragraph(co2(_("Re-use by product category (Commission Implementing Decision (EU) "
                        "2021/19)")), H2),
        Paragraph(co2(_("Counts only objects actually back in use: repaired and returned, or "
                        "refurbished and handed over. Mass in tonnes.")), SMALL),
    ]
    rows = [[_("Product category"), _("Objects"), _("Tonnes")]]
    for r in report.eu_reuse.itertuples():
        rows.append([r.label, n(r.objects), n(r.reused_tonnes, 3)])
    rows.append([_("Total"), n(int(report.eu_reuse["objects"].sum())), n(h.eu_reused_tonnes, 3)])
    block.append(_table(rows, [100 * mm, 30 * mm, 30 * mm]))
    return [KeepTogether(block)]


def _coverage(report: Report) -> list[Flowable]:
    """What the figures rest on: categories, weights, outcomes, stand-in categories and
    recorded weights that look like typing mistakes."""
    _ = report.words
    n = _.number
    c, s = report.coverage, report.headline.success
    story: list[Flowable] = [CondPageBreak(60 * mm),
                             Paragraph(co2(_("Data coverage and quality")), H2)]
    rows = [
        ["", _("Objects"), _("Share")],
        [_("Records with a category"), n(c.with_category), _.percent(c.share_with_category)],
        [_("Records with a weight"), n(c.with_weight), _.percent(c.share_with_weight)],
        [_("Records without a weight"), n(c.without_weight), _.percent(c.share_without_weight)],
        [
            _("Fixed objects without a recorded weight"),
            n(c.fixed_without_weight),
            _.percent(c.fixed_without_weight / c.fixed if c.fixed else None),
        ],
        [_("Records with a known outcome"), n(s.known), _.percent(s.known_share)],
    ]
    story.append(_table(rows, [100 * mm, 30 * mm, 30 * mm]))
    story.append(Paragraph(co2(weight_note(report)), SMALL))
    if not report.assumptions.empty:
        story.append(Paragraph(co2(_("Categories scored through another category")), H3))
        story.append(Paragraph(co2(_(
            "These categories have no row of their own in the factor set (or one of several "
            "sizes is assumed): their CO2e rests on the row named here.")), SMALL))
        rows = [[_("Category"), _("Scored as"), _("Fixed"), co2e_head(report),
                 _("Share of CO2e")]]
        for r in report.assumptions.itertuples():
            rows.append([r.category_name, r.scored_as, n(r.fixed), n(r.co2e_avoided_kg, 1),
                         _.percent(r.share_of_co2e)])
        story.append(_table(rows, [48 * mm, 48 * mm, 18 * mm, 30 * mm, 26 * mm],
                            numeric_from=2))
    story.append(Paragraph(co2(_("Recorded weights to check")), H3))
    story.append(Paragraph(co2(doubtful_text(report)), SMALL))
    return story


DOUBTS_LISTED = 40


def doubtful_text(report: Report) -> str:
    """How many recorded weights look like typing mistakes, and which objects (by code)."""
    _ = report.words
    doubts = report.meta.doubtful_weights
    if not doubts:
        return _("No recorded weight in this report looks implausible for its category.")
    listed = [
        _("%(code)s (%(category)s, %(kg)s recorded)", code=d.code, category=d.category_name,
          kg=_.kg(d.weight_kg))
        for d in doubts[:DOUBTS_LISTED]
    ]
    text = _("Recorded weights that look implausible for their category (more than ten times, "
             "or less than a twentieth of, its average weight): %(count)s. Worth checking: "
             "%(objects)s.", count=_.number(len(doubts)), objects="; ".join(listed))
    if len(doubts) > DOUBTS_LISTED:
        text += " " + _("And %(count)s more.", count=_.number(len(doubts) - DOUBTS_LISTED))
    return text


def weight_note(report: Report) -> str:
    """Where the weights above count and where they do not."""
    _ = report.words
    if report.meta.weight_policy == "restart":
        return _("A recorded weight counts towards the figures only for Misc and non-electric "
                 "objects; powered objects are credited their category average (see "
                 "Methodology).")
    return _("A recorded weight is used for kept in use where there is one; otherwise the "
             "category average weight (see Methodology).")


def _methodology(report: Report) -> list[Flowable]:
    """The methodology and the numbered sources, on a page of their own."""
    m = report.meta
    _ = report.words
    story: list[Flowable] = []
    story.append(PageBreak())
    story.append(Paragraph(co2(_("Methodology")), H2))
    for line in methodology_lines(report):
        story.append(Paragraph(co2(line), BODY))
    story.append(Paragraph(co2(_("Sources")), H2))
    for i, source in enumerate(m.sources or [_("none")], start=1):
        story.append(Paragraph(co2(f"{i}. {source}"), SMALL))
    notice = attribution(report)
    if notice:
        story.append(Paragraph(co2(_("Data licence")), H2))
        story.append(Paragraph(co2(notice), SMALL))
    return story


SECTIONS: tuple[Callable[[Report], list[Flowable]], ...] = (
    _title,
    _headline,
    _monthly,
    _outcomes_and_barriers,
    _categories,
    _lasting,
    _sites,
    _hierarchy,
    _recycling,
    _eu_reuse,
    _coverage,
    _methodology,
)


def render_pdf(report: Report) -> bytes:
    """The report as a PDF: headline figures, trend, breakdowns, waste hierarchy, recycling,
    EU re-use, data coverage, then the methodology and sources."""
    m = report.meta
    story: list[Flowable] = []
    for section in SECTIONS:
        story.extend(section(report))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=m.title,
        author="repaircafe",
        subject=f"{m.scope_label} · {m.period_label}",
        lang=m.language,
    )
    doc.build(story, canvasmaker=_numbered_canvas(report))
    return buf.getvalue()


__all__ = ["render_pdf", "OUTCOMES"]
