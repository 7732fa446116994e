"""Adding, publishing, removing and finding an object's photos.

Files live under <instance>/photos/<group id>/ with random names nobody can guess; the
database row says which object, and so which group, a file belongs to. Every staff request
names the object, which is loaded through the access policy first, so another group's photo
is as absent as another group's object. A photo leaves the staff pages only once a fixer or
coordinator of its group marks it public, and then only through the object's label code.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, personal_data, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import CodeError, NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import Item, LifecycleEvent, Photo, RepairGroup, Tag
from repaircafe.photos.services import images

_NAME = re.compile(r"[A-Za-z0-9_-]{20,40}")
PHOTO_SUFFIX = ".jpg"
THUMB_SUFFIX = ".thumb.jpg"
MB = 1024 * 1024


@dataclass(frozen=True)
class Storage:
    """Where photos are kept and how much each group may keep."""

    folder: Path
    quota_bytes: int
    max_upload_bytes: int


def photos_folder(instance_path: str | Path) -> Path:
    """Photos are kept with the instance's other files, never under the static folder."""
    return Path(instance_path) / "photos"


def check_can_add(session: Session, *, item_id: int, actor: Actor) -> None:
    """Refuse before reading any upload when the actor may not add photos to this object."""
    access.require(actor, "record_repairs")
    access.load(session, Item, item_id, actor, write=True)


def add_photo(session: Session, storage: Storage, *, item_id: int, data: bytes, caption: str,
              actor: Actor, now: datetime, key: str) -> LifecycleEvent:
    """Keep one photo of an object and record it in the object's history.

    The picture is decoded and re-encoded before the transaction, so a refused file writes
    nothing. The group's row is locked while its quota is checked, so two tablets uploading
    at once cannot both squeeze past it. A retried request returns the first event.
    """
    access.require(actor, "record_repairs")
    text = values.clean_text(caption, limit=300, field=N_("Caption"))
    processed = images.process(data, max_bytes=storage.max_upload_bytes)
    written: list[Path] = []

    def act() -> LifecycleEvent:
        try:
            with write_transaction(session):
                item = access.load(session, Item, item_id, actor, write=True, lock=True)
                assert item.id is not None  # a loaded row always has its key
                _lock_group(session, item.group_id)
                size = len(processed.photo) + len(processed.thumb)
                _check_quota(session, storage, group_id=item.group_id, adding=size)
                name = secrets.token_urlsafe(18)
                folder = storage.folder / str(item.group_id)
                folder.mkdir(parents=True, exist_ok=True)
                for suffix, content in ((PHOTO_SUFFIX, processed.photo),
                                        (THUMB_SUFFIX, processed.thumb)):
                    path = folder / f"{name}{suffix}"
                    written.append(path)
                    path.write_bytes(content)
                photo = Photo(item_id=item.id, group_id=item.group_id,
                              filename=f"{name}{PHOTO_SUFFIX}", content_type="image/jpeg",
                              width=processed.width, height=processed.height, size_bytes=size,
                              caption=text, uploaded_by_id=actor.id, created_at=now)
                session.add(photo)
                session.flush()
                event = ev.item_event(session, item, kind="photo_added",
                                      payload={"photo_id": photo.id, "caption": text},
                                      actor=actor, now=now, key=key)
                session.flush()
                photo.event_id = event.id
                session.add(photo)
                return event
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    return ev.once(session, key, "photo_added", act)


def _lock_group(session: Session, group_id: int) -> None:
    session.exec(select(RepairGroup.id).where(RepairGroup.id == group_id).with_for_update()).one()


def used_bytes(session: Session, *, group_id: int) -> int:
    """Space the group's kept photos take on disk (photo and thumbnail)."""
    total = session.exec(select(func.coalesce(func.sum(Photo.size_bytes), 0)).where(
        Photo.group_id == group_id, col(Photo.removed_at).is_(None))).one()
    return int(total)


def _check_quota(session: Session, storage: Storage, *, group_id: int, adding: int) -> None:
    used = used_bytes(session, group_id=group_id)
    if used + adding > storage.quota_bytes:
        raise Refused("Your group's photo space is full (%(used)s of %(quota)s MB used): remove "
                      "photos you no longer need, or ask the administrator for more space.",
                      used=f"{used / MB:.1f}", quota=f"{storage.quota_bytes / MB:.0f}")


def set_public(session: Session, *, item_id: int, name: str, public: bool,
               actor: Actor) -> Photo:
    """Show the photo on the object's public page, or take it off again."""
    access.require(actor, "record_repairs")
    with write_transaction(session):
        item = access.load(session, Item, item_id, actor, write=True, lock=True)
        photo = _kept_photo(session, item, name, lock=True)
        photo.is_public = public
        session.add(photo)
        return photo


def remove_photo(session: Session, storage: Storage, *, item_id: int, name: str, actor: Actor,
                 now: datetime) -> Photo:
    """Delete the photo's files; its row stays, marked removed, so the history says so."""
    access.require(actor, "record_repairs")
    with write_transaction(session):
        item = access.load(session, Item, item_id, actor, write=True, lock=True)
        photo = _kept_photo(session, item, name, lock=True)
        photo.removed_at = now
        photo.is_public = False
        session.add(photo)
    for path in _paths(storage.folder, photo):
        path.unlink(missing_ok=True)
    return photo


