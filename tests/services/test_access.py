"""The one access policy: each service refuses another group's records and writes nothing.

The route matrix (tests/web/test_scope_matrix.py) probes every route; these tests name the
rules one by one, at the service level, where a new entry point cannot skip them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from repaircafe.api.services import api_access
from repaircafe.core import access
from repaircafe.domain.errors import NotFound, OutOfScope, Refused
from repaircafe.models import Item, LifecycleEvent, Owner, Part, Recycler, StockBin, Tag
from repaircafe.objects.services import intake, owners, refurbish, repairs
from repaircafe.objects.services.intake import OwnerContact
from repaircafe.parts.services import parts, stock
from repaircafe.parts.services.parts import HarvestedPart
from repaircafe.recycling.services import recycling, recycling_batches
from repaircafe.tags.services import tags
from tests.factories import NOW, World, make_item


def _key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def theirs(session: Session, world: World) -> Item:
    """An object of the other group (Swansea), waiting at its café."""
    return make_item(session, world, repair_session=world.other_session, brand="Swan")


def _events(session: Session, item: Item) -> list[str]:
    session.rollback()
    return list(session.exec(select(LifecycleEvent.kind).where(
        LifecycleEvent.item_id == item.id).order_by(LifecycleEvent.id)).all())


BENCH_ACTIONS: dict[str, Callable[..., Any]] = {
    "diagnosis": lambda s, i, a: repairs.record_diagnosis(
        s, item_id=i.id, diagnosis="fuse", actor=a, now=NOW, key=_key()),
    "attempt": lambda s, i, a: repairs.record_repair_attempt(
        s, item_id=i.id, outcome="fixed", actor=a, now=NOW, key=_key()),
    "hand-over": lambda s, i, a: repairs.hand_over(
        s, item_id=i.id, actor=a, now=NOW, key=_key()),
    "note": lambda s, i, a: repairs.add_note(
        s, item_id=i.id, public_note="written by another group", actor=a, now=NOW, key=_key()),
    "label": lambda s, i, a: repairs.replace_tag(s, item_id=i.id, actor=a, now=NOW, key=_key()),
    "refurbish": lambda s, i, a: refurbish.refurbish(
        s, item_id=i.id, tests=[], actor=a, now=NOW, key=_key()),
}


@pytest.mark.parametrize("role", ["coordinator", "fixer", "viewer"])
@pytest.mark.parametrize("action", sorted(BENCH_ACTIONS))
def test_no_bench_action_on_another_groups_object(session, world, theirs, role, action):
    with pytest.raises(OutOfScope):
        BENCH_ACTIONS[action](session, theirs, world.actor(role))
    assert _events(session, theirs) == ["registered"]


def test_check_in_needs_the_object_and_the_session_of_the_actors_group(session, world, theirs):
    mine = make_item(session, world)
    fixer = world.actor("fixer")
    with pytest.raises(OutOfScope):
        repairs.check_in(session, item_id=theirs.id, repair_session_id=world.repair_session.id,
                         actor=fixer, now=NOW, key=_key())
    with pytest.raises(OutOfScope):
        repairs.check_in(session, item_id=mine.id, repair_session_id=world.other_session.id,
                         actor=fixer, now=NOW, key=_key())
    with pytest.raises(Refused, match="another group's site"):
        repairs.check_in(session, item_id=mine.id, repair_session_id=world.other_session.id,
                         actor=world.actor("admin"), now=NOW, key=_key())
    assert _events(session, theirs) == ["registered"] and _events(session, mine) == ["registered"]


def test_a_correction_of_another_groups_entry_is_refused_whatever_the_page(session, world, theirs):
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == theirs.id)).one()
    repairs.record_repair_attempt(session, item_id=theirs.id, outcome="fixed",
                                  actor=world.actor("admin"), now=NOW, key=_key())
    attempt = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == theirs.id, LifecycleEvent.kind == "repair_attempted")).one()
    for target in (event.id, attempt.id):
        with pytest.raises(OutOfScope):
            repairs.correct_event(session, event_id=target, void=True, reason="mine now",
                                  actor=world.actor("fixer"), now=NOW, key=_key())
    assert _events(session, theirs) == ["registered", "repair_attempted"]


def test_a_territory_viewer_sees_only_parts_harvested_in_their_territory(session, world):
    admin = world.actor("admin")
    for repair_session, name in ((world.repair_session, "Cardiff motor"),
                                 (world.other_session, "Swansea motor")):
        group_id = session.get(Item, make_item(session, world, repair_session=repair_session,
                                               actor="admin").id).group_id
        donor = make_item(session, world, repair_session=repair_session, actor="admin",
                          category="vacuum", weight=5.0, is_donor=True)
        repairs.record_repair_attempt(session, item_id=donor.id, outcome="end_of_life",
                                      barrier=6, actor=admin, now=NOW, key=_key())
        shelf = stock.create_bin(session, name=f"Bin {name}", group_id=group_id, actor=admin,
                                 now=NOW)
        parts.harvest_parts(session, item_id=donor.id, actor=admin, now=NOW, key=_key(),
                            parts=[HarvestedPart(name=name, weight=1.0, bin_id=shelf.id)])
    # A group working in both territories: its parts follow where they were harvested.
    swansea_part = session.exec(select(Part).where(Part.name == "Swansea motor")).one()
    swansea_part.group_id = world.group.id
    session.add(swansea_part)
    session.commit()
    page = api_access.parts(session, actor=world.actor("viewer"), state=None, limit=50, offset=0)
    assert [p.name for p in page.rows] == ["Cardiff motor"] and page.total == 1
    with pytest.raises(OutOfScope):
        access.load(session, Part, swansea_part.id, world.actor("viewer"))
    assert access.can_read(session, world.actor("viewer"), Part, page.rows[0].id)


def test_another_groups_blank_label_is_never_claimed(session, world, theirs):
    blank = tags.new_tags(session, count=1, group_id=world.other_group.id, now=NOW)[0]
    session.commit()
    fixer, coordinator = world.actor("fixer"), world.actor("coordinator")
    mine = make_item(session, world)
    attempts = [
        lambda: intake.register_item(session, repair_session_id=world.repair_session.id,
                                     category="toaster", tag_code=blank.code, actor=coordinator,
                                     now=NOW, key=_key()),
        lambda: repairs.replace_tag(session, item_id=mine.id, new_code=blank.code, actor=fixer,
                                    now=NOW, key=_key()),
        lambda: stock.create_bin(session, name="Belts", group_id=world.group.id,
                                 tag_code=blank.code, actor=coordinator, now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound, match="printed for another group"):
            attempt()
        session.rollback()
    assert session.get(Tag, blank.id).status == "issued"


def test_bins_and_batches_refer_only_to_the_groups_own_sites_and_recyclers(session, world):
    coordinator = world.actor("coordinator")
    with pytest.raises(OutOfScope):
        stock.create_bin(session, name="Belts", group_id=world.group.id,
                         site_id=world.other_site.id, actor=coordinator, now=NOW)
    with pytest.raises(Refused, match="another group"):
        stock.create_bin(session, name="Belts", group_id=world.group.id,
                         site_id=world.other_site.id, actor=world.actor("admin"), now=NOW)
    session.rollback()
    assert session.exec(select(StockBin)).all() == []
    swansea = recycling.add_recycler(session, territory_id=world.other_territory.id,
                                     name="Swansea Metals", weee_categories="",
                                     actor=world.actor("admin"))
    assert swansea.weee_categories == ""
    with pytest.raises(Refused, match="does not serve"):
        recycling_batches.open_batch(session, recycler_id=swansea.id, group_id=world.group.id,
                                     actor=coordinator, now=NOW)
    with pytest.raises(OutOfScope):
        recycling.add_recycler(session, territory_id=world.other_territory.id, name="Mine now",
                               actor=coordinator)
    session.rollback()
    assert [r.name for r in session.exec(select(Recycler)).all()] == ["Swansea Metals"]
    assert recycling_batches.batches(session, actor=coordinator) == []


def test_a_viewer_changes_nothing_even_in_their_territory(session, world):
    mine = make_item(session, world)
    with pytest.raises(OutOfScope):
        repairs.add_note(session, item_id=mine.id, public_note="x", actor=world.actor("viewer"),
                         now=NOW, key=_key())
    assert access.can_read(session, world.actor("viewer"), Item, mine.id)
    assert not access.can_write(session, world.actor("viewer"), Item, mine.id)


def test_public_notes_never_carry_contact_details(session, world):
    item = make_item(session, world, owner=OwnerContact(
        name="Sian Hughes", email="sian@example.org", phone="07700 900456", consent=True))
    repairs.add_note(session, item_id=item.id, actor=world.actor(), now=NOW, key=_key(),
                     public_note="Call Mrs Sian Hughes on 07700 900456 or sian.h@example.org; "
                                 "serial 12345678901 checked")
    note = session.exec(select(LifecycleEvent.public_note).where(
        LifecycleEvent.kind == "note")).one()
    assert note == ("Call Mrs [name] on [phone] or [e-mail]; serial 12345678901 checked")


def test_erasure_also_scrubs_the_owners_objects_notes(session, world):
    item = make_item(session, world, problem="Owner Dylan Morgan, ring 029 2087 1234",
                     owner=OwnerContact(name="Dylan Morgan", phone="029 2087 1234",
                                        consent=True))
    owner_row = session.get(Item, item.id).owner_id
    token = session.exec(select(Owner.private_token).where(Owner.id == owner_row)).one()
    repairs.add_note(session, item_id=item.id, actor=world.actor(), now=NOW, key=_key(),
                     internal_note="Dylan Morgan will collect on Tuesday")
    owners.erase_contact(session, token=token, now=NOW)
    session.rollback()
    assert "Dylan" not in session.get(Item, item.id).problem
    notes = session.exec(select(LifecycleEvent.internal_note).where(
        LifecycleEvent.kind == "note")).all()
    assert notes == ["[name] will collect on Tuesday"]


def test_a_hand_over_note_is_limited_like_every_other_note(session, world):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=_key())
    with pytest.raises(Refused, match="too long"):
        repairs.hand_over(session, item_id=item.id, public_note="x" * 100_000,
                          actor=world.actor(), now=NOW, key=_key())
    assert _events(session, item) == ["registered", "repair_attempted"]


def test_racing_identical_intakes_answer_the_first_object(engine, session, world):
    key = _key()
    barrier = threading.Barrier(8)
    outcomes: list[Any] = [None] * 8

    def tablet(index: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                outcomes[index] = intake.register_item(
                    own, repair_session_id=world.repair_session.id, category="toaster",
                    brand="Dualit", actor=world.actor("fixer"), now=NOW, key=key).id
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                outcomes[index] = exc

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    session.rollback()
    ids = session.exec(select(Item.id)).all()
    assert len(ids) == 1
    assert outcomes == [ids[0]] * 8, outcomes
