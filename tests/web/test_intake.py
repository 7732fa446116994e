"""Registering an object at the door through the intake form."""

from sqlmodel import select

from repaircafe.models import Item, LifecycleEvent, Owner, Tag
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item


def _form(world, **extra):
    data = {"repair_session_id": world.repair_session.id, "key": "intake-key-1",
            "category": "toaster", "brand": "Dualit", "model": "Classic", "problem": "No heat",
            "weight": "2,5"}
    data.update(extra)
    return data


def test_form_shows_the_groups_most_used_categories_first(client, session, world, login_as):
    for _ in range(3):
        make_item(session, world, category="vacuum", brand="Dyson", model="V8")
    login_as("fixer")
    page = client.get(f"/intake/?session={world.repair_session.id}").get_data(as_text=True)
    assert page.index('value="vacuum"') < page.index('value="toaster"')
    assert '<option value="Dyson">' in page
    assert client.get("/intake/models?brand=dyson").get_json() == ["V8"]


def test_claiming_a_scanned_blank_label(client, session, world, login_as):
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    login_as("fixer")
    response = client.post("/intake/", data=_form(world, tag_code=blank.code.lower()))
    assert response.status_code == 303
    session.rollback()
    session.expire_all()
    item = session.exec(select(Item)).one()
    assert (item.brand, item.weight_kg, item.state) == ("Dualit", 2.5, "registered")
    assert session.exec(select(Tag.item_id).where(Tag.code == blank.code)).one() == item.id
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registered" in done and "qr.svg" not in done  # the label is already on it


def test_double_submit_registers_once(client, session, world, login_as):
    login_as("fixer")
    first = client.post("/intake/", data=_form(world))
    second = client.post("/intake/", data=_form(world))
    assert first.headers["Location"] == second.headers["Location"]
    assert "qr.svg" in client.get(first.headers["Location"]).get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert len(session.exec(select(Item)).all()) == 1


def test_bad_weight_is_refused_with_the_typing_kept(client, session, world, login_as):
    login_as("fixer")
    for weight, message in (("heavy", "is not a weight"), ("900", "please check the weight"),
                            ("-1", "more than 0 kg")):
        response = client.post("/intake/", data=_form(world, weight=weight))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page
        assert 'value="Dualit"' in page
    session.rollback()
    session.expire_all()
    assert session.exec(select(LifecycleEvent)).all() == []


def test_owner_contact_needs_consent_and_is_optional(client, session, world, login_as):
    login_as("fixer")
    refused = client.post("/intake/", data=_form(world, owner_name="Ann", key="k2"))
    assert refused.status_code == 422 and "consent" in refused.get_data(as_text=True)
    saved = client.post("/intake/", data=_form(world, owner_name="Ann", owner_phone="0123",
                                                consent="yes", key="k3"))
    session.rollback()
    session.expire_all()
    owner = session.exec(select(Owner)).one()
    done = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert f"/owner/{owner.private_token}" in done


def test_without_an_open_session_the_volunteer_is_sent_to_open_one(client, session, world,
                                                                   login_as):
    login_as("fixer")
    response = client.get("/intake/")
    assert response.status_code == 302 and "/board/" in response.headers["Location"]


def test_viewer_cannot_register(client, world, login_as):
    login_as("viewer")
    assert client.post("/intake/", data=_form(world)).status_code == 403
