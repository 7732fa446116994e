"""Photos as evidence: only real pictures are kept, re-encoded without metadata, within the
group's space, recorded in the history, private unless published, and removable."""

from __future__ import annotations

import io
import random
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.errors import NotFound, NotPermitted, OutOfScope, Refused
from repaircafe.models import Item, LifecycleEvent, Photo
from repaircafe.objects.services import items as item_service
from repaircafe.photos.services import images, photos
from repaircafe.tags.services.tags import current_tag
from tests.factories import NOW, World, make_item

MB = 1024 * 1024
GPS_LATITUDE = (51.0, 28.0, 40.0)


def jpeg_with_gps(size: tuple[int, int] = (4000, 3000), *, orientation: int = 6) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position, a maker, a rotation and a comment."""
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((20, 90, 200), (0, 0, size[0] // 2, size[1] // 3))
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"kitchen of 12 Heol y Deri")
    return out.getvalue()


def picture(fmt: str, size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (10, 120, 60, 200)).save(out, fmt)
    return out.getvalue()


def noisy_jpeg(side: int = 1600) -> bytes:
    """A picture that compresses badly, so each copy takes real space."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def storage(tmp_path: Path) -> photos.Storage:
    return photos.Storage(folder=tmp_path / "photos", quota_bytes=50 * MB,
                          max_upload_bytes=32 * MB)


@pytest.fixture
def item(session: Session, world: World) -> Item:
    return make_item(session, world, brand="Kenwood", owner=None)


def add(session: Session, storage: photos.Storage, world: World, item: Item, data: bytes, *,
        caption: str = "", role: str = "fixer", key: str | None = None) -> LifecycleEvent:
    return photos.add_photo(session, storage, item_id=item.id, data=data, caption=caption,
                            actor=world.actor(role), now=NOW, key=key or uuid.uuid4().hex)


def the_photo(session: Session, event: LifecycleEvent) -> Photo:
    session.rollback()
    return session.get(Photo, event.payload["photo_id"])


def test_a_camera_photo_is_kept_upright_resized_and_without_any_metadata(
        session, world, item, storage):
    event = add(session, storage, world, item, jpeg_with_gps(), caption="Cracked lid")
    photo = the_photo(session, event)
    path = photos.photo_file(session, storage.folder, item_id=item.id,
                             name=photo.filename.removesuffix(".jpg"), actor=world.actor())
    data = path.read_bytes()
    kept = Image.open(io.BytesIO(data))
    assert kept.format == "JPEG"
    # 4000x3000 turned a quarter by its EXIF orientation, then fitted in 1600 px
    assert kept.size == (1200, 1600) == (photo.width, photo.height)
    assert not kept.getexif()
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(kept.info)
    assert b"Exif" not in data and b"Heol y Deri" not in data and b"PhoneMaker" not in data
    thumb_path = photos.photo_file(session, storage.folder, item_id=item.id,
                                   name=photo.filename.removesuffix(".jpg"),
                                   actor=world.actor(), thumb=True)
    with Image.open(io.BytesIO(thumb_path.read_bytes())) as thumb:
        assert max(thumb.size) == images.THUMB_SIDE and not thumb.getexif()
    assert path.parent == storage.folder / str(world.group.id)
    assert len(photo.filename.removesuffix(".jpg")) >= 24


def test_the_stored_name_is_random_and_not_the_uploaded_one(session, world, item, storage):
    first = the_photo(session, add(session, storage, world, item, picture("PNG")))
    second = the_photo(session, add(session, storage, world, item, picture("PNG")))
    assert first.filename != second.filename
    assert sorted(p.name for p in (storage.folder / str(world.group.id)).iterdir()) == sorted(
        [first.filename, second.filename, first.filename.replace(".jpg", ".thumb.jpg"),
         second.filename.replace(".jpg", ".thumb.jpg")])


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_png_webp_and_jpeg_are_accepted_and_kept_as_jpeg(session, world, item, storage, fmt):
    photo = the_photo(session, add(session, storage, world, item, picture(fmt)))
    assert (photo.width, photo.height) == (800, 600)
    assert photo.content_type == "image/jpeg"


