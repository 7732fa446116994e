"""Recycling by material, recyclers' permits, batches and weight tickets."""

import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import ImpactRecord, LifecycleEvent, RecyclingLine, RecyclingRecord
from repaircafe.parts.services import stock
from repaircafe.recycling.services import recycling, recycling_batches
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor, make_recycler


def test_estimated_split_uses_the_category_shares_and_is_marked(session, world):
    donor = make_donor(session, world, category="vacuum", weight=5.0)
    record = recycling.recycle_item(session, item_id=donor.id,
                                    recycler_id=make_recycler(session, world).id,
                                    actor=world.actor(), now=NOW, key=new_key())
    lines = {line.material: line.kg for line in session.exec(select(RecyclingLine)).all()}
    assert record.is_estimated and record.weee_category == 5
    assert lines["steel"] == pytest.approx(2.0) and lines["plastics"] == pytest.approx(1.75)
    assert sum(lines.values()) == pytest.approx(5.0, abs=1e-9)
    credits = {r.material: r for r in session.exec(select(ImpactRecord)).all()}
    assert set(credits) == set(lines)
    assert credits["aluminium"].co2e_avoided_kg == pytest.approx(0.25 * 10.06)
    assert credits["aluminium"].co2e_avoided_conservative_kg == pytest.approx(0.25 * 7.93)
    assert all(r.weight_source == "estimated" and r.waste_prevented_kg == 0
               for r in credits.values())
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.kind == "recycled")).one()
    assert event.payload["estimated"] and event.payload["recycler"] == "Cardiff Metal Recovery"


def test_scale_readings_beat_the_estimate_and_may_not_exceed_the_mass(session, world):
    donor = make_donor(session, world, weight=3.0)
    recycler = make_recycler(session, world)
    with pytest.raises(Refused, match="3.2 kg but only 3 kg"):
        recycling.recycle_item(session, item_id=donor.id, recycler_id=recycler.id,
                               materials={"steel": "2", "glass": "1.2"}, actor=world.actor(),
                               now=NOW, key=new_key())
    with pytest.raises(Refused, match="Unknown material"):
        recycling.parse_materials({"unobtainium": "1"})
    record = recycling.recycle_item(session, item_id=donor.id, recycler_id=recycler.id,
                                    materials={"steel": "2", "glass": "", "batteries": "0.4"},
                                    actor=world.actor(), now=NOW, key=new_key())
    assert not record.is_estimated and record.total_kg == pytest.approx(2.4)
    with pytest.raises(Refused, match="recycle it: it has already been recycled"):
        recycling.recycle_item(session, item_id=donor.id, recycler_id=recycler.id,
                               actor=world.actor(), now=NOW, key=new_key())
    assert len(session.exec(select(RecyclingRecord)).all()) == 1


def test_unweighed_object_needs_a_scale_reading(session, world):
    item = make_donor(session, world, weight=None)
    with pytest.raises(Refused, match="weigh each material"):
        recycling.recycle_item(session, item_id=item.id,
                               recycler_id=make_recycler(session, world).id,
                               actor=world.actor(), now=NOW, key=new_key())


def test_recycler_permit_and_territory_are_checked(session, world):
    donor = make_donor(session, world, category="laptop", weight=2.0)  # WEEE 2, screens
    small_only = make_recycler(session, world, weee="5", name="Small WEEE Ltd")
    with pytest.raises(Refused, match="does not cover WEEE category 2"):
        recycling.recycle_item(session, item_id=donor.id, recycler_id=small_only.id,
                               actor=world.actor(), now=NOW, key=new_key())
    elsewhere = recycling.add_recycler(session, territory_id=world.other_territory.id,
                                       name="Swansea Metals", actor=world.actor("admin"))
    with pytest.raises(Refused, match="not on this territory's list"):
        recycling.recycle_item(session, item_id=donor.id, recycler_id=elsewhere.id,
                               actor=world.actor("admin"), now=NOW, key=new_key())
    with pytest.raises(NotFound, match="does not serve your group's sites"):
        recycling.recycle_item(session, item_id=donor.id, recycler_id=elsewhere.id,
                               actor=world.actor(), now=NOW, key=new_key())
    assert [r.name for r in recycling.recyclers(session, actor=world.actor())] == ["Small WEEE Ltd"]


