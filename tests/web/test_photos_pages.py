"""Photo pages: upload from the bench and the object's page, private serving, the public
passport, publishing and removal, with refusals shown beside the form."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import select

from repaircafe import create_app
from repaircafe.models import LifecycleEvent, Photo
from repaircafe.tags.services.tags import current_tag
from tests.conftest import app_config
from tests.factories import make_item
from tests.services.test_photos import jpeg_with_gps, noisy_jpeg, picture


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Any:
    config = app_config(db_url)
    config["app"] = {**config["app"], "instance_path": str(tmp_path / "instance"),
                     "photo_quota_mb": 1}
    application = create_app(config)
    yield application
    application.extensions["repaircafe.engine"].dispose()


@pytest.fixture
def item(session, world):
    return make_item(session, world, brand="Kenwood", model="Chef")


@pytest.fixture
def other_item(session, world):
    return make_item(session, world, brand="Swan", repair_session=world.other_session)


def upload(client, item_id: int, *files: tuple[bytes, str], back: str = "bench",
           caption: str = "", **extra: Any) -> Any:
    data: dict[str, Any] = {
        "photos": [(io.BytesIO(content), name) for content, name in files],
        "caption": caption, "key": uuid.uuid4().hex, "back": back, **extra}
    return client.post(f"/items/{item_id}/photos", data=data,
                       content_type="multipart/form-data")


def fetch(client, url: str) -> Any:
    """A GET whose file is read and closed at once (photos are sent straight from disk)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def names(session, item_id: int) -> list[str]:
    session.rollback()
    rows = session.exec(select(Photo).where(Photo.item_id == item_id, Photo.removed_at == None)  # noqa: E711
                        .order_by(Photo.id)).all()
    return [p.filename[:-4] for p in rows]


def test_the_bench_offers_the_camera_and_a_plain_upload(login_as, item):
    page = login_as("fixer").get(f"/bench/{item.id}").get_data(as_text=True)
    form = re.search(r'<form class="photo-add.*?</form>', page, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form
    assert re.search(r'<input type="file" name="photos" accept="image/\*" '
                     r'capture="environment" multiple', form)
    plain = re.findall(r'<input type="file"[^>]*>', form)
    assert len(plain) == 2 and "capture" not in plain[1] and "multiple" in plain[1]


def test_a_photo_uploaded_at_the_bench_shows_in_the_history(login_as, session, item):
    client = login_as("fixer")
    response = upload(client, item.id, (jpeg_with_gps(), "IMG_0001.JPG"),
                      caption="Cracked lid")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/bench/{item.id}#history")
    [name] = names(session, item.id)
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Photo added." in page
    entry = re.search(r'<li class="event k-photo_added".*?</li>', page, re.S).group(0)
    assert f"/items/{item.id}/photos/{name}/thumb.jpg" in entry and "Cracked lid" in entry
    assert "IMG_0001" not in page
    event = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == item.id, LifecycleEvent.kind == "photo_added")).one()
    assert event.payload["caption"] == "Cracked lid"
    thumb = fetch(client, f"/items/{item.id}/photos/{name}/thumb.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Cache-Control"].startswith("private")
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) == 320 and not image.getexif()
    full = fetch(client, f"/items/{item.id}/photos/{name}/photo.jpg")
    with Image.open(io.BytesIO(full.data)) as image:
        assert max(image.size) == 1600 and not image.getexif()
    assert b"Exif" not in full.data


