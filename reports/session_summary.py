"""One café session on one page: what came in, what became of it, what it saved, who came.

Plain data in, PDF bytes out (no Flask, no database). Words go through the catalogue the caller
hands over, so the sheet reads exactly like the session's page in the same language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.i18n import Catalogue, English, Words, check_language

MARGIN = 18 * mm
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#bdbdbd")
HEAD_BG = colors.HexColor("#eceff1")
FIGURE_BG = colors.HexColor("#e8f5e9")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=GREY)
H1 = ParagraphStyle("h1", parent=BODY, fontName="Helvetica-Bold", fontSize=18, leading=22)
H2 = ParagraphStyle("h2", parent=BODY, fontName="Helvetica-Bold", fontSize=12, leading=15,
                    spaceBefore=8, spaceAfter=4)
FIGURE = ParagraphStyle("figure", parent=BODY, fontName="Helvetica-Bold", fontSize=16,
                        leading=19)


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str  # the English name, as the catalogue knows it ("Fixed", "End of life")
    objects: int
    kg_in_use: float
    co2e_avoided_kg: float


@dataclass(frozen=True)
class SessionSheet:
    """The figures of one session, already summed by the application."""

    title: str
    site: str
    group: str
    held_on: date
    opens_at: time | None
    closes_at: time | None
    outcomes: tuple[OutcomeRow, ...]
    kg_in_use: float
    co2e_avoided_kg: float
    co2e_avoided_conservative_kg: float
    parts_reused: int
    parts_reused_kg: float
    parts_co2e_avoided_kg: float
    visitors: int | None
    volunteers: int | None
    volunteer_hours: float | None
    notes: str
    factor_set: str
    generated_at: datetime
    objects_with_weight: int = 0
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def objects(self) -> int:
        return sum(row.objects for row in self.outcomes)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _when(sheet: SessionSheet, _: Words) -> str:
    day = sheet.held_on.isoformat()
    if sheet.opens_at and sheet.closes_at:
        return _("%(day)s, %(opens)s–%(closes)s", day=day, opens=sheet.opens_at.strftime("%H:%M"),
                 closes=sheet.closes_at.strftime("%H:%M"))
    return day


def _headline(sheet: SessionSheet, _: Words) -> Table:
    cells = [
        (_("Objects"), _.number(sheet.objects)),
        (_("Kept in use"), _.kg(sheet.kg_in_use)),
        (_("CO2e avoided"), _.kg(sheet.co2e_avoided_kg + sheet.parts_co2e_avoided_kg)),
        (_("Parts reused"), _.number(sheet.parts_reused)),
    ]
    table = Table([[_p(value, FIGURE) for _label, value in cells],
                   [_p(label, SMALL) for label, _value in cells]],
                  colWidths=[(A4[0] - 2 * MARGIN) / 4] * 4)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), FIGURE_BG),
        ("LINEAFTER", (0, 0), (-2, -1), 2, colors.white),
        ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
    ]))
    return table


def _outcomes(sheet: SessionSheet, _: Words) -> Table:
    rows = [[_p(_("Outcome")), _p(_("Objects")), _p(_("Kept in use")), _p(_("CO2e avoided"))]]
    for row in sheet.outcomes:
        rows.append([_p(_.name(row.outcome)), _p(_.number(row.objects)),
                     _p(_.kg(row.kg_in_use)), _p(_.kg(row.co2e_avoided_kg))])
    rows.append([_p(_("Total"), BOLD), _p(_.number(sheet.objects), BOLD),
                 _p(_.kg(sheet.kg_in_use), BOLD), _p(_.kg(sheet.co2e_avoided_kg), BOLD)])
    return _grid(rows, [70 * mm, 30 * mm, 37 * mm, 37 * mm])


def _grid(rows: list[list[Paragraph]], widths: list[float], *, header: bool = True) -> Table:
    """A ruled table; with `header` its first row is the column names, else rows are pairs."""
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    table.setStyle(TableStyle(style))
    return table


def _count(value: float | None, _: Words, decimals: int = 0) -> str:
    return _("not recorded") if value is None else _.number(value, decimals)


def _attendance(sheet: SessionSheet, _: Words) -> Table:
    hours = sheet.volunteer_hours
    rows = [
        [_p(_("Visitors")), _p(_count(sheet.visitors, _))],
        [_p(_("Volunteers")), _p(_count(sheet.volunteers, _))],
        [_p(_("Volunteer hours")), _p(_count(hours, _, 0 if hours is None or hours.is_integer()
                                             else 1))],
    ]
    return _grid(rows, [70 * mm, 104 * mm], header=False)


def _parts(sheet: SessionSheet, _: Words) -> Table:
    rows = [
        [_p(_("Parts reused")), _p(_.number(sheet.parts_reused))],
        [_p(_("Weight of the parts")), _p(_.kg(sheet.parts_reused_kg))],
        [_p(_("CO2e avoided by the parts")), _p(_.kg(sheet.parts_co2e_avoided_kg))],
    ]
    return _grid(rows, [70 * mm, 104 * mm], header=False)


def render_session_summary(sheet: SessionSheet, catalogue: Catalogue | None = None,
                           language: str = "en") -> bytes:
    """The session's summary as a one-page A4 PDF in `language`."""
    _ = Words(check_language(language), catalogue or English())
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=_("Café session summary"), author=sheet.group)
    story = [
        _p(_("Café session summary"), SMALL),
        _p(sheet.title or sheet.site, H1),
        _p(f"{sheet.site} · {sheet.group} · {_when(sheet, _)}"),
        Spacer(1, 6 * mm),
        _headline(sheet, _),
        _p(_("Objects by outcome"), H2),
        _outcomes(sheet, _),
        _p(_("Parts reused"), H2),
        _parts(sheet, _),
        _p(_("Attendance"), H2),
        _attendance(sheet, _),
    ]
    if sheet.notes:
        story += [_p(_("Notes"), H2), _p(sheet.notes)]
    story += [
        Spacer(1, 8 * mm),
        _p(_("Kept in use: the weight of the objects back in use. CO2e avoided: the figures "
             "stored when each repair and part was recorded, factor set %(set)s "
             "(conservative estimate: %(low)s).", set=sheet.factor_set,
             low=_.kg(sheet.co2e_avoided_conservative_kg)), SMALL),
        _p(_("%(weighed)s of %(objects)s objects were weighed.",
             weighed=_.number(sheet.objects_with_weight), objects=_.number(sheet.objects)),
           SMALL),
        _p(_("Made on %(day)s by repaircafe.", day=sheet.generated_at.date().isoformat()),
           SMALL),
    ]
    doc.build(story)
    return buffer.getvalue()
