"""Registering an object at the door through the intake form."""

import re

from sqlmodel import select

from repaircafe.board.services import repair_sessions
from repaircafe.models import Item, LifecycleEvent, Owner, Site, Tag, utc_now
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


def test_an_empty_form_is_refused_instead_of_registering_nothing(client, session, world,
                                                                 login_as):
    login_as("fixer")
    response = client.post("/intake/", data={"repair_session_id": world.repair_session.id,
                                              "key": "k-empty", "weight": ""})
    assert response.status_code == 422
    assert "Choose a category or write the brand, model or problem" in response.get_data(
        as_text=True)
    session.rollback()
    assert session.exec(select(Item)).all() == []


def test_a_refusal_is_shown_beside_its_field_and_focuses_it(client, world, login_as):
    login_as("fixer")
    page = client.post("/intake/", data=_form(world, weight="abc")).get_data(as_text=True)
    assert re.search(r'name="weight"[^>]*value="abc"[^>]*aria-invalid="true"', page)
    assert 'id="error-weight"' in page
    assert page.index('name="weight"') < page.index('id="error-weight"') < page.index(
        'name="owner_name"')
    assert 'autofocus' not in page  # the page's script focuses the refused field instead
    page = client.post("/intake/", data=_form(world, owner_email="a@b.org", key="k-c")
                       ).get_data(as_text=True)
    assert 'id="error-consent"' in page


def test_a_doubtful_weight_asks_for_a_second_save(client, session, world, login_as):
    login_as("fixer")
    first = client.post("/intake/", data=_form(world, category="lamp", weight="499",
                                                key="k-heavy"))
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "data-weight-warning" in page
    assert "499 kg is far more than usual for this category" in page
    assert 'name="weight_confirmed" value="499"' in page
    session.rollback()
    assert session.exec(select(Item)).all() == []
    second = client.post("/intake/", data=_form(world, category="lamp", weight="499",
                                                weight_confirmed="499", key="k-heavy"))
    assert second.status_code == 303
    changed = client.post("/intake/", data=_form(world, category="lamp", weight="4999",
                                                 weight_confirmed="499", key="k-heavier"))
    assert changed.status_code == 422  # over the hard limit: refused, not doubted
    session.rollback()
    session.expire_all()
    assert [i.weight_kg for i in session.exec(select(Item)).all()] == [499.0]


def test_age_or_year_made_is_kept_with_the_object(client, session, world, login_as):
    login_as("fixer")
    year = utc_now().year - 6
    client.post("/intake/", data=_form(world, product_age=str(year), key="k-age"))
    session.rollback()
    session.expire_all()
    item = session.exec(select(Item)).one()
    assert item.product_age_years == 6.0
    assert "Registered · 6 years" in client.get(f"/bench/{item.id}").get_data(as_text=True)
    refused = client.post("/intake/", data=_form(world, product_age="ancient", key="k-age2"))
    assert refused.status_code == 422
    assert 'id="error-product_age"' in refused.get_data(as_text=True)


def test_contact_is_on_the_form_and_the_last_category_comes_first(client, session, world,
                                                                  login_as):
    login_as("fixer")
    url = f"/intake/?session={world.repair_session.id}"
    page = client.get(url).get_data(as_text=True)
    assert '<details class="card owner"' not in page and 'name="owner_email"' in page
    order = [page.index(f'name="{name}"') for name in ("tag_code", "category", "brand",
                                                        "weight", "owner_name", "consent")]
    assert order == sorted(order)
    client.post("/intake/", data=_form(world, category="hair-dryer", key="k-dryer"))
    page = client.get(url).get_data(as_text=True)
    tiles = re.findall(r'name="category" value="([^"]+)"', page)
    assert tiles[0] == "hair-dryer"


def test_with_two_sessions_open_the_volunteer_picks_one_and_lands_on_the_form(
        client, session, world, login_as):
    second_site = Site(name="Canton Library", group_id=world.group.id,
                       territory_id=world.territory.id)
    session.add(second_site)
    session.commit()
    today = utc_now().date()
    ids = [repair_sessions.open_session(session, site_id=site.id, day=today, now=utc_now()).id
           for site in (world.site, second_site)]
    session.commit()
    login_as("fixer")
    chooser = client.get("/intake/")
    page = chooser.get_data(as_text=True)
    assert chooser.status_code == 200 and "data-session-choice" in page
    assert "Open today's café session first." not in page
    assert f"/intake/?session={ids[1]}" in page
    form = client.get(f"/intake/?session={ids[1]}").get_data(as_text=True)
    assert f'name="repair_session_id" value="{ids[1]}"' in form
    again = client.get("/intake/").get_data(as_text=True)
    assert f'name="repair_session_id" value="{ids[1]}"' in again
