"""One scan page for the camera, a USB/Bluetooth scanner and typing: all end in one lookup."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session, reads_without_transaction
from repaircafe.domain import codes, permissions
from repaircafe.models import utc_now
from repaircafe.tags.services import decoding, scanning
from repaircafe.tags.services.tags import Resolution
from repaircafe.web.access import actor, requires

bp = Blueprint("scan", __name__, template_folder="../templates", url_prefix="/scan")


def _staff_page(resolution: Resolution) -> str | None:
    """Where a linked or retired tag leads: the bench for fixers, the object page otherwise."""
    role = actor().role
    if resolution.item_id:
        endpoint = "bench.show" if permissions.can(role, "record_repairs") else "items.show"
        return url_for(endpoint, item_id=resolution.item_id)
    views = current_app.view_functions
    if resolution.part_id and "parts.show" in views:
        return url_for("parts.show", part_id=resolution.part_id)
    if resolution.bin_id and "parts.bin" in views:
        return url_for("parts.bin", bin_id=resolution.bin_id)
    return None


@bp.route("/")
@reads_without_transaction
@requires("view_items")
def index() -> ResponseReturnValue:
    """The scan page; with ?code= it looks the code up and opens what it points at."""
    text = request.args.get("code", "")
    if not text.strip():
        return render_template("scan/index.html", result=None, text="")
    resolution = scanning.scan(get_session(), raw=text, actor=actor(),
                               channel=request.args.get("via", "typed"), now=utc_now())
    target = _staff_page(resolution) if resolution.result in ("item", "part", "bin",
                                                               "retired") else None
    if target is not None:
        if resolution.result == "retired":
            flash(_("Label %(code)s was replaced by a new one; this is the object it was on.",
                    code=codes.display(resolution.code or "")), "info")
        return redirect(target, code=303)
    status = 404 if resolution.result in ("unknown", "invalid", "typo") else 200
    message = resolution.problem.translated(_) if resolution.problem else ""
    return render_template("scan/index.html", result=resolution, text=text,
                           message=message), status


@bp.route("/decode", methods=["POST"])
@requires("view_items")
def decode() -> ResponseReturnValue:
    """Read a QR code from a camera frame sent by a browser without a native detector."""
    return jsonify(text=decoding.decode_frame(request.get_data(cache=False)))