@pytest.mark.parametrize("data", [
    b"just some text pretending to be a photo",
    b"GIF89a" + bytes(64),
    b"\x89PNG\r\n\x1a\n" + bytes(40),
    b"%PDF-1.4\n1 0 obj\n",
])
def test_what_is_not_a_picture_is_refused_and_leaves_nothing(session, world, item, storage,
                                                             data):
    with pytest.raises(Refused, match="not a photo"):
        add(session, storage, world, item, data)
    assert session.exec(select(Photo)).all() == []
    assert not storage.folder.exists() or not any(storage.folder.rglob("*.jpg"))


def test_a_gif_is_refused_whatever_its_name(session, world, item, storage):
    out = io.BytesIO()
    Image.new("RGB", (40, 40)).save(out, "GIF")
    with pytest.raises(Refused, match="JPEG, PNG or WebP"):
        add(session, storage, world, item, out.getvalue())


def test_a_decompression_bomb_is_refused_before_it_is_decoded(session, world, item, storage):
    bomb = io.BytesIO()
    Image.new("1", (30000, 30000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 200_000  # tiny on the wire, 900 megapixels decoded
    with pytest.raises(Refused, match="too many pixels"):
        add(session, storage, world, item, bomb.getvalue())
    assert session.exec(select(Photo)).all() == []


def test_an_upload_over_the_size_limit_is_refused(session, world, item, tmp_path):
    small = photos.Storage(folder=tmp_path, quota_bytes=50 * MB, max_upload_bytes=100_000)
    with pytest.raises(Refused, match="larger than"):
        add(session, small, world, item, noisy_jpeg())


def test_an_empty_file_is_refused(session, world, item, storage):
    with pytest.raises(Refused, match="empty"):
        add(session, storage, world, item, b"")


def test_the_group_quota_refuses_a_photo_that_does_not_fit(session, world, item, tmp_path):
    data = noisy_jpeg()
    one = len(images.process(data, max_bytes=32 * MB).photo)
    tight = photos.Storage(folder=tmp_path, quota_bytes=int(one * 1.6), max_upload_bytes=32 * MB)
    add(session, tight, world, item, data)
    with pytest.raises(Refused, match="photo space is full") as refused:
        add(session, tight, world, item, data)
    assert "remove photos" in str(refused.value)
    assert len(session.exec(select(Photo)).all()) == 1
    assert len(list((tmp_path / str(world.group.id)).iterdir())) == 2
    # removing one frees its space
    photo = session.exec(select(Photo)).one()
    photos.remove_photo(session, tight, item_id=item.id, name=photo.filename[:-4],
                        actor=world.actor(), now=NOW)
    add(session, tight, world, item, data)


def test_the_quota_counts_each_group_on_its_own(session, world, item, tmp_path):
    data = noisy_jpeg()
    one = len(images.process(data, max_bytes=32 * MB).photo)
    tight = photos.Storage(folder=tmp_path, quota_bytes=int(one * 1.6), max_upload_bytes=32 * MB)
    add(session, tight, world, item, data)
    other = make_item(session, world, repair_session=world.other_session)
    add(session, tight, world, other, data, role="admin")
    assert photos.used_bytes(session, group_id=world.other_group.id) > 0


def test_each_photo_is_a_photo_added_event_in_the_history(session, world, item, storage):
    event = add(session, storage, world, item, picture("JPEG"), caption="Before opening")
    photo = the_photo(session, event)
    assert event.kind == "photo_added"
    assert event.payload == {"photo_id": photo.id, "caption": "Before opening"}
    assert photo.event_id == event.id and photo.group_id == world.group.id
    assert photo.uploaded_by_id == world.users["fixer"].id
    detail = item_service.item_detail(session, item_id=item.id, actor=world.actor())
    assert [e.kind for e in detail.history] == ["registered", "photo_added"]
    assert detail.item.state == "registered"  # a photo changes nothing about the repair


def test_a_retried_upload_keeps_one_photo(session, world, item, storage):
    key = uuid.uuid4().hex
    first = add(session, storage, world, item, picture("JPEG"), key=key)
    again = add(session, storage, world, item, picture("JPEG"), key=key)
    assert again.id == first.id
    assert len(session.exec(select(Photo)).all()) == 1
    assert len(list((storage.folder / str(world.group.id)).iterdir())) == 2


def test_a_caption_with_a_nul_or_too_long_is_refused(session, world, item, storage):
    with pytest.raises(Refused, match="NUL"):
        add(session, storage, world, item, picture("JPEG"), caption="a\x00b")
    with pytest.raises(Refused, match="too long"):
        add(session, storage, world, item, picture("JPEG"), caption="x" * 301)


def test_another_groups_object_cannot_get_photos(session, world, storage):
    other = make_item(session, world, repair_session=world.other_session)
    for role in ("fixer", "coordinator"):
        with pytest.raises(OutOfScope):
            add(session, storage, world, other, picture("JPEG"), role=role)
    with pytest.raises(NotPermitted):
        add(session, storage, world, other, picture("JPEG"), role="viewer")
    assert session.exec(select(Photo)).all() == []


def test_another_groups_photo_is_never_found(session, world, storage):
    other = make_item(session, world, repair_session=world.other_session)
    photo = the_photo(session, add(session, storage, world, other, picture("JPEG"),
                                   role="admin"))
    name = photo.filename[:-4]
    for role in ("fixer", "coordinator", "viewer"):
        with pytest.raises(OutOfScope):
            photos.photo_file(session, storage.folder, item_id=other.id, name=name,
                              actor=world.actor(role))
        with pytest.raises(OutOfScope):
            photos.item_photos(session, item_id=other.id, actor=world.actor(role))
        with pytest.raises((OutOfScope, NotPermitted)):
            photos.set_public(session, item_id=other.id, name=name, public=True,
                              actor=world.actor(role))
    # naming one's own object with the other group's photo finds nothing either
    mine = make_item(session, world)
    with pytest.raises(NotFound):
        photos.photo_file(session, storage.folder, item_id=mine.id, name=name,
                          actor=world.actor("fixer"))


@pytest.mark.parametrize("name", ["../../secret_key", "..", "x" * 30 + "/../a", "short", ""])
def test_a_name_that_is_not_one_of_ours_is_not_found(session, world, item, storage, name):
    with pytest.raises(NotFound):
        photos.photo_file(session, storage.folder, item_id=item.id, name=name,
                          actor=world.actor())


def test_only_photos_marked_public_reach_the_public_page(session, world, item, storage):
    private = the_photo(session, add(session, storage, world, item, picture("JPEG"),
                                     caption="inside"))
    shown = the_photo(session, add(session, storage, world, item, picture("PNG"),
                                   caption="Fixed and working"))
    code = current_tag(session, item_id=item.id).code
    assert photos.public_photos(session, code=code) == []
    photos.set_public(session, item_id=item.id, name=shown.filename[:-4], public=True,
                      actor=world.actor("coordinator"))
    assert [p.caption for p in photos.public_photos(session, code=code)] == ["Fixed and working"]
    assert photos.public_photo_file(session, storage.folder, code=code,
                                    name=shown.filename[:-4]).is_file()
    with pytest.raises(NotFound):
        photos.public_photo_file(session, storage.folder, code=code, name=private.filename[:-4])
    photos.set_public(session, item_id=item.id, name=shown.filename[:-4], public=False,
                      actor=world.actor("fixer"))
    assert photos.public_photos(session, code=code) == []


def test_a_public_caption_never_carries_the_owners_contact_details(session, world, storage):
    from repaircafe.objects.services.intake import OwnerContact
    owned = make_item(session, world, owner=OwnerContact(
        name="Gwenllian Price", email="gwen@example.org", phone="029 2087 1234", consent=True))
    photo = the_photo(session, add(session, storage, world, owned, picture("JPEG"),
                                   caption="For Gwenllian Price, gwen@example.org"))
    photos.set_public(session, item_id=owned.id, name=photo.filename[:-4], public=True,
                      actor=world.actor())
    shown = photos.public_photos(session, code=current_tag(session, item_id=owned.id).code)
    assert "Gwenllian" not in shown[0].caption and "gwen@example.org" not in shown[0].caption
    assert shown[0].caption == ev.public_text(session, photo.caption, owner_id=owned.owner_id)


def test_a_viewer_can_see_but_not_publish_or_remove(session, world, item, storage):
    photo = the_photo(session, add(session, storage, world, item, picture("JPEG")))
    name = photo.filename[:-4]
    assert photos.photo_file(session, storage.folder, item_id=item.id, name=name,
                             actor=world.actor("viewer")).is_file()
    with pytest.raises(NotPermitted):
        photos.set_public(session, item_id=item.id, name=name, public=True,
                          actor=world.actor("viewer"))
    with pytest.raises(NotPermitted):
        photos.remove_photo(session, storage, item_id=item.id, name=name,
                            actor=world.actor("viewer"), now=NOW)


def test_removing_a_photo_deletes_its_files_and_keeps_the_history(session, world, item,
                                                                   storage):
    event = add(session, storage, world, item, picture("JPEG"))
    photo = the_photo(session, event)
    name = photo.filename[:-4]
    photos.set_public(session, item_id=item.id, name=name, public=True, actor=world.actor())
    files = list((storage.folder / str(world.group.id)).iterdir())
    assert len(files) == 2
    photos.remove_photo(session, storage, item_id=item.id, name=name, actor=world.actor(),
                        now=NOW)
    assert not any(f.exists() for f in files)
    session.rollback()
    removed = session.get(Photo, photo.id)
    assert removed.removed_at is not None and not removed.is_public
    assert session.get(LifecycleEvent, event.id) is not None
    with pytest.raises(NotFound):
        photos.photo_file(session, storage.folder, item_id=item.id, name=name,
                          actor=world.actor())
    with pytest.raises(NotFound):
        photos.remove_photo(session, storage, item_id=item.id, name=name, actor=world.actor(),
                            now=NOW)
    listed = photos.item_photos(session, item_id=item.id, actor=world.actor())
    assert [(p.name, p.removed) for p in listed] == [(name, True)]
    assert photos.used_bytes(session, group_id=world.group.id) == 0


def test_an_owners_details_can_be_scrubbed_from_captions(session, world, storage):
    from repaircafe.domain import personal_data
    from repaircafe.objects.services.intake import OwnerContact
    owned = make_item(session, world, owner=OwnerContact(
        name="Gwenllian Price", email="gwen@example.org", phone="029 2087 1234", consent=True))
    event = add(session, storage, world, owned, picture("JPEG"),
                caption="Gwenllian Price's kettle, call 029 2087 1234")
    untouched = add(session, storage, world, item := make_item(session, world),
                    picture("JPEG"), caption="Gwenllian Price's other kettle")
    details = personal_data.owner_details("Gwenllian Price", "gwen@example.org",
                                          "029 2087 1234")
    with write_transaction(session):
        photos.scrub_captions(session, item_ids=[owned.id], details=details)
    session.rollback()
    photo = session.get(Photo, event.payload["photo_id"])
    assert "Gwenllian" not in photo.caption and "2087" not in photo.caption
    assert "kettle" in photo.caption
    stored = session.get(LifecycleEvent, event.id)
    session.refresh(stored)
    assert stored.payload["caption"] == photo.caption
    assert session.get(Photo, untouched.payload["photo_id"]).caption.startswith("Gwenllian")
    assert item.id != owned.id
