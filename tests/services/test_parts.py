"""Harvest, stock and install rules: every refusal says why and leaves the database as it was."""

import threading

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import ImpactRecord, LifecycleEvent, Part, Tag
from repaircafe.parts.services import parts, stock
from repaircafe.parts.services.stock import code_of
from repaircafe.recycling.services import recycling
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item
from tests.services.parts_support import (
    end_of_life,
    harvest,
    make_bin,
    make_donor,
    make_recycler,
)


def _footprint(session):
    session.rollback()
    return (session.exec(select(func.count()).select_from(LifecycleEvent)).one(),
            session.exec(select(func.count()).select_from(ImpactRecord)).one(),
            sorted(session.exec(select(Part.id, Part.state, Part.installed_item_id,
                                       Part.bin_id)).all()))


def _install(session, world, item, part, **kw):
    return parts.install_part(session, item_id=item.id, part_code=code_of(session, part_id=part.id),
                              actor=world.actor(), now=NOW, key=new_key(), **kw)


@pytest.fixture
def belt(session, world):
    donor = make_donor(session, world, weight=6.0)
    return harvest(session, world, donor, make_bin(session, world), ("Drive belt 5 mm", 0.05))[0]


def test_harvest_tags_and_bins_each_part_and_moves_the_donor(session, world):
    donor = make_donor(session, world, weight=6.0)
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    shelf = make_bin(session, world)
    taken = parts.harvest_parts(session, item_id=donor.id, actor=world.actor(), now=NOW,
                                key=new_key(), parts=[
        parts.HarvestedPart("Motor", "motor", weight="1.5", tag_code=blank.code,
                            bin_code=code_of(session, bin_id=shelf.id)),
        parts.HarvestedPart("Hose", "hose", fits_category="vacuum", condition="tested",
                            weight=0.4, bin_id=shelf.id)])
    session.refresh(blank)
    assert blank.status == "linked" and blank.part_id == taken[0].id and blank.kind == "part"
    assert code_of(session, part_id=taken[1].id) is not None
    assert all(p.bin_id == shelf.id and p.donor_item_id == donor.id for p in taken)
    session.refresh(donor)
    assert donor.state == "harvested"
    assert parts.remaining_kg(session, donor) == pytest.approx(4.1)
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.kind == "parts_harvested")).one()
    assert event.payload["remaining_kg"] == pytest.approx(4.1)
    assert [b.parts for b in stock.bins(session, actor=world.actor())] == [2]


def test_harvest_refuses_parts_heavier_than_whats_left(session, world):
    donor = make_donor(session, world, weight=1.0)
    before = _footprint(session)
    with pytest.raises(Refused, match="only 1 kg of the object is left"):
        harvest(session, world, donor, make_bin(session, world), ("Motor", 0.7), ("Case", 0.5))
    after = _footprint(session)
    assert after[0] == before[0] and after[2] == []


def test_harvest_refuses_a_label_already_in_use(session, world):
    donor = make_donor(session, world)
    shelf = make_bin(session, world)
    used = code_of(session, item_id=donor.id)
    with pytest.raises(Refused, match="already in use"):
        parts.harvest_parts(session, item_id=donor.id, actor=world.actor(), now=NOW,
                            key=new_key(), parts=[parts.HarvestedPart("Motor", tag_code=used,
                                                                      bin_id=shelf.id)])
    assert session.exec(select(Part)).all() == []


def test_stock_search_move_and_write_off(session, world, belt):
    fixer = world.actor()
    assert [r.id for r in stock.search_parts(session, actor=fixer, query="belt philips vacuum")] \
        == [belt.id]
    assert stock.search_parts(session, actor=fixer, query="belt dyson") == []
    code = code_of(session, part_id=belt.id)
    assert [r.id for r in stock.search_parts(session, actor=fixer, query=code.lower())] == [belt.id]
    other = make_bin(session, world, "Belts B")
    stock.move_part(session, part_id=belt.id, bin_code=code_of(session, bin_id=other.id),
                    actor=fixer, now=NOW, key=new_key())
    assert [p.name for p in stock.bin_detail(session, actor=fixer, bin_id=other.id).parts] \
        == ["Drive belt 5 mm"]
    with pytest.raises(Refused, match="Say why"):
        stock.write_off(session, part_id=belt.id, reason=" ", actor=fixer, now=NOW, key=new_key())
    stock.write_off(session, part_id=belt.id, reason="Perished", actor=fixer, now=NOW,
                    key=new_key())
    session.refresh(belt)
    assert belt.state == "written_off" and belt.bin_id is None
    assert stock.search_parts(session, actor=fixer) == []


def test_install_credits_reuse_and_remove_returns_it_to_stock(session, world, belt):
    recipient = make_item(session, world, category="vacuum")
    event = _install(session, world, recipient, belt)
    assert event.payload["part_name"] == "Drive belt 5 mm" and event.item_id == recipient.id
    session.refresh(recipient)
    assert recipient.state == "in_repair"
    record = session.exec(select(ImpactRecord)).one()
    assert (record.kind, record.part_id, record.weight_kg) == ("part_reuse", belt.id, 0.05)
    assert record.factor_set == "restart-2021"
    assert record.co2e_avoided_kg == pytest.approx(0.05 * 36.01 / 6.8 * 0.5)
    assert record.co2e_avoided_conservative_kg == pytest.approx(0.05 * 36.01 / 6.8 * 0.3)
    shelf = make_bin(session, world, "Returns")
    parts.remove_to_stock(session, part_id=belt.id, bin_id=shelf.id, reason="Wrong size",
                          actor=world.actor(), now=NOW, key=new_key())
    session.refresh(belt)
    assert (belt.state, belt.installed_item_id, belt.bin_id) == ("in_stock", None, shelf.id)
    assert session.exec(select(ImpactRecord)).one().is_void
    kinds = [e.kind for e in session.exec(select(LifecycleEvent)
                                          .where(LifecycleEvent.item_id == recipient.id))]
    assert kinds == ["registered", "part_installed", "part_removed"]


