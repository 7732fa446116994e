"""The owner's private link and the public passport: no account, no personal data."""

from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.models import Item, LifecycleEvent, Owner
from repaircafe.objects.services import repairs
from repaircafe.objects.services.intake import OwnerContact
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item


def _owned(session, world):
    item = make_item(session, world, brand="Kenwood",
                     owner=OwnerContact(name="Ann Jones", email="ann@example.org",
                                        phone="07700 900123", consent=True))
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  public_note="Replaced the fuse",
                                  internal_note="Owner was rude", actor=world.actor(), now=NOW,
                                  key=new_key())
    owner = session.get(Owner, item.owner_id)
    return item, owner


def test_public_page_shows_the_story_without_personal_data(client, session, world):
    item, _owner = _owned(session, world)
    code = tags.current_tag(session, item_id=item.id).code
    response = client.get(f"/I/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kenwood" in page and "Replaced the fuse" in page and "Fixed" in page
    for secret in ("Ann Jones", "ann@example.org", "07700", "Owner was rude", "Fixer"):
        assert secret not in page
    assert "<script" not in page
    assert client.get(f"/i/{code.lower()}").status_code == 200


def test_public_page_of_blank_or_unknown_label_is_a_404(client, session, world):
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    assert client.get(f"/I/{blank.code}").status_code == 404
    assert client.get("/I/NOTACODE").status_code == 404


def test_owner_link_lists_objects_and_erasure_keeps_the_history(client, session, world):
    item, owner = _owned(session, world)
    page = client.get(f"/owner/{owner.private_token}").get_data(as_text=True)
    assert "Kenwood" in page and "Erase my contact details" in page
    refused = client.post(f"/owner/{owner.private_token}/erase", follow_redirects=True)
    assert "Tick the box" in refused.get_data(as_text=True)
    events_before = len(session.exec(select(LifecycleEvent)).all())
    done = client.post(f"/owner/{owner.private_token}/erase", data={"confirm": "yes"},
                       follow_redirects=True)
    assert "have been erased" in done.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    erased = session.get(Owner, owner.id)
    assert (erased.name, erased.email, erased.phone) == (None, None, None)
    assert erased.erased_at is not None
    assert session.get(Item, item.id).owner_id == owner.id
    assert len(session.exec(select(LifecycleEvent)).all()) == events_before
    again = client.get(f"/owner/{owner.private_token}").get_data(as_text=True)
    assert "Kenwood" in again and "Erased on" in again


def test_unknown_owner_link_is_a_404(client, world):
    assert client.get("/owner/not-a-token").status_code == 404
