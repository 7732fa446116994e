"""Registering an object at the door: label, category, brand/model, problem, weight, owner."""

from __future__ import annotations

import io
import uuid

import qrcode
import qrcode.image.svg
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

from repaircafe.board.views.board import current_session_id
from repaircafe.db import get_session
from repaircafe.domain import codes
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import intake as intake_service
from repaircafe.objects.services import items as item_service
from repaircafe.objects.services import suggestions
from repaircafe.offline.views.sent import sent_at
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("intake", __name__, template_folder="../templates", url_prefix="/intake")
TOP_CATEGORIES = 8


def _base_url() -> str:
    return current_app.extensions["repaircafe.settings"].app.public_base_url.rstrip("/")


def _form(values: dict[str, str], repair_session_id: int, error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    who = actor()
    session = get_session()
    categories = suggestions.categories_by_use(session, group_id=who.group_id)
    return render_template(
        "intake/form.html", values=values, error=error, repair_session_id=repair_session_id,
        top=categories[:TOP_CATEGORIES], rest=sorted(categories[TOP_CATEGORIES:],
                                                     key=lambda c: _(c[1]).lower()),
        brands=suggestions.brands(session, group_id=who.group_id),
        key=values.get("key") or uuid.uuid4().hex,
    ), status


@bp.route("/")
@requires("register_items")
def new() -> ResponseReturnValue:
    """The intake form; ?code= pre-fills a blank label scanned on the scan page."""
    repair_session_id = request.args.get("session", type=whole_number) or current_session_id()
    if repair_session_id is None:
        flash(_("Open today's café session first."), "info")
        return redirect(url_for("board.choose", change=1))
    code = request.args.get("code", "")
    return _form({"tag_code": codes.display(codes.normalise(codes.extract(code))) if code else ""},
                 repair_session_id)


@bp.route("/", methods=["POST"])
@requires("register_items")
def create() -> ResponseReturnValue:
    """Save the object; a refused form comes back with what was typed and the reason."""
    form = request.form
    try:
        item = intake_service.register_item(
            get_session(), repair_session_id=form.get("repair_session_id", 0, type=whole_number),
            category=form.get("category") or None, brand=form.get("brand", ""),
            model=form.get("model", ""), problem=form.get("problem", ""),
            weight=form.get("weight", ""), tag_code=form.get("tag_code", "").strip() or None,
            owner=intake_service.OwnerContact(
                name=form.get("owner_name", ""), email=form.get("owner_email", ""),
                phone=form.get("owner_phone", ""), consent=form.get("consent") == "yes"),
            is_donor=form.get("is_donor") == "yes",
            actor=actor(), now=utc_now(), key=form.get("key") or uuid.uuid4().hex,
            occurred_at=sent_at(),
        )
    except Refused as exc:
        return _form(form.to_dict(), form.get("repair_session_id", 0, type=whole_number),
                     refusal_text(exc), 422)
    claimed = "1" if form.get("tag_code", "").strip() else None
    return redirect(url_for("intake.done", item_id=item.id, claimed=claimed), code=303)


@bp.route("/done/<int:item_id>")
@requires("register_items")
def done(item_id: int) -> ResponseReturnValue:
    """What to stick on the object and what to give the owner."""
    detail = item_service.item_detail(get_session(), item_id=item_id, actor=actor())
    base = _base_url()
    return render_template(
        "intake/done.html", d=detail, claimed=request.args.get("claimed") == "1",
        public_url=f"{base}/I/{detail.code}" if detail.code else None,
        owner_url=(f"{base}{url_for('owners.show', token=detail.owner.private_token)}"
                   if detail.owner and not detail.owner.erased_at else None),
    )


@bp.route("/qr.svg")
@requires("register_items")
def qr() -> ResponseReturnValue:
    """A QR code for a label or an owner link, to print on any printer."""
    data = request.args.get("data", "")[:300]
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue(), 200, {"Content-Type": "image/svg+xml",
                                    "Cache-Control": "private, max-age=3600"}


@bp.route("/models")
@requires("register_items")
def models() -> ResponseReturnValue:
    """Models recorded before for a brand, for the model field's suggestions."""
    return jsonify(suggestions.models(get_session(), group_id=actor().group_id,
                                      brand=request.args.get("brand", "")))