def test_the_object_page_takes_photos_too_and_comes_back_to_itself(login_as, session, item):
    client = login_as("coordinator")
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert 'capture="environment"' in page
    response = upload(client, item.id, (picture("PNG"), "a.png"), (picture("WEBP"), "b.webp"),
                      back="items")
    assert response.headers["Location"].endswith(f"/items/{item.id}#history")
    assert len(names(session, item.id)) == 2
    assert "2 photos added." in client.get(f"/items/{item.id}").get_data(as_text=True)


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(login_as, session, item):
    client = login_as("fixer")
    response = upload(client, item.id, (b"MZ\x90\x00 not a picture", "photo.jpg"),
                      caption="kept caption", follow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("#photos")
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "That file is not a photo: upload a JPEG, PNG or WebP picture." in page
    assert 'value="kept caption"' in page  # the caption typed is offered again
    assert names(session, item.id) == []


def test_a_decompression_bomb_is_refused_with_a_message(login_as, session, item):
    bomb = io.BytesIO()
    Image.new("1", (30000, 30000)).save(bomb, "PNG")
    client = login_as("fixer")
    upload(client, item.id, (bomb.getvalue(), "bomb.png"))
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "too many pixels" in page
    assert names(session, item.id) == []


def test_one_bad_file_among_good_ones_is_named(login_as, session, item):
    client = login_as("fixer")
    upload(client, item.id, (picture("JPEG"), "good.jpg"), (b"nope", "notes.txt"))
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Photo added." in page and "notes.txt: That file is not a photo" in page
    assert len(names(session, item.id)) == 1


def test_no_file_chosen_is_refused(login_as, item):
    client = login_as("fixer")
    upload(client, item.id)
    assert "Take or choose a photo first." in client.get(f"/bench/{item.id}").get_data(
        as_text=True)


def test_the_group_quota_is_refused_with_a_clear_message(login_as, session, item):
    client = login_as("fixer")
    data = noisy_jpeg(600)  # about 0.28 MB once kept; the quota here is 1 MB
    for number in range(4):
        upload(client, item.id, (data, f"{number}.jpg"))
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "photo space is full" in page and "of 1 MB used" in page
    assert "remove photos you no longer need" in page
    assert len(names(session, item.id)) == 3


def test_a_request_larger_than_the_upload_limit_gets_413(db_url, tmp_path, world, session,
                                                        item):
    config = app_config(db_url)
    config["app"] = {**config["app"], "instance_path": str(tmp_path / "small"),
                     "max_upload_mb": 1}
    small = create_app(config)
    try:
        client = small.test_client()
        client.post("/login", data={"username": "fixer", "password": "demo-pass"})
        body = b"--b\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"" \
            b"\r\n\r\n" + bytes(1_200_000) + b"\r\n--b--\r\n"
        response = client.post(f"/items/{item.id}/photos", data=body,
                                content_type="multipart/form-data; boundary=b")
        assert response.status_code == 413
        assert "That upload is too large." in response.get_data(as_text=True)
    finally:
        small.extensions["repaircafe.engine"].dispose()


def test_a_private_photo_is_not_served_to_another_group_or_to_anonymous(
        app, login_as, session, world, item, other_item):
    client = login_as("admin")
    upload(client, other_item.id, (picture("JPEG"), "x.jpg"))
    [name] = names(session, other_item.id)
    for variant in ("photo.jpg", "thumb.jpg"):
        assert fetch(client, f"/items/{other_item.id}/photos/{name}/{variant}").status_code == 200
    client.post("/logout")
    anonymous = app.test_client()
    for variant in ("photo.jpg", "thumb.jpg"):
        response = fetch(anonymous, f"/items/{other_item.id}/photos/{name}/{variant}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        # and the public address does not serve a private photo
        public = f"/I/{current_tag(session, item_id=other_item.id).code}/photos/{name}/{variant}"
        assert fetch(anonymous, public).status_code == 404
    for role in ("coordinator", "fixer", "viewer"):
        signed = app.test_client()
        signed.post("/login", data={"username": role, "password": "demo-pass"})
        for variant in ("photo.jpg", "thumb.jpg"):
            assert signed.get(
                f"/items/{other_item.id}/photos/{name}/{variant}").status_code == 404
            # nor through one's own object
            assert fetch(signed, f"/items/{item.id}/photos/{name}/{variant}").status_code == 404
        # and not through the public address while it is private
        code = current_tag(session, item_id=other_item.id).code
        assert fetch(signed, f"/I/{code}/photos/{name}/photo.jpg").status_code == 404
        if role != "viewer":
            assert signed.post(f"/items/{other_item.id}/photos/{name}/public",
                               data={"public": "yes"}).status_code == 404
            assert signed.post(f"/items/{other_item.id}/photos/{name}/remove").status_code == 404
            assert upload(signed, other_item.id, (picture("JPEG"), "y.jpg")).status_code == 404
    assert len(names(session, other_item.id)) == 1


def test_a_viewer_sees_photos_but_has_no_photo_forms(login_as, session, item, app):
    fixer = app.test_client()
    fixer.post("/login", data={"username": "fixer", "password": "demo-pass"})
    upload(fixer, item.id, (picture("JPEG"), "x.jpg"))
    [name] = names(session, item.id)
    client = login_as("viewer")
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"/photos/{name}/thumb.jpg" in page
    assert "photo-add" not in page and "/public" not in page
    assert fetch(client, f"/items/{item.id}/photos/{name}/thumb.jpg").status_code == 200
    assert client.post(f"/items/{item.id}/photos/{name}/public",
                       data={"public": "yes"}).status_code == 403
    assert upload(client, item.id, (picture("JPEG"), "y.jpg")).status_code == 403


@pytest.mark.parametrize("name", ["..%2F..%2Fsecret_key", "%2e%2e", "x" * 24 + "%00",
                                  "aaaaaaaaaaaaaaaaaaaaaaaa.jpg"])
def test_strange_names_are_not_found(login_as, item, name):
    client = login_as("fixer")
    response = fetch(client, f"/items/{item.id}/photos/{name}/photo.jpg")
    assert response.status_code in (400, 404)


def test_a_public_photo_shows_on_the_passport_and_a_private_one_does_not(
        app, login_as, session, item):
    client = login_as("fixer")
    upload(client, item.id, (picture("JPEG"), "inside.jpg"), caption="Inside the motor")
    upload(client, item.id, (picture("PNG"), "done.png"), caption="Working again")
    private, shown = names(session, item.id)
    code = current_tag(session, item_id=item.id).code
    visitor = app.test_client()
    page = visitor.get(f"/I/{code}").get_data(as_text=True)
    assert private not in page and shown not in page and "Working again" not in page

    response = client.post(f"/items/{item.id}/photos/{shown}/public",
                           data={"public": "yes", "back": "bench"})
    assert response.status_code == 303
    assert "The photo is now shown on the public page." in client.get(
        f"/bench/{item.id}").get_data(as_text=True)

    page = visitor.get(f"/I/{code}").get_data(as_text=True)
    assert f"/I/{code}/photos/{shown}/thumb.jpg" in page and "Working again" in page
    assert private not in page and "Inside the motor" not in page
    for variant in ("photo.jpg", "thumb.jpg"):
        served = fetch(visitor, f"/I/{code}/photos/{shown}/{variant}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["Cache-Control"].startswith("public")
        assert fetch(visitor, f"/I/{code}/photos/{private}/{variant}").status_code == 404
    client.post(f"/items/{item.id}/photos/{shown}/public", data={"public": "no"})
    assert fetch(visitor, f"/I/{code}/photos/{shown}/photo.jpg").status_code == 404
    assert shown not in visitor.get(f"/I/{code}").get_data(as_text=True)


def test_a_public_photo_is_not_reached_through_another_objects_code(app, login_as, session,
                                                                    world, item):
    client = login_as("fixer")
    upload(client, item.id, (picture("JPEG"), "x.jpg"))
    [name] = names(session, item.id)
    client.post(f"/items/{item.id}/photos/{name}/public", data={"public": "yes"})
    neighbour = make_item(session, world)
    code = current_tag(session, item_id=neighbour.id).code
    assert app.test_client().get(f"/I/{code}/photos/{name}/photo.jpg").status_code == 404
    assert app.test_client().get(f"/I/NOTACODE/photos/{name}/photo.jpg").status_code == 404


def test_removing_a_photo_takes_it_off_everywhere(app, login_as, session, item, tmp_path):
    client = login_as("fixer")
    upload(client, item.id, (picture("JPEG"), "x.jpg"))
    [name] = names(session, item.id)
    client.post(f"/items/{item.id}/photos/{name}/public", data={"public": "yes"})
    folder = tmp_path / "instance" / "photos"
    assert len(list(folder.rglob("*.jpg"))) == 2
    response = client.post(f"/items/{item.id}/photos/{name}/remove", data={"back": "items"})
    assert response.status_code == 303 and f"/items/{item.id}" in response.headers["Location"]
    assert list(folder.rglob("*.jpg")) == []
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "Photo removed." in page and "This photo was removed." in page
    assert f"/photos/{name}/thumb.jpg" not in page
    assert fetch(client, f"/items/{item.id}/photos/{name}/photo.jpg").status_code == 404
    code = current_tag(session, item_id=item.id).code
    assert app.test_client().get(f"/I/{code}/photos/{name}/photo.jpg").status_code == 404
    again = client.post(f"/items/{item.id}/photos/{name}/remove", data={"back": "items"})
    assert again.status_code == 303
    assert "That photo does not exist or was removed." in client.get(
        f"/items/{item.id}").get_data(as_text=True)


def test_a_nul_in_the_caption_is_refused_like_everywhere(login_as, session, item):
    client = login_as("fixer")
    response = upload(client, item.id, (picture("JPEG"), "x.jpg"), caption="a\x00b")
    assert response.status_code == 400
    assert names(session, item.id) == []


def test_the_photo_forms_need_their_csrf_token(db_url, tmp_path, world, item):
    config = app_config(db_url, WTF_CSRF_ENABLED=True)
    config["app"] = {**config["app"], "instance_path": str(tmp_path / "csrf")}
    strict = create_app(config)
    try:
        client = strict.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        client.post("/login", data={"username": "fixer", "password": "demo-pass",
                                    "csrf_token": token})
        assert upload(client, item.id, (picture("JPEG"), "x.jpg")).status_code == 400
        page = client.get(f"/bench/{item.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert upload(client, item.id, (picture("JPEG"), "x.jpg"),
                      csrf_token=token).status_code == 303
    finally:
        strict.extensions["repaircafe.engine"].dispose()


def test_the_photo_pages_work_in_french(login_as, item):
    client = login_as("fixer")
    client.post("/language/fr", data={"next": f"/bench/{item.id}"})
    upload(client, item.id, (b"nope", "x.txt"))
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "Prendre une photo" in page and "Ajouter des photos" in page
    assert "Ce fichier n'est pas une photo" in page.replace("&#39;", "'")


def test_a_refused_files_long_name_is_shortened_in_the_message(login_as, item):
    client = login_as("fixer")
    long_name = "holiday/" + "k" * 200 + ".txt"
    upload(client, item.id, (picture("JPEG"), "good.jpg"), (b"nope", long_name))
    page = client.get(f"/bench/{item.id}").get_data(as_text=True)
    assert "k" * 57 + "...: That file is not a photo" in page
    assert "k" * 58 not in page and "holiday/" not in page
