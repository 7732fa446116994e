"""The transfer note that travels with a recycling batch: what left the café, for whom, how heavy.

Plain data in, PDF bytes out. Every line carries the object's QR label as vector rectangles, so
the recycler can scan a line back to the object's public passport.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from labels.qr import encode, qr_payload

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
QR_SIZE = 17 * mm
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#bdbdbd")
HEAD_BG = colors.HexColor("#eceff1")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=GREY)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
CODE = ParagraphStyle("code", parent=BODY, fontName="Courier-Bold", fontSize=9.5)
H1 = ParagraphStyle("h1", parent=BODY, fontName="Helvetica-Bold", fontSize=17, leading=21)


@dataclass(frozen=True)
class TransferLine:
    """One recycled object or part in the batch."""

    code: str  # the label code, without grouping
    display_code: str  # the code as printed on the label, e.g. 7K3M-9QXA-2
    description: str
    category: str
    weee_category: int | None
    materials_kg: tuple[tuple[str, float], ...]  # (material label, kg), heaviest first
    kg: float
    is_estimated: bool = False


@dataclass(frozen=True)
class TransferNote:
    number: str
    sender: str
    sender_address: str
    recycler: str
    permit_number: str
    opened_on: date
    closed_on: date | None
    weight_ticket: str
    ticket_kg: float | None
    base_url: str
    lines: tuple[TransferLine, ...]
    weee_names: dict[int, str] = field(default_factory=dict)


def _kg(value: float) -> str:
    return f"{value:,.2f} kg"


def _count(lines: int) -> str:
    """"1 item", "3 items"."""
    return f"{lines} item" if lines == 1 else f"{lines} items"


class QRCode(Flowable):
    """A QR symbol drawn as one filled vector path (no raster, sharp at any print size)."""

    def __init__(self, payload: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.symbol = encode(payload, "M")
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        # quiet zone of 2 modules inside the box: the table cell adds white space around it
        module = self.size / (self.symbol.size + 4)
        x = 2 * module
        y = self.size - 2 * module
        self.canv.addLiteral(
            f"q 0 g {module:.5f} 0 0 {-module:.5f} {x:.3f} {y:.3f} cm\n{self.symbol.ops}\nf Q"
        )


def material_totals(note: TransferNote) -> list[tuple[str, float]]:
    """Kilograms per material over the whole batch, heaviest first."""
    totals: dict[str, float] = {}
    for line in note.lines:
        for material, kg in line.materials_kg:
            totals[material] = totals.get(material, 0.0) + kg
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def _parties(note: TransferNote) -> Table:
    def cell(title: str, *rows: str) -> list[Paragraph]:
        return [Paragraph(f"<b>{escape(title)}</b>", BODY),
                *[Paragraph(escape(r), BODY) for r in rows if r]]

    batch = (f"Opened {note.opened_on.isoformat()}, closed {note.closed_on.isoformat()}"
             if note.closed_on else f"Opened {note.opened_on.isoformat()}, still open")
    ticket = note.weight_ticket or "-"
    if note.ticket_kg is not None:
        ticket += f" ({_kg(note.ticket_kg)})"
    data = [[
        cell("From", note.sender, note.sender_address),
        cell("To", note.recycler, f"Permit: {note.permit_number or '-'}"),
        cell("Batch", batch, f"Weight ticket: {ticket}"),
    ]]
    table = Table(data, colWidths=[(PAGE_W - 2 * MARGIN) / 3] * 3)
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, LINE), ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _lines(note: TransferNote) -> LongTable:
    head = ["Label", "Code", "Object", "WEEE", "Materials", "Mass"]
    rows: list[list[object]] = [[Paragraph(f"<b>{h}</b>", BODY) for h in head]]
    for line in note.lines:
        materials = "<br/>".join(f"{escape(m)}: {kg:.2f}" for m, kg in line.materials_kg)
        mass = _kg(line.kg) + (" *" if line.is_estimated else "")
        weee = str(line.weee_category) if line.weee_category else "-"
        rows.append([
            QRCode(qr_payload(note.base_url, line.code)),
            Paragraph(escape(line.display_code), CODE),
            [Paragraph(escape(line.description), BODY), Paragraph(escape(line.category), SMALL)],
            Paragraph(weee, BODY),
            Paragraph(materials or "-", SMALL),
            Paragraph(mass, RIGHT),
        ])
    widths = [QR_SIZE + 4 * mm, 30 * mm, 50 * mm, 16 * mm, 42 * mm]
    widths.append(PAGE_W - 2 * MARGIN - sum(widths))
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 1), (0, -1), 2 * mm),
    ]))
    return table


def _totals(note: TransferNote) -> Table:
    total = sum(line.kg for line in note.lines)
    rows = [[Paragraph(escape(m), BODY), Paragraph(_kg(kg), RIGHT)]
            for m, kg in material_totals(note)]
    rows.append([Paragraph("<b>Total declared</b>", BODY), Paragraph(f"<b>{_kg(total)}</b>", RIGHT)])
    if note.ticket_kg is not None:
        rows.append([Paragraph("Weighed by the recycler", BODY),
                     Paragraph(_kg(note.ticket_kg), RIGHT)])
        rows.append([Paragraph("Difference", BODY),
                     Paragraph(f"{note.ticket_kg - total:+,.2f} kg", RIGHT)])
    table = Table(rows, colWidths=[60 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, len(rows) - (3 if note.ticket_kg is not None
                                                               else 1)), (-1, -1), 0.6, GREY)]))
    return table


def _signatures() -> Table:
    box = [Paragraph("Handed over by (name, signature, date)", SMALL),
           Paragraph("Received by (name, signature, date)", SMALL)]
    table = Table([box, ["", ""]], colWidths=[(PAGE_W - 2 * MARGIN) / 2] * 2,
                  rowHeights=[None, 18 * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.5, LINE),
                               ("BOX", (1, 0), (1, -1), 0.5, LINE)]))
    return table


def render_transfer_note(note: TransferNote) -> bytes:
    """The note as a PDF: parties, one line per object with its QR, totals by material."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=f"Transfer note {note.number}", author=note.sender)
    story: list[Flowable] = [
        Paragraph(f"Waste transfer note {escape(note.number)}", H1),
        Paragraph(f"{_count(len(note.lines))}, {_kg(sum(line.kg for line in note.lines))}",
                  SMALL),
        Spacer(1, 4 * mm), _parties(note), Spacer(1, 5 * mm), _lines(note), Spacer(1, 4 * mm),
    ]
    if any(line.is_estimated for line in note.lines):
        story.append(Paragraph("* Mass split estimated from the category's default material "
                               "shares; the recycler's weight ticket is authoritative.", SMALL))
    used = sorted({line.weee_category for line in note.lines if line.weee_category})
    if used:
        names = "; ".join(f"{n} = {note.weee_names.get(n, '')}" for n in used)
        story.append(Paragraph(f"WEEE categories (Directive 2012/19/EU, Annex III): {names}.",
                               SMALL))
    story += [Spacer(1, 4 * mm), KeepTogether([_totals(note), Spacer(1, 8 * mm), _signatures()])]

    def footer(canvas, document) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 8 * mm, f"Transfer note {note.number} · {note.sender}")
        canvas.drawRightString(PAGE_W - MARGIN, 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
