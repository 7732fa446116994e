"""Intake registers objects only into café sessions of the volunteer's own group."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain.errors import Refused
from repaircafe.models import Item
from repaircafe.objects.services import intake
from tests.factories import NOW


def _register(session, world, role, repair_session):
    return intake.register_item(session, repair_session_id=repair_session.id,
                                category="toaster", brand="Dualit", actor=world.actor(role),
                                now=NOW, key=new_key())


@pytest.mark.parametrize("role", ["fixer", "coordinator"])
def test_a_session_of_another_group_is_refused_and_nothing_is_written(session, world, role):
    with pytest.raises(Refused, match="another group's site"):
        _register(session, world, role, world.other_session)
    session.rollback()
    assert session.exec(select(Item)).all() == []


def test_own_group_sessions_and_admins_anywhere(session, world):
    mine = _register(session, world, "fixer", world.repair_session)
    theirs = _register(session, world, "admin", world.other_session)
    assert (mine.group_id, theirs.group_id) == (world.group.id, world.other_group.id)


def test_the_intake_form_refuses_another_groups_session(client, session, world, login_as):
    login_as("fixer")
    response = client.post("/intake/", data={
        "repair_session_id": str(world.other_session.id), "category": "toaster",
        "brand": "Dualit", "key": "k-elsewhere"})
    assert response.status_code == 422
    assert "another group" in response.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(Item)).all() == []
