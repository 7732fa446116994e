"""Mass balance: fates of an object's mass, and `db check` finding what breaks the rules."""

import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.maintenance.integrity import check
from repaircafe.models import ImpactRecord, Part
from repaircafe.objects.services import refurbish, repairs
from repaircafe.parts.services import mass_balance, parts
from repaircafe.recycling.services import recycling
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor, make_recycler


def _problems(session, kind):
    return [p for p in check(session) if p.kind == kind]


def test_fixed_object_handed_back_is_all_returned_to_use(session, world):
    item = make_item(session, world, weight=2.5)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    repairs.hand_over(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    fates = mass_balance.fates(session, item_id=item.id)
    assert fates.returned_to_use_kg == 2.5 and fates.open_kg == 0


def test_recycled_remainder_not_weighed_counts_as_residual(session, world):
    donor = make_donor(session, world, weight=5.0)
    harvest(session, world, donor, make_bin(session, world), ("Motor", 1.0))
    recycling.recycle_item(session, item_id=donor.id, recycler_id=make_recycler(session, world).id,
                           materials={"steel": "3"}, actor=world.actor(), now=NOW, key=new_key())
    fates = mass_balance.fates(session, item_id=donor.id)
    assert (fates.recycled_total_kg, fates.residual_kg, fates.in_stock_kg) == (3.0, 1.0, 1.0)
    assert fates.settled_kg + fates.in_stock_kg == pytest.approx(5.0)
    assert check(session) == []


def test_check_reports_fates_heavier_than_the_object(session, world):
    donor = make_donor(session, world, weight=2.0)
    harvest(session, world, donor, make_bin(session, world), ("Motor", 1.5))
    recycling.recycle_item(session, item_id=donor.id, recycler_id=make_recycler(session, world).id,
                           materials={"steel": "0.5"}, actor=world.actor(), now=NOW, key=new_key())
    assert check(session) == []
    motor = session.exec(select(Part)).one()
    motor.weight_kg = 1.8  # a later edit makes the kilograms add up to more than the object
    session.add(motor)
    session.commit()
    [problem] = _problems(session, "mass")
    assert "2.3 kg, more than its 2 kg" in problem.message


def test_check_reports_a_part_credited_twice(session, world):
    donor = make_donor(session, world, weight=3.0)
    belt = harvest(session, world, donor, make_bin(session, world), ("Belt", 0.1))[0]
    recipient = make_item(session, world, category="vacuum")
    parts.install_part(session, item_id=recipient.id, part_id=belt.id, actor=world.actor(),
                       now=NOW, key=new_key())
    record = session.exec(select(ImpactRecord)).one()
    session.add(ImpactRecord(**{**record.model_dump(), "id": None}))
    session.commit()
    [problem] = _problems(session, "credit")
    assert "reused 2 times" in problem.message


def test_check_reports_a_lineage_loop(session, world):
    shelf = make_bin(session, world)
    a, b = (make_donor(session, world, weight=3.0) for _ in range(2))
    pa = harvest(session, world, a, shelf, ("Switch", 0.1))[0]
    pb = harvest(session, world, b, shelf, ("Wheel", 0.1))[0]
    # imported or hand-edited data: each object holds a part of the other
    for part, host in ((pa, b), (pb, a)):
        part.state, part.installed_item_id = "installed", host.id
        session.add(part)
    session.commit()
    problems = _problems(session, "lineage")
    assert len(problems) == 1 and "circle" in problems[0].message


def test_refurbished_loan_credits_the_product_once(session, world):
    item = make_item(session, world, category="vacuum", weight=6.0)
    tested = [refurbish.TestResult("electrical_safety", True, NOW.date(), "earth 0.08 ohm")]
    with pytest.raises(refurbish.Refused, match="failed"):
        refurbish.refurbish(session, item_id=item.id, actor=world.actor(), now=NOW,
                            key=new_key(),
                            tests=[refurbish.TestResult("electrical_safety", False, NOW.date())])
    refurbish.refurbish(session, item_id=item.id, tests=tested, actor=world.actor(), now=NOW,
                        key=new_key())
    with pytest.raises(refurbish.Refused, match="return date"):
        refurbish.hand_over(session, item_id=item.id, to="lent", actor=world.actor(), now=NOW,
                            key=new_key())
    refurbish.hand_over(session, item_id=item.id, to="lent", return_due_on="2025-07-14",
                        actor=world.actor(), now=NOW, key=new_key())
    refurbish.take_back(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    refurbish.hand_over(session, item_id=item.id, to="sold", actor=world.actor(), now=NOW,
                        key=new_key())
    with pytest.raises(refurbish.Refused, match="Only a loan comes back: this object was sold"):
        refurbish.take_back(session, item_id=item.id, actor=world.actor(), now=NOW,
                            key=new_key())
    credits = session.exec(select(ImpactRecord)).all()
    assert len(credits) == 1 and credits[0].co2e_avoided_kg == pytest.approx(36.01 * 0.5)
    assert mass_balance.fates(session, item_id=item.id).returned_to_use_kg == 6.0
    assert check(session) == []