def test_install_retried_with_the_same_key_writes_once(session, world, belt):
    recipient = make_item(session, world, category="vacuum")
    key = new_key()
    first = parts.install_part(session, item_id=recipient.id, part_id=belt.id,
                               actor=world.actor(), now=NOW, key=key)
    again = parts.install_part(session, item_id=recipient.id, part_id=belt.id,
                               actor=world.actor(), now=NOW, key=key)
    assert again.id == first.id
    assert len(session.exec(select(ImpactRecord)).all()) == 1


def _refused(session, world, match, action):
    before = _footprint(session)
    with pytest.raises(Refused, match=match):
        action()
    assert _footprint(session) == before


def test_install_refused_when_part_already_installed(session, world, belt):
    first, second = (make_item(session, world, category="vacuum") for _ in range(2))
    _install(session, world, first, belt)
    where = code_of(session, item_id=first.id)
    _refused(session, world, f"already installed in {where[:4]}-{where[4:8]}",
             lambda: _install(session, world, second, belt))


def test_install_refused_when_part_recycled(session, world, belt):
    recycler = make_recycler(session, world)
    recycling.recycle_part(session, part_id=belt.id, recycler_id=recycler.id,
                           actor=world.actor(), now=NOW, key=new_key())
    recipient = make_item(session, world, category="vacuum")
    _refused(session, world, "already been recycled",
             lambda: _install(session, world, recipient, belt))


def test_install_refused_when_recipient_recycled(session, world, belt):
    recipient = make_donor(session, world, weight=3.0)
    recycling.recycle_item(session, item_id=recipient.id, recycler_id=make_recycler(session, world).id,
                           actor=world.actor(), now=NOW, key=new_key())
    _refused(session, world, "install a part into it: it has already been recycled",
             lambda: _install(session, world, recipient, belt))


def test_install_refused_when_part_written_off(session, world, belt):
    stock.write_off(session, part_id=belt.id, reason="Lost", actor=world.actor(), now=NOW,
                    key=new_key())
    recipient = make_item(session, world, category="vacuum")
    _refused(session, world, "written off", lambda: _install(session, world, recipient, belt))


def test_install_refused_into_itself(session, world, belt):
    recipient = make_item(session, world, category="vacuum")
    own = code_of(session, item_id=recipient.id)
    _refused(session, world, "cannot go into itself", lambda: parts.install_part(
        session, item_id=recipient.id, part_code=own, actor=world.actor(), now=NOW,
        key=new_key()))


def test_install_refused_into_its_own_donor(session, world, belt):
    donor = session.get(parts.Item, belt.donor_item_id)
    _refused(session, world, "install a part.*parts have been taken from it",
             lambda: _install(session, world, donor, belt))


def test_install_refused_round_a_donor_chain(session, world, belt):
    """A part of A went into B; B's material may not flow back into A."""
    shelf = make_bin(session, world, "Wheels")
    a = session.get(parts.Item, belt.donor_item_id)
    b = make_item(session, world, category="vacuum", weight=5.0)
    _install(session, world, b, belt)
    end_of_life(session, world, b)
    wheel = harvest(session, world, b, shelf, ("Wheel", 0.2))[0]
    _refused(session, world, "parts have been taken from it",
             lambda: _install(session, world, a, wheel))
    links = parts.donors_by_recipient(session)
    assert parts.lifecycle.install_closes_loop(links, donor_id=b.id, recipient_id=a.id)


def test_part_of_another_group_is_not_found(session, world, belt):
    other = make_item(session, world, category="vacuum", repair_session=world.other_session,
                      actor="admin")
    with pytest.raises(Refused, match="another group"):
        _install(session, world, other, belt)


@pytest.mark.parametrize("attempt", range(2))
def test_two_tablets_installing_the_same_part_exactly_one_wins(engine, session, world, belt,
                                                               attempt):
    recipients = [make_item(session, world, category="vacuum") for _ in range(2)]
    code = code_of(session, part_id=belt.id)
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def tablet(n: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            start.wait()
            try:
                results[n] = parts.install_part(own, item_id=recipients[n].id, part_code=code,
                                                actor=world.actor(), now=NOW, key=new_key())
            except Refused as exc:
                results[n] = exc

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    wins = [r for r in results if isinstance(r, LifecycleEvent)]
    losses = [r for r in results if isinstance(r, Refused)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert "already installed" in losses[0].message
    session.rollback()
    session.refresh(belt)
    assert belt.installed_item_id == wins[0].item_id
    assert len(session.exec(select(ImpactRecord)).all()) == 1
    assert len(session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "part_installed")).all()) == 1


def test_bins_have_their_own_labels(session, world):
    shelf = make_bin(session, world, "Fuses")
    tag = session.exec(select(Tag).where(Tag.bin_id == shelf.id)).one()
    assert tag.kind == "bin" and tags.resolve(session, tag.code).result == "bin"
    with pytest.raises(Refused, match="already a bin"):
        make_bin(session, world, "Fuses")
    with pytest.raises(NotFound):
        stock.find_bin(session, actor=world.actor(), code=code_of(session, item_id=make_item(
            session, world).id))