def test_part_recycled_from_stock_writes_off_and_from_its_object(session, world):
    donor = make_donor(session, world, weight=6.0)
    shelf = make_bin(session, world)
    motor, hose, belt = harvest(session, world, donor, shelf, ("Motor", 1.5), ("Hose", 0.4),
                                ("Drive belt", 0.05))
    recycler = make_recycler(session, world)
    stock.write_off(session, part_id=hose.id, reason="Split", actor=world.actor(), now=NOW,
                    key=new_key())
    for part in (motor, hose):
        recycling.recycle_part(session, part_id=part.id, recycler_id=recycler.id,
                               actor=world.actor(), now=NOW, key=new_key())
    recipient = make_item(session, world, category="vacuum")
    from repaircafe.parts.services import parts
    parts.install_part(session, item_id=recipient.id, part_id=belt.id, actor=world.actor(),
                       now=NOW, key=new_key())
    recycling.recycle_part(session, part_id=belt.id, recycler_id=recycler.id,
                           materials={"other": "0.05"}, reason="Snapped", actor=world.actor(),
                           now=NOW, key=new_key())
    for part in (motor, hose, belt):
        session.refresh(part)
        assert part.state == "recycled" and part.bin_id is None
    assert belt.installed_item_id is None
    reuse = session.exec(select(ImpactRecord).where(ImpactRecord.kind == "part_reuse")).one()
    assert reuse.is_void
    kinds = [e.kind for e in session.exec(select(LifecycleEvent)
                                          .where(LifecycleEvent.part_id == belt.id))]
    assert kinds == ["harvested", "installed", "removed", "recycled"]
    records = session.exec(select(RecyclingRecord)).all()
    assert {r.item_id for r in records} == {donor.id}
    assert sum(r.total_kg for r in records) == pytest.approx(1.95)


def test_batches_take_one_recyclers_records_and_close_with_a_ticket(session, world):
    recycler, other = make_recycler(session, world), make_recycler(session, world, name="B")
    records = [recycling.recycle_item(session, item_id=make_donor(session, world, weight=2.0).id,
                                      recycler_id=r.id, actor=world.actor(), now=NOW,
                                      key=new_key()) for r in (recycler, recycler, other)]
    batch = recycling_batches.open_batch(session, recycler_id=recycler.id,
                                         group_id=world.group.id, actor=world.actor(), now=NOW)
    with pytest.raises(Refused, match="empty"):
        recycling_batches.close_batch(session, batch_id=batch.id, weight_ticket="T1",
                                      ticket_kg="4", actor=world.actor(), now=NOW)
    with pytest.raises(Refused, match="another recycler"):
        recycling_batches.add_to_batch(session, batch_id=batch.id,
                                       record_ids=[r.id for r in records], actor=world.actor())
    assert [r.id for r in recycling_batches.unbatched(session, actor=world.actor())] \
        == [r.id for r in records]
    assert recycling_batches.add_to_batch(session, batch_id=batch.id,
                                          record_ids=[records[0].id, records[1].id],
                                          actor=world.actor()) == 2
    with pytest.raises(Refused, match="Enter the number"):
        recycling_batches.close_batch(session, batch_id=batch.id, weight_ticket="",
                                      ticket_kg="4", actor=world.actor(), now=NOW)
    closed = recycling_batches.close_batch(session, batch_id=batch.id, weight_ticket="T1",
                                           ticket_kg="4,1", actor=world.actor(), now=NOW)
    assert closed.ticket_kg == 4.1 and closed.closed_at == NOW
    detail = recycling_batches.batch_detail(session, batch_id=batch.id, actor=world.actor())
    assert detail.kg == pytest.approx(4.0) and detail.number == f"RB-{batch.id:05d}"
    with pytest.raises(Refused, match="closed"):
        recycling_batches.add_to_batch(session, batch_id=batch.id, record_ids=[records[2].id],
                                       actor=world.actor())
    with pytest.raises(Refused, match="closed"):
        recycling.recycle_item(session, item_id=make_donor(session, world, weight=1.0).id,
                               recycler_id=recycler.id, batch_id=batch.id, actor=world.actor(),
                               now=NOW, key=new_key())
    with pytest.raises(NotFound):
        recycling_batches.batch_detail(session, batch_id=batch.id,
                                       actor=world.actor("viewer").__class__(
                                           9, "x", "fixer", group_id=world.other_group.id))
