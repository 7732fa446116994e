"""A repair attempt names the parts fitted during the visit, and the histories show them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from repaircafe.core.events import new_key
from repaircafe.models import RepairSession
from repaircafe.objects.services import refurbish, repairs
from repaircafe.parts.services import parts
from repaircafe.parts.services.stock import code_of
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor


@pytest.fixture
def stock(session, world):
    donor = make_donor(session, world, weight=6.0)
    shelf = make_bin(session, world)
    return (*harvest(session, world, donor, shelf, ("Drive belt 5 mm", 0.05), ("Brush roll", 0.3)),
            shelf)


def _fit(session, world, item, part):
    return parts.install_part(session, item_id=item.id, part_id=part.id, actor=world.actor(),
                              now=NOW, key=new_key())


def _attempt(session, world, item, outcome="fixed"):
    return repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                         actor=world.actor(), now=NOW, key=new_key())


def test_attempt_records_parts_fitted_this_visit_and_still_in(session, world, stock):
    belt, brush, shelf = stock
    recipient = make_item(session, world, category="vacuum")
    _fit(session, world, recipient, belt)
    _fit(session, world, recipient, brush)
    parts.remove_to_stock(session, part_id=brush.id, bin_id=shelf.id,
                          reason="wrong size", actor=world.actor(), now=NOW, key=new_key())
    event = _attempt(session, world, recipient)
    assert event.payload["parts_installed"] == [
        {"part_id": belt.id, "code": code_of(session, part_id=belt.id), "name": "Drive belt 5 mm"}
    ]


def test_a_part_fitted_on_an_earlier_visit_is_not_named_again(session, world, stock):
    belt, _brush, _shelf = stock
    recipient = make_item(session, world, category="vacuum")
    _fit(session, world, recipient, belt)
    assert _attempt(session, world, recipient).payload["parts_installed"][0]["part_id"] == belt.id
    later = RepairSession(site_id=world.site.id, held_on=NOW.date() + timedelta(days=28))
    session.add(later)
    session.commit()
    repairs.check_in(session, item_id=recipient.id, repair_session_id=later.id,
                     problem="Noisy again", actor=world.actor(), now=NOW, key=new_key())
    assert "parts_installed" not in _attempt(session, world, recipient).payload


def test_an_attempt_without_parts_keeps_its_payload(session, world):
    item = make_item(session, world)
    assert "parts_installed" not in _attempt(session, world, item).payload


def test_histories_name_the_parts_of_each_event(client, session, world, login_as, stock):
    belt, brush, _shelf = stock
    recipient = make_item(session, world, category="vacuum")
    _fit(session, world, recipient, belt)
    _attempt(session, world, recipient)
    refurbish.refurbish(session, item_id=recipient.id, actor=world.actor(), now=NOW,
                        key=new_key(), tests=[refurbish.TestResult(
                            "electrical_safety", True, NOW.date(), "earth 0.08 Ω")])
    belt_code = code_of(session, part_id=belt.id)
    login_as("fixer")
    for page in (f"/bench/{recipient.id}", f"/items/{recipient.id}"):
        html = client.get(page).get_data(as_text=True)
        assert html.count(f'href="/parts/{belt.id}">Drive belt 5 mm</a>') >= 2, page
        assert "Parts fitted" in html and "Part installed" in html
        assert "Electrical safety test (PAT) (earth 0.08 Ω)" in html
        assert belt_code[:4] in html
    donor_html = client.get(f"/items/{belt.donor_item_id}").get_data(as_text=True)
    assert "Parts taken out for reuse" in donor_html
    assert f'href="/parts/{brush.id}">Brush roll</a>' in donor_html