def scrub_captions(session: Session, *, item_ids: list[int], details: tuple[str, ...]) -> None:
    """Take an owner's contact details out of their objects' photo captions.

    For the owner's erasure, inside its transaction: a caption reaches the public page, and
    once the owner's details are blanked they can no longer be recognised there. The caption
    kept in each photo_added event goes the same way.
    """
    if not item_ids:
        return
    for photo in session.exec(select(Photo).where(col(Photo.item_id).in_(item_ids))).all():
        clean = personal_data.scrub(photo.caption, details)
        if clean != photo.caption:
            photo.caption = clean
            session.add(photo)
    events = session.exec(select(LifecycleEvent).where(
        col(LifecycleEvent.item_id).in_(item_ids), LifecycleEvent.kind == "photo_added")).all()
    for event in events:
        payload = dict(event.payload or {})
        clean = personal_data.scrub(str(payload.get("caption") or ""), details)
        if clean != (payload.get("caption") or ""):
            payload["caption"] = clean
            event.payload = payload
            session.add(event)


def _kept_photo(session: Session, item: Item, name: str, *, lock: bool = False) -> Photo:
    if not _NAME.fullmatch(name or ""):
        raise NotFound("That photo does not exist or was removed.")
    stmt = select(Photo).where(Photo.item_id == item.id, Photo.filename == name + PHOTO_SUFFIX,
                               col(Photo.removed_at).is_(None))
    if lock:
        stmt = stmt.with_for_update()
    photo = session.exec(stmt).one_or_none()
    if photo is None:
        raise NotFound("That photo does not exist or was removed.")
    return photo


def _paths(folder: Path, photo: Photo) -> tuple[Path, Path]:
    stem = photo.filename.removesuffix(PHOTO_SUFFIX)
    base = folder / str(photo.group_id)
    return base / f"{stem}{PHOTO_SUFFIX}", base / f"{stem}{THUMB_SUFFIX}"


def photo_file(session: Session, folder: Path, *, item_id: int, name: str, actor: Actor,
               thumb: bool = False) -> Path:
    """The file of a kept photo of an object the actor may read."""
    item = access.load(session, Item, item_id, actor)
    return _existing(folder, _kept_photo(session, item, name), thumb=thumb)


def _existing(folder: Path, photo: Photo, *, thumb: bool) -> Path:
    path = _paths(folder, photo)[1 if thumb else 0]
    if not path.is_file():
        raise NotFound("That photo does not exist or was removed.")
    return path


@dataclass(frozen=True)
class StaffPhoto:
    """A photo as the object's staff pages show it."""

    name: str
    event_id: int | None
    caption: str
    width: int
    height: int
    is_public: bool
    removed: bool


def item_photos(session: Session, *, item_id: int, actor: Actor) -> list[StaffPhoto]:
    """Every photo of an object the actor may read, removed ones included, oldest first."""
    item = access.load(session, Item, item_id, actor)
    rows = session.exec(select(Photo).where(Photo.item_id == item.id)
                        .order_by(col(Photo.id))).all()
    return [StaffPhoto(p.filename.removesuffix(PHOTO_SUFFIX), p.event_id, p.caption, p.width,
                       p.height, p.is_public, p.removed_at is not None) for p in rows]


@dataclass(frozen=True)
class PublicPhoto:
    """A photo on the object's public page: the picture and its caption, nothing else."""

    name: str
    caption: str
    width: int
    height: int


def _item_by_code(session: Session, code: str) -> Item:
    try:
        parsed = codes.parse(code)
    except CodeError:
        raise NotFound("That photo does not exist or was removed.") from None
    item = session.exec(select(Item).join(Tag, col(Tag.item_id) == Item.id)
                        .where(Tag.code == parsed)).first()
    if item is None:
        raise NotFound("That photo does not exist or was removed.")
    return item


def public_photos(session: Session, *, code: str) -> list[PublicPhoto]:
    """The photos marked public of the object a label belongs to.

    A caption is shown as a public note would be: without the owner's contact details.
    """
    try:
        item = _item_by_code(session, code)
    except NotFound:
        return []
    rows = session.exec(select(Photo).where(
        Photo.item_id == item.id, col(Photo.is_public).is_(True),
        col(Photo.removed_at).is_(None)).order_by(col(Photo.id))).all()
    return [PublicPhoto(p.filename.removesuffix(PHOTO_SUFFIX),
                        ev.public_text(session, p.caption, owner_id=item.owner_id),
                        p.width, p.height) for p in rows]


def public_photo_file(session: Session, folder: Path, *, code: str, name: str,
                      thumb: bool = False) -> Path:
    """The file of a photo marked public, found through its object's label code."""
    item = _item_by_code(session, code)
    photo = _kept_photo(session, item, name)
    if not photo.is_public:
        raise NotFound("That photo does not exist or was removed.")
    return _existing(folder, photo, thumb=thumb)
