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
from reports.impact import OUTCOMES, Report
from reports.tables import methodology_lines

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


def _kpis(report: Report) -> Table:
    h, _ = report.headline, report.words
    cells = [
        (_.number(h.objects_received), _("Objects received")),
        (_.percent(h.repair_success_rate), _("Repair success rate")),
        (_.kg(h.kg_kept_in_use), _("Kept in use")),
        (_.kg(h.co2e_avoided_kg), _("CO2e avoided (central)")),
        (_.kg(h.co2e_avoided_conservative_kg), _("CO2e avoided (conservative)")),
        (
            f"{_.number(h.parts_harvested)} / {_.number(h.parts_reused)}",
            _("Parts harvested") + " / " + _("Parts reused").lower(),
        ),
        (_.kg(h.kg_recycled), _("Recycled")),
        (
            f"{_.kg(h.recycling_co2e_low_kg)} – "
            f"{_.kg(h.recycling_co2e_central_kg)}",
            _("Recycling credit, low to central"),
        ),
        (_.number(h.eu_reused_tonnes, 2) + "\u00a0t", _("Back in use (EU 2021/19 re-use)")),
    ]
    grid, row = [], []
    for value, label in cells:
        row.append([Paragraph(co2(value), KPI_V), Paragraph(co2(label), KPI_L)])
        if len(row) == 3:
            grid.append(row)
            row = []
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
    m = report.meta
    _ = report.words
    h = report.headline
    n = _.number
    story: list[Flowable] = []
    story.append(Paragraph(co2(_("Headline figures")), H2))
    story.append(_kpis(report))
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            co2(
                _(
                    "CO2e avoided by repair lies between %(low)s (conservative, displacement "
                    "%(conservative_displacement)s) and %(high)s (central, displacement "
                    "%(displacement)s). Recycling credits are reported separately and never "
                    "added to repair credits.",
                    low=_.kg(h.co2e_avoided_conservative_kg),
                    high=_.kg(h.co2e_avoided_kg),
                    displacement=n(m.displacement, 1),
                    conservative_displacement=n(m.conservative_displacement, 1),
                )
            ),
            SMALL,
        )
    )
    story.append(Paragraph(co2(_("Repair success rate = fixed objects / objects with a known "
                                 "outcome.")), SMALL))
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
    return story


def _monthly(report: Report) -> list[Flowable]:
    """The monthly trend: two charts and the table of months."""
    m = report.meta
    _ = report.words
    n = _.number
    full = PAGE_W - 2 * MARGIN
    outcome_labels = {o: _(m.names.outcome(o)) for o in OUTCOMES}
    story: list[Flowable] = []
    story.append(Paragraph(co2(_("Monthly trend")), H2))
    story.append(charts.monthly_outcomes(report.monthly, _, outcome_labels, width=full))
    story.append(Spacer(1, 4))
    story.append(charts.monthly_co2e(report.monthly, _, width=full))
    rows = [
        [
            _("Month"),
            _("Objects"),
            _(m.names.outcome("fixed")),
            _("Success"),
            _("Kept in use (kg)"),
            _("CO2e central (kg)"),
            _("CO2e conservative (kg)"),
        ]
    ]
    for r in report.monthly.itertuples():
        rows.append(
            [
                r.month,
                n(r.objects),
                n(r.fixed),
                _.percent(r.success_rate),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
                n(r.co2e_avoided_conservative_kg, 1),
            ]
        )
    story.append(Spacer(1, 6))
    story.append(
        _table(rows, [22 * mm, 20 * mm, 20 * mm, 20 * mm, 32 * mm, 30 * mm, 30 * mm], long=True)
    )
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
            _("CO2e central (kg)"),
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
    story.append(charts.top_categories(report.by_category, _, width=full))
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
            _("CO2e central (kg)"),
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
            _("CO2e central (kg)"),
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
                n(r.kg_recycled, 1),
            ]
        )
    story.append(
        _table(rows, [48 * mm, 18 * mm, 18 * mm, 18 * mm, 26 * mm, 26 * mm, 20 * mm], long=True)
    )
    return story


def _hierarchy(report: Report) -> list[Flowable]:
    """Mass by level of the waste hierarchy, each kilogram in one fate."""
    _ = report.words
    n = _.number
    block = [Paragraph(co2(_("Waste hierarchy")), H2)]
    rows = [[_("Level"), _("Mass (kg)"), _("Objects")]]
    for r in report.hierarchy.itertuples():
        kg = "–" if r.kg != r.kg else n(r.kg, 1)
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
    if report.recycling_by_material.empty:
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
    """How many records carry a category and a weight."""
    _ = report.words
    n = _.number
    c = report.coverage
    block = [Paragraph(co2(_("Data coverage")), H2)]
    rows = [
        ["", _("Objects"), _("Share")],
        [_("Records with a category"), n(c.with_category), _.percent(c.share_with_category)],
        [_("Records with a weight"), n(c.with_weight), _.percent(c.share_with_weight)],
        [
            _("Fixed objects without a recorded weight"),
            n(c.fixed_without_weight),
            _.percent(c.fixed_without_weight / c.fixed if c.fixed else None),
        ],
    ]
    block.append(_table(rows, [100 * mm, 30 * mm, 30 * mm]))
    block.append(Paragraph(co2(_(
        "Where no weight was recorded, the category average weight of the factor set is used; "
        "objects of the Misc categories without a weight count zero.")), SMALL))
    return [KeepTogether(block)]


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
    return story


SECTIONS: tuple[Callable[[Report], list[Flowable]], ...] = (
    _title,
    _headline,
    _monthly,
    _outcomes_and_barriers,
    _categories,
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
