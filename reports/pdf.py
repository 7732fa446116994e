"""The PDF report: a document a council officer can read without ever having seen the app."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    CondPageBreak,
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
from reports.i18n import OUTCOMES, colon, fmt_kg, fmt_number, fmt_percent, t
from reports.impact import Report
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
    meta, lang = report.meta, report.meta.language

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
            left = (
                f"{t(lang, 'factor_set')} {meta.factor_set_label} · {t(lang, 'generated')} "
                f"{meta.generated_at.strftime('%Y-%m-%d %H:%M')}"
            )
            self.drawString(MARGIN, bottom, left)
            self.drawRightString(
                PAGE_W - MARGIN, bottom, t(lang, "page_of", page=self._pageNumber, total=total)
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
    h, lang = report.headline, report.meta.language
    cells = [
        (fmt_number(h.objects_received, lang), t(lang, "objects_received")),
        (fmt_percent(h.repair_success_rate, lang), t(lang, "repair_success_rate")),
        (fmt_kg(h.kg_kept_in_use, lang), t(lang, "kg_kept_in_use")),
        (fmt_kg(h.co2e_avoided_kg, lang), t(lang, "co2e_central")),
        (fmt_kg(h.co2e_avoided_conservative_kg, lang), t(lang, "co2e_conservative")),
        (
            f"{fmt_number(h.parts_harvested, lang)} / {fmt_number(h.parts_reused, lang)}",
            f"{t(lang, 'parts_harvested')} / {t(lang, 'parts_reused').lower()}",
        ),
        (fmt_kg(h.kg_recycled, lang), t(lang, "kg_recycled")),
        (
            f"{fmt_kg(h.recycling_co2e_low_kg, lang)} – "
            f"{fmt_kg(h.recycling_co2e_central_kg, lang)}",
            t(lang, "recycling_credit"),
        ),
        (fmt_number(h.eu_reused_tonnes, lang, 2) + "\u00a0t", t(lang, "eu_reused_kpi")),
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


def render_pdf(report: Report) -> bytes:
    m, h, lang = report.meta, report.headline, report.meta.language
    n = lambda v, d=0: fmt_number(v, lang, d)  # noqa: E731
    full = PAGE_W - 2 * MARGIN
    story: list = []

    story.append(Paragraph(co2(m.title), H1))
    story.append(
        Paragraph(
            co2(
                f"{t(lang, 'scope')}{colon(lang)}{m.scope_label} · {t(lang, 'period')}{colon(lang)}"
                f"{m.period_label}"
            ),
            SUB,
        )
    )
    if m.recomputed_label:
        story.append(Paragraph(co2(t(lang, "recomputed", label=m.recomputed_label)), BODY))
    story.append(Paragraph(co2(t(lang, "headline")), H2))
    story.append(_kpis(report))
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            co2(
                t(
                    lang,
                    "co2e_range_note",
                    low=fmt_kg(h.co2e_avoided_conservative_kg, lang),
                    high=fmt_kg(h.co2e_avoided_kg, lang),
                    d=n(m.displacement, 1),
                    dc=n(m.conservative_displacement, 1),
                )
            ),
            SMALL,
        )
    )
    story.append(Paragraph(co2(t(lang, "success_rate_note")), SMALL))
    c = report.coverage
    story.append(
        Paragraph(
            co2(
                f"{t(lang, 'coverage')}{colon(lang)}{t(lang, 'with_category')} "
                f"{fmt_percent(c.share_with_category, lang)}"
                f" · {t(lang, 'with_weight')} {fmt_percent(c.share_with_weight, lang)}"
                f" · {t(lang, 'fixed_without_weight')} {n(c.fixed_without_weight)}"
            ),
            SMALL,
        )
    )

    story.append(Paragraph(co2(t(lang, "trend")), H2))
    story.append(charts.monthly_outcomes(report.monthly, lang, width=full))
    story.append(Spacer(1, 4))
    story.append(charts.monthly_co2e(report.monthly, lang, width=full))
    rows = [
        [
            t(lang, "month"),
            t(lang, "objects"),
            t(lang, "fixed"),
            t(lang, "success"),
            t(lang, "waste_prevented_kg"),
            t(lang, "co2e_kg"),
            t(lang, "co2e_cons_kg"),
        ]
    ]
    for r in report.monthly.itertuples():
        rows.append(
            [
                r.month,
                n(r.objects),
                n(r.fixed),
                fmt_percent(r.success_rate, lang),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
                n(r.co2e_avoided_conservative_kg, 1),
            ]
        )
    story.append(Spacer(1, 6))
    story.append(
        _table(rows, [22 * mm, 20 * mm, 20 * mm, 20 * mm, 32 * mm, 30 * mm, 30 * mm], long=True)
    )

    story.append(CondPageBreak(50 * mm))
    story.append(Paragraph(co2(t(lang, "by_outcome")), H2))
    rows = [
        [
            t(lang, "outcome"),
            t(lang, "objects"),
            t(lang, "share"),
            t(lang, "waste_prevented_kg"),
            t(lang, "co2e_kg"),
        ]
    ]
    for r in report.by_outcome.itertuples():
        rows.append(
            [
                r.label,
                n(r.objects),
                fmt_percent(r.share, lang),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
            ]
        )
    story.append(_table(rows, [50 * mm, 25 * mm, 25 * mm, 35 * mm, 35 * mm]))
    story.append(Paragraph(co2(t(lang, "by_barrier")), H2))
    rows = [[t(lang, "barrier"), t(lang, "objects"), t(lang, "share")]]
    for r in report.by_barrier.itertuples():
        rows.append([r.label, n(r.objects), fmt_percent(r.share, lang)])
    story.append(_table(rows, [90 * mm, 25 * mm, 25 * mm]))

    story.append(Paragraph(co2(t(lang, "by_category")), H2))
    story.append(charts.top_categories(report.by_category, lang, width=full))
    story.append(Spacer(1, 6))
    rows = [
        [
            t(lang, "category"),
            t(lang, "objects"),
            t(lang, "fixed"),
            t(lang, "repairable"),
            t(lang, "end_of_life"),
            t(lang, "success"),
            t(lang, "waste_prevented_kg"),
            t(lang, "co2e_kg"),
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
                fmt_percent(r.success_rate, lang),
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

    story.append(Paragraph(co2(t(lang, "by_site")), H2))
    rows = [
        [
            t(lang, "site"),
            t(lang, "objects"),
            t(lang, "fixed"),
            t(lang, "success"),
            t(lang, "waste_prevented_kg"),
            t(lang, "co2e_kg"),
            t(lang, "kg_recycled") + " (kg)",
        ]
    ]
    for r in report.by_site.itertuples():
        rows.append(
            [
                r.site,
                n(r.objects),
                n(r.fixed),
                fmt_percent(r.success_rate, lang),
                n(r.waste_prevented_kg, 1),
                n(r.co2e_avoided_kg, 1),
                n(r.kg_recycled, 1),
            ]
        )
    story.append(
        _table(rows, [48 * mm, 18 * mm, 18 * mm, 18 * mm, 26 * mm, 26 * mm, 20 * mm], long=True)
    )

    block = [Paragraph(co2(t(lang, "hierarchy")), H2)]
    rows = [[t(lang, "level"), t(lang, "mass_kg"), t(lang, "objects")]]
    for r in report.hierarchy.itertuples():
        kg = "–" if r.kg != r.kg else n(r.kg, 1)
        objects = "–" if r.objects is None or str(r.objects) == "<NA>" else n(int(r.objects))
        rows.append([r.label, kg, objects])
    block.append(_table(rows, [110 * mm, 30 * mm, 30 * mm]))
    block.append(Paragraph(co2(t(lang, "hierarchy_note")), SMALL))
    story.append(KeepTogether(block))

    block = [Paragraph(co2(t(lang, "recycling_by_material")), H2)]
    if report.recycling_by_material.empty:
        block.append(Paragraph(co2(t(lang, "no_recycling")), BODY))
    else:
        rows = [
            [t(lang, "material"), t(lang, "kg"), t(lang, "credit_low"), t(lang, "credit_central")]
        ]
        for r in report.recycling_by_material.itertuples():
            rows.append(
                [r.label, n(r.kg, 1), n(r.co2e_credit_low_kg, 1), n(r.co2e_credit_central_kg, 1)]
            )
        rows.append(
            [
                "Total",
                n(h.kg_recycled, 1),
                n(h.recycling_co2e_low_kg, 1),
                n(h.recycling_co2e_central_kg, 1),
            ]
        )
        block.append(_table(rows, [70 * mm, 30 * mm, 35 * mm, 35 * mm]))
    story.append(KeepTogether(block))

    block = [
        Paragraph(co2(t(lang, "eu_reuse")), H2),
        Paragraph(co2(t(lang, "eu_reuse_note")), SMALL),
    ]
    rows = [[t(lang, "eu_category"), t(lang, "objects"), t(lang, "tonnes")]]
    for r in report.eu_reuse.itertuples():
        rows.append([r.label, n(r.objects), n(r.reused_tonnes, 3)])
    rows.append(["Total", n(int(report.eu_reuse["objects"].sum())), n(h.eu_reused_tonnes, 3)])
    block.append(_table(rows, [100 * mm, 30 * mm, 30 * mm]))
    story.append(KeepTogether(block))

    block = [Paragraph(co2(t(lang, "coverage")), H2)]
    rows = [
        ["", t(lang, "objects"), t(lang, "share")],
        [t(lang, "with_category"), n(c.with_category), fmt_percent(c.share_with_category, lang)],
        [t(lang, "with_weight"), n(c.with_weight), fmt_percent(c.share_with_weight, lang)],
        [
            t(lang, "fixed_without_weight"),
            n(c.fixed_without_weight),
            fmt_percent(c.fixed_without_weight / c.fixed if c.fixed else None, lang),
        ],
    ]
    block.append(_table(rows, [100 * mm, 30 * mm, 30 * mm]))
    block.append(Paragraph(co2(t(lang, "coverage_note")), SMALL))
    story.append(KeepTogether(block))

    story.append(PageBreak())
    story.append(Paragraph(co2(t(lang, "methodology")), H2))
    for line in methodology_lines(report):
        story.append(Paragraph(co2(line), BODY))
    story.append(Paragraph(co2(t(lang, "sources")), H2))
    for i, source in enumerate(m.sources or [t(lang, "none")], start=1):
        story.append(Paragraph(co2(f"{i}. {source}"), SMALL))

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
        lang=lang,
    )
    doc.build(story, canvasmaker=_numbered_canvas(report))
    return buf.getvalue()


__all__ = ["render_pdf", "OUTCOMES"]
