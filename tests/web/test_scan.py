"""The scan lookup as a volunteer meets it: every kind of code, every way of entering it."""

import io

import qrcode
from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.domain import codes
from repaircafe.models import ScanLog
from repaircafe.objects.services import repairs
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item


def _code(session, item):
    return tags.current_tag(session, item_id=item.id).code


def _typo(code):
    wrong = "1" if code[3] != "1" else "2"
    return code[:3] + wrong + code[4:]


def test_label_url_in_lower_case_with_hyphens_opens_the_bench(client, session, world, login_as):
    item = make_item(session, world)
    code = _code(session, item)
    login_as("fixer")
    url = f"https://rc.example.org/I/{codes.display(code).lower()}"
    response = client.get("/scan/", query_string={"code": url, "via": "scanner"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/bench/{item.id}")
    session.rollback()
    log = session.exec(select(ScanLog)).one()
    assert (log.code, log.result, log.channel, log.user_id) == (
        code, "item", "scanner", world.users["fixer"].id)


def test_viewer_is_sent_to_the_read_only_object_page(client, session, world, login_as):
    item = make_item(session, world)
    login_as("viewer")
    response = client.get("/scan/", query_string={"code": _code(session, item)})
    assert response.headers["Location"].endswith(f"/items/{item.id}")


def test_blank_label_offers_to_register_an_object(client, session, world, login_as):
    blank = tags.issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    login_as("fixer")
    page = client.get("/scan/", query_string={"code": blank.code}).get_data(as_text=True)
    assert "Register a new object with this label" in page
    assert f"/intake/?code={blank.code}" in page


def test_retired_label_opens_its_object_with_a_note(client, session, world, login_as):
    item = make_item(session, world)
    old = _code(session, item)
    repairs.replace_tag(session, item_id=item.id, actor=world.actor(), now=NOW, key=new_key())
    login_as("fixer")
    response = client.get("/scan/", query_string={"code": old}, follow_redirects=True)
    assert response.request.path == f"/bench/{item.id}"
    assert "was replaced by a new one" in response.get_data(as_text=True)


def test_typo_is_called_a_typo_and_logged(client, session, world, login_as):
    item = make_item(session, world)
    login_as("fixer")
    response = client.get("/scan/", query_string={"code": _typo(_code(session, item))})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This looks like a typo" in page and "Unknown label" not in page
    session.rollback()
    assert session.exec(select(ScanLog.result)).one() == "typo"


def test_code_never_issued_says_so_and_is_logged(client, session, world, login_as):
    login_as("fixer")
    never = codes.new_code()
    response = client.get("/scan/", query_string={"code": never})
    assert response.status_code == 404
    assert "was never issued" in response.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(ScanLog.result)).one() == "unknown"


def test_scan_page_needs_a_login(client, world):
    assert client.get("/scan/").status_code == 302


def test_camera_frame_is_decoded_on_the_server(client, world, login_as):
    login_as("fixer")
    image = qrcode.make("https://rc.example.org/I/7K3M9QXA2", border=4).get_image().convert("L")
    frame = io.BytesIO()
    image.resize((360, 360)).save(frame, format="JPEG", quality=80)
    answer = client.post("/scan/decode", data=frame.getvalue(), content_type="image/jpeg")
    assert answer.get_json() == {"text": "https://rc.example.org/I/7K3M9QXA2"}
    blank = io.BytesIO()
    image.point(lambda _v: 255).save(blank, format="JPEG")
    assert client.post("/scan/decode", data=blank.getvalue(),
                       content_type="image/jpeg").get_json() == {"text": None}
    assert client.post("/scan/decode", data=b"not a picture").status_code == 400


def test_another_groups_label_is_unknown_on_the_scan_page_too(client, session, world, login_as):
    """The scan page and the API answer and log a foreign label the same way."""
    foreign = make_item(session, world, repair_session=world.other_session)
    login_as("fixer")
    response = client.get("/scan/", query_string={"code": _code(session, foreign)})
    assert response.status_code == 404
    assert "belongs to another group" in response.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(ScanLog.result)).one() == "unknown"


def test_an_unknown_label_is_explained_in_french(client, session, world, login_as):
    login_as("fixer")
    never = codes.new_code()
    page = client.get("/scan/", query_string={"code": never}, headers={"Accept-Language": "fr"})
    assert page.status_code == 404
    assert codes.display(never) in page.get_data(as_text=True)
    assert "was never issued" not in page.get_data(as_text=True)
