"""One donor's whole story: parts out, one reused, one lost, the rest recycled, nothing counted twice."""

import io

import pypdfium2
import pytest
import zxingcpp
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.maintenance.integrity import check
from repaircafe.models import ImpactRecord, RecyclingRecord
from repaircafe.objects.services import passport, repairs
from repaircafe.parts.services import mass_balance, parts, stock
from repaircafe.parts.services.stock import code_of
from repaircafe.recycling.services import recycling, recycling_batches
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor, make_recycler

BASE = "https://rc.example.org"


def _pdf_text_and_codes(pdf: bytes) -> tuple[str, list[str]]:
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf))
    text, found = [], []
    for page in doc:
        text.append(page.get_textpage().get_text_range())
        image = page.render(scale=300 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    doc.close()
    return "\n".join(text), found


def test_donor_to_recipient_to_recycler_keeps_every_kilogram_once(session, world):
    fixer = world.actor()
    donor = make_donor(session, world, weight=6.0)
    belts, motors = make_bin(session, world, "Belts A"), make_bin(session, world, "Motors")
    motor, belt, hose = harvest(session, world, donor, motors, ("Suction motor", 1.5))[:1] + \
        harvest(session, world, donor, belts, ("Drive belt 5 mm", 0.05), ("Hose", 0.4))
    session.refresh(donor)
    assert donor.state == "harvested"
    assert parts.remaining_kg(session, donor) == pytest.approx(4.05)
    assert [p.state for p in (motor, belt, hose)] == ["in_stock"] * 3
    assert {r.name for r in stock.search_parts(session, actor=fixer, query="5 mm belt philips")} \
        == {"Drive belt 5 mm"}

    recipient = make_item(session, world, category="vacuum", weight=5.5, brand="Philips")
    repairs.record_repair_attempt(session, item_id=recipient.id, outcome="repairable",
                                  actor=fixer, now=NOW, key=new_key())
    parts.install_part(session, item_id=recipient.id, part_code=code_of(session, part_id=belt.id),
                       actor=fixer, now=NOW, key=new_key())
    repairs.record_repair_attempt(session, item_id=recipient.id, outcome="fixed", actor=fixer,
                                  now=NOW, key=new_key())
    repairs.hand_over(session, item_id=recipient.id, actor=fixer, now=NOW, key=new_key())
    stock.write_off(session, part_id=hose.id, reason="Split along its length", actor=fixer,
                    now=NOW, key=new_key())

    recycler = make_recycler(session, world)
    batch = recycling_batches.open_batch(session, recycler_id=recycler.id,
                                         group_id=world.group.id, actor=fixer, now=NOW)
    record = recycling.recycle_item(
        session, item_id=donor.id, recycler_id=recycler.id, batch_id=batch.id,
        materials={"steel": "2.1", "plastics": "1,5", "copper": "0.3"}, actor=fixer, now=NOW,
        key=new_key())
    assert record.total_kg == pytest.approx(3.9) and not record.is_estimated
    recycling_batches.close_batch(session, batch_id=batch.id, weight_ticket="WT-5521",
                                  ticket_kg="4.0", actor=fixer, now=NOW)

    pdf = recycling_batches.transfer_note(session, batch_id=batch.id, actor=fixer, base_url=BASE)
    text, decoded = _pdf_text_and_codes(pdf)
    donor_code = code_of(session, item_id=donor.id)
    assert decoded == [f"{BASE}/I/{donor_code}".upper()]
    for expected in ("RB-", "Cardiff Metal Recovery", "EPR/AB1234CD", "WT-5521", "Vacuum",
                     "Steel / ferrous metal", "3.90 kg"):
        assert expected in text
    assert f"{donor_code[:4]}-{donor_code[4:8]}-{donor_code[8]}" in text

    fates = mass_balance.fates(session, item_id=donor.id)
    assert fates.reused_as_parts_kg == pytest.approx(0.05)
    assert fates.recycled_kg == {"steel": 2.1, "plastics": 1.5, "copper": 0.3}
    assert fates.residual_kg == pytest.approx(0.4 + 0.15)
    assert fates.in_stock_kg == pytest.approx(1.5)
    assert fates.settled_kg + fates.in_stock_kg == pytest.approx(6.0, abs=1e-9)
    assert mass_balance.fates(session, item_id=recipient.id).returned_to_use_kg == 5.5

    reuse = session.exec(select(ImpactRecord).where(ImpactRecord.kind == "part_reuse")).all()
    assert [(r.part_id, r.weight_kg) for r in reuse] == [(belt.id, 0.05)]
    assert reuse[0].co2e_avoided_kg > reuse[0].co2e_avoided_conservative_kg > 0
    recycled = session.exec(select(ImpactRecord).where(ImpactRecord.kind == "recycling")).all()
    assert sorted(r.material for r in recycled) == ["copper", "plastics", "steel"]
    assert sum(r.weight_kg for r in recycled) == pytest.approx(3.9)
    assert session.exec(select(RecyclingRecord)).one().batch_id == batch.id
    assert check(session) == []

    donor_page = passport.passport(session, text=donor_code)
    given = {g.part_name: g.other_code for g in donor_page.parts_given}
    assert given == {"Suction motor": None, "Drive belt 5 mm": code_of(session, item_id=recipient.id),
                     "Hose": None}
    recipient_page = passport.passport(session, text=code_of(session, item_id=recipient.id))
    assert [(r.part_name, r.other_code) for r in recipient_page.parts_received] == [
        ("Drive belt 5 mm", donor_code)]
    assert "recycled" in [e.kind for e in donor_page.entries]
