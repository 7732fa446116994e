"""The transfer note PDF, checked as a recycler would read it: its text and its QR codes."""

import dataclasses
import io
from datetime import date

import pypdfium2
import zxingcpp

from reports.transfer_note import TransferLine, TransferNote, material_totals, render_transfer_note

BASE = "https://rc.example.org"


def _note(lines: int = 3, ticket_kg: float | None = 12.5) -> TransferNote:
    codes = ["7K3M9QXA2", "4BPN2R7QM", "ZZ0H6W1C8", "8XG5D3TKA"] * 10
    return TransferNote(
        number="RB-00007", sender="Repair Cafe Cardiff", sender_address="Cathays Library",
        recycler="Cardiff Metal Recovery", permit_number="EPR/AB1234CD",
        opened_on=date(2025, 6, 1), closed_on=date(2025, 6, 14), weight_ticket="WT-5521",
        ticket_kg=ticket_kg, base_url=BASE, weee_names={5: "Small equipment"},
        lines=tuple(TransferLine(
            code=codes[i], display_code=f"{codes[i][:4]}-{codes[i][4:8]}-{codes[i][8]}",
            description=f"Philips FC{i}", category="Vacuum", weee_category=5,
            materials_kg=(("Steel / ferrous metal", 2.0), ("Mixed WEEE plastics", 2.0)),
            kg=4.0, is_estimated=i == 0) for i in range(lines)),
    )


def _read(pdf: bytes) -> tuple[list[str], list[str]]:
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf))
    texts, found = [], []
    for page in doc:
        texts.append(page.get_textpage().get_text_range())
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil())]
    doc.close()
    return texts, found


def test_transfer_note_lists_every_line_with_a_readable_qr():
    note = _note()
    texts, found = _read(render_transfer_note(note))
    text = "\n".join(texts)
    assert sorted(found) == sorted(f"{BASE}/I/{line.code}".upper() for line in note.lines)
    for expected in ("Waste transfer note RB-00007", "Repair Cafe Cardiff",
                     "Cardiff Metal Recovery", "Permit: EPR/AB1234CD", "WT-5521 (12.50 kg)",
                     "7K3M-9QXA-2", "Philips FC1", "Total declared", "12.00 kg", "+0.50 kg",
                     "estimated", "5 = Small equipment"):
        assert expected in text, expected
    assert material_totals(note) == [("Mixed WEEE plastics", 6.0), ("Steel / ferrous metal", 6.0)]


def test_long_batch_flows_onto_more_pages_with_all_codes():
    note = _note(lines=24, ticket_kg=None)
    texts, found = _read(render_transfer_note(note))
    assert len(texts) >= 2 and "Page 2" in texts[1]
    assert len(found) == 24
    assert "Difference" not in "".join(texts)


def _text(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf))
    text = " ".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    return " ".join(text.split())


def test_counts_and_an_open_batch_read_as_english():
    one = _text(render_transfer_note(_note(lines=1)))
    assert "1 item, 4.00 kg" in one and "1 items" not in one
    assert "3 items, 12.00 kg" in _text(render_transfer_note(_note(lines=3)))
    closed = _text(render_transfer_note(_note(lines=1)))
    assert "Opened 2025-06-01, closed 2025-06-14" in closed
    still_open = dataclasses.replace(_note(lines=1), closed_on=None)
    text = _text(render_transfer_note(still_open))
    assert "Opened 2025-06-01, still open" in text and "closed open" not in text
