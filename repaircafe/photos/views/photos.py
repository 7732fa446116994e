"""Photos: upload from the bench or the object's page, serve them privately, publish, remove.

The pages that show photos are the object's history (bench and object page) and the public
passport; they include this feature's templates, which read the photos through the template
functions registered here.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.photos.services import photos
from repaircafe.web.access import actor, refusal_text, requires

bp = Blueprint("photos", __name__, template_folder="../templates")

# A browser may keep a private photo for a day; the files never change under a name.
PRIVATE_CACHE = "private, max-age=86400"
# A public photo can be taken off the public page again: caches ask again after 5 minutes.
PUBLIC_CACHE = "public, max-age=300"
# The caption typed with a refused upload, offered again in the form.
KEPT_CAPTION = "photos_caption"


def _storage() -> photos.Storage:
    settings = current_app.extensions["repaircafe.settings"].app
    return photos.Storage(
        folder=photos.photos_folder(settings.instance_path),
        quota_bytes=settings.photo_quota_mb * photos.MB,
        max_upload_bytes=settings.max_upload_mb * photos.MB,
    )


def _back(item_id: int, anchor: str) -> ResponseReturnValue:
    endpoint = "bench.show" if request.form.get("back") == "bench" else "items.show"
    return redirect(url_for(endpoint, item_id=item_id, _anchor=anchor), code=303)


@bp.post("/items/<int:item_id>/photos")
@requires("record_repairs")
def upload(item_id: int) -> ResponseReturnValue:
    """Keep the photos taken or chosen; each one that is refused says why."""
    try:
        photos.check_can_add(get_session(), item_id=item_id, actor=actor())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return _back(item_id, "photos")
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    caption = request.form.get("caption", "")
    key = request.form.get("key") or uuid.uuid4().hex
    if not files:
        flash(_("Take or choose a photo first."), "error")
        session[KEPT_CAPTION] = caption
        return _back(item_id, "photos")
    added = 0
    refusals = []
    for index, file in enumerate(files):
        try:
            photos.add_photo(get_session(), _storage(), item_id=item_id, data=file.read(),
                             caption=caption, actor=actor(), now=utc_now(),
                             key=f"{key}-{index}")
        except Refused as exc:
            text = refusal_text(exc)
            refusals.append(f"{_shown_name(file.filename)}: {text}" if len(files) > 1 else text)
        else:
            added += 1
    if added:
        flash(ngettext("Photo added.", "%(num)d photos added.", added), "success")
    for text in refusals:
        flash(text, "error")
    if refusals and not added:
        session[KEPT_CAPTION] = caption
    return _back(item_id, "history" if added else "photos")


def _shown_name(filename: str | None) -> str:
    """The uploaded file's name as a refusal names it: short, since it travels in the cookie."""
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name if len(name) <= 60 else name[:57] + "..."


@bp.post("/items/<int:item_id>/photos/<name>/public")
@requires("record_repairs")
def publish(item_id: int, name: str) -> ResponseReturnValue:
    """Show the photo on the public page of the object, or take it off."""
    public = request.form.get("public") == "yes"
    try:
        photos.set_public(get_session(), item_id=item_id, name=name, public=public,
                          actor=actor())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return _back(item_id, "history")
    flash(_("The photo is now shown on the public page.") if public
          else _("The photo is no longer shown on the public page."), "success")
    return _back(item_id, f"photo-{name}")


@bp.post("/items/<int:item_id>/photos/<name>/remove")
@requires("record_repairs")
def remove(item_id: int, name: str) -> ResponseReturnValue:
    """Delete the photo; the history keeps a line saying it was removed."""
    try:
        photos.remove_photo(get_session(), _storage(), item_id=item_id, name=name,
                            actor=actor(), now=utc_now())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return _back(item_id, "history")
    flash(_("Photo removed."), "success")
    return _back(item_id, "history")


def _send(path: Path, cache: str) -> ResponseReturnValue:
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True,
                         max_age=None)
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/items/<int:item_id>/photos/<name>/photo.jpg")
@requires("view_items")
def image(item_id: int, name: str) -> ResponseReturnValue:
    """The photo, for staff who may read the object."""
    return _send(photos.photo_file(get_session(), _storage().folder, item_id=item_id,
                                   name=name, actor=actor()), PRIVATE_CACHE)


@bp.get("/items/<int:item_id>/photos/<name>/thumb.jpg")
@requires("view_items")
def thumb(item_id: int, name: str) -> ResponseReturnValue:
    """The thumbnail the history shows."""
    return _send(photos.photo_file(get_session(), _storage().folder, item_id=item_id,
                                   name=name, actor=actor(), thumb=True), PRIVATE_CACHE)


@bp.get("/I/<code>/photos/<name>/photo.jpg")
def public_image(code: str, name: str) -> ResponseReturnValue:
    """A photo marked public, for anyone holding the object's label."""
    return _send(photos.public_photo_file(get_session(), _storage().folder, code=code,
                                          name=name), PUBLIC_CACHE)


@bp.get("/I/<code>/photos/<name>/thumb.jpg")
def public_thumb(code: str, name: str) -> ResponseReturnValue:
    """The thumbnail of a photo marked public."""
    return _send(photos.public_photo_file(get_session(), _storage().folder, code=code,
                                          name=name, thumb=True), PUBLIC_CACHE)


@bp.app_template_global()
def object_photos(item_id: int) -> dict[str, Any]:
    """An object's photos for its history: by event, with a fresh request key for the form.

    Read once per page, however many history entries ask.
    """
    cache: dict[int, dict[str, Any]] = g.setdefault("object_photos", {})
    if item_id not in cache:
        found = photos.item_photos(get_session(), item_id=item_id, actor=actor())
        cache[item_id] = {
            "by_event": {p.event_id: p for p in found if p.event_id is not None},
            "key": uuid.uuid4().hex,
            "caption": session.pop(KEPT_CAPTION, ""),
        }
    return cache[item_id]


@bp.app_template_global()
def passport_photos(code: str) -> list[photos.PublicPhoto]:
    """The photos of an object marked public, for its passport."""
    return photos.public_photos(get_session(), code=code)
