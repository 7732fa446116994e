"""HTTP caching: a visitor's passport may be kept a minute and revalidated; staff pages never."""

from repaircafe.core.events import new_key
from repaircafe.objects.services import repairs
from repaircafe.tags.services.tags import current_tag
from tests.factories import NOW, make_item


def _code(session, item):
    return current_tag(session, item_id=item.id).code


def test_a_visitors_passport_is_public_for_a_minute_with_an_etag(client, session, world):
    item = make_item(session, world, brand="Dualit")
    page = client.get(f"/I/{_code(session, item)}")
    assert page.status_code == 200 and "Dualit" in page.get_data(as_text=True)
    assert page.cache_control.public and page.cache_control.max_age == 60
    assert {"accept-language", "cookie"} <= {v.lower() for v in page.vary}
    assert page.headers["ETag"]


def test_asking_again_with_the_etag_gets_a_bodiless_304(client, session, world):
    item = make_item(session, world)
    url = f"/I/{_code(session, item)}"
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_etag_changes_with_the_history_and_the_language(client, session, world):
    item = make_item(session, world)
    url = f"/I/{_code(session, item)}"
    before = client.get(url).headers["ETag"]
    french = client.get(url, headers={"Accept-Language": "fr"}).headers["ETag"]
    repairs.record_diagnosis(session, item_id=item.id, diagnosis="Fuse", actor=world.actor(),
                             now=NOW, key=new_key())
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and len({before, french, after.headers["ETag"]}) == 3


def test_signed_in_pages_are_never_stored(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    for url in (f"/items/{item.id}", f"/I/{_code(session, item)}", "/scan/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "ETag" not in response.headers, url


def test_stylesheets_and_anonymous_pages_keep_their_own_caching(client, world, login_as):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login_as("fixer")
    css = client.get("/static/app.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
    css.close()
