"""A phone scanning a part's or a bin's label sees its public page, never personal data."""

from __future__ import annotations

import pytest

from repaircafe.core.events import new_key
from repaircafe.objects.services import intake
from repaircafe.parts.services import parts, stock
from repaircafe.parts.services.stock import code_of
from repaircafe.recycling.services import recycling
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor, make_recycler


@pytest.fixture
def journey(session, world):
    shelf = make_bin(session, world, "Belts A")
    donor = make_donor(session, world, weight=6.0, owner=intake.OwnerContact(
        name="Dylan Morgan", email="dylan@example.org", consent=True))
    belt, motor = harvest(session, world, donor, shelf, ("Drive belt 5 mm", 0.05),
                          ("Motor", 1.5))
    recipient = make_item(session, world, category="vacuum", brand="Hoover")
    parts.install_part(session, item_id=recipient.id, part_id=belt.id, actor=world.actor(),
                       now=NOW, key=new_key())
    return shelf, donor, recipient, belt, motor


def test_part_page_tells_its_journey_with_links_to_both_objects(client, session, world, journey):
    _shelf, donor, recipient, belt, _motor = journey
    response = client.get(f"/I/{code_of(session, part_id=belt.id)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Drive belt 5 mm" in html and "Cardiff Fixers" in html
    for item in (donor, recipient):  # each object linked to its own public page
        assert f'/{code_of(session, item_id=item.id)}"' in html
    assert "Vacuum" in html and "Fitted into" in html
    for private in ("Dylan", "dylan@example.org", "Belts A"):
        assert private not in html
    fixer = world.users["fixer"].display_name
    assert fixer not in html.replace(world.group.name, "")


def test_part_page_shows_its_end(client, session, world, journey):
    _shelf, _donor, _recipient, _belt, motor = journey
    stock.write_off(session, part_id=motor.id, reason="Burnt windings, smells",
                    actor=world.actor(), now=NOW, key=new_key())
    recycler = make_recycler(session, world)
    recycling.recycle_part(session, part_id=motor.id, recycler_id=recycler.id,
                           materials={"copper": "0.4", "steel": "1.1"}, actor=world.actor(),
                           now=NOW, key=new_key())
    html = client.get(f"/i/{code_of(session, part_id=motor.id).lower()}").get_data(as_text=True)
    assert "Written off" in html and "Recycled" in html and "1.1 kg" in html
    assert "Burnt windings" not in html


def test_bin_page_and_unknown_codes(client, session, world, journey):
    shelf = journey[0]
    html = client.get(f"/I/{code_of(session, bin_id=shelf.id)}").get_data(as_text=True)
    assert "Stock bin Belts A" in html and "Cardiff Fixers" in html and "1 part" in html
    assert client.get("/I/7K3M-9QXA-2").status_code == 404
    assert client.get("/I/not-a-code").status_code == 404
