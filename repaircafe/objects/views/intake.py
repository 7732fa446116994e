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
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _

from repaircafe.board.services import board as board_service
from repaircafe.board.views.board import CHOSEN_SESSION, current_session_id
from repaircafe.db import get_session
from repaircafe.domain import codes
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import intake as intake_service
from repaircafe.objects.services import items as item_service
from repaircafe.objects.services import suggestions
from repaircafe.objects.views.form_errors import field_for
from repaircafe.offline.views.sent import sent_at
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("intake", __name__, template_folder="../templates", url_prefix="/intake")
TOP_CATEGORIES = 8


def _base_url() -> str:
    return current_app.extensions["repaircafe.settings"].app.public_base_url.rstrip("/")


FIELDS = ("tag_code", "category", "brand", "model", "problem", "weight", "product_age",
          "owner_name", "owner_email", "owner_phone", "consent")
# The last category chosen in each café session, offered first on the next intake.
_LAST_CATEGORY = "intake_last_category"


def _remembered_category(repair_session_id: int) -> str | None:
    remembered = session.get(_LAST_CATEGORY) or {}
    return remembered.get(str(repair_session_id)) if isinstance(remembered, dict) else None


def _remember_category(repair_session_id: int, slug: str | None) -> None:
    if slug:
        session[_LAST_CATEGORY] = {str(repair_session_id): slug}


def _form(values: dict[str, str], repair_session_id: int, error: str | None = None,
          status: int = 200, error_field: str | None = None,
          weight_warning: str | None = None) -> ResponseReturnValue:
    who = actor()
    db = get_session()
    categories = suggestions.categories_by_use(db, group_id=who.group_id)
    last = _remembered_category(repair_session_id)
    top = categories[:TOP_CATEGORIES]
    if last and last not in [slug for slug, _name, _n in top]:
        found = [c for c in categories if c[0] == last]
        top = found + top[:TOP_CATEGORIES - 1]
    elif last:
        top = sorted(top, key=lambda c: c[0] != last)
    shown = {slug for slug, _name, _n in top}
    return render_template(
        "intake/form.html", values=values, error=error, error_field=error_field,
        weight_warning=weight_warning, repair_session_id=repair_session_id, top=top,
        rest=sorted((c for c in categories if c[0] not in shown), key=lambda c: _(c[1]).lower()),
        last_category=last, brands=suggestions.brands(db, group_id=who.group_id),
        key=values.get("key") or uuid.uuid4().hex,
    ), status


def _choose_session(today: list[tuple[int, str]]) -> ResponseReturnValue:
    return render_template("intake/choose.html", today=today,
                           code=request.args.get("code", "")), 200


@bp.route("/")
@requires("register_items")
def new() -> ResponseReturnValue:
    """The intake form; ?code= pre-fills a blank label scanned on the scan page.

    With several sessions open today and none chosen on this tablet, the volunteer picks one
    here and lands straight on the form; the choice is kept for the next objects.
    """
    today = board_service.todays_sessions(get_session(), actor=actor(),
                                          day=utc_now().date())
    asked = request.args.get("session", type=whole_number)
    if asked is not None and asked in [sid for sid, _name in today]:
        session[CHOSEN_SESSION] = asked
    repair_session_id = asked or current_session_id()
    if repair_session_id is None:
        if len(today) > 1:
            return _choose_session(today)
        flash(_("Open today's café session first."), "info")
        return redirect(url_for("board.choose", change=1))
    code = request.args.get("code", "")
    return _form({"tag_code": codes.display(codes.normalise(codes.extract(code))) if code else ""},
                 repair_session_id)


def _weight_warning(form: dict[str, str]) -> str | None:
    """A weight far from the category's usual one, not yet confirmed by a second Save."""
    doubt = intake_service.weight_doubt(form.get("category") or None, form.get("weight"))
    if doubt is None or form.get("weight_confirmed", "") == form.get("weight", "").strip():
        return None
    kg = format_decimal(doubt.weight_kg)
    if doubt.typical_kg is None:
        return _("%(kg)s kg is very heavy for an object brought to the café. "
                 "Check the weight, or tap Save again to keep it.", kg=kg)
    typical = format_decimal(round(doubt.typical_kg, 1))
    if doubt.kind == "too_heavy":
        return _("%(kg)s kg is far more than usual for this category (about %(typical)s kg). "
                 "Check the weight, or tap Save again to keep it.", kg=kg, typical=typical)
    return _("%(kg)s kg is far less than usual for this category (about %(typical)s kg). "
             "Check the weight, or tap Save again to keep it.", kg=kg, typical=typical)


@bp.route("/", methods=["POST"])
@requires("register_items")
def create() -> ResponseReturnValue:
    """Save the object; a refused form comes back with what was typed, the reason beside the
    field it concerns. A doubtful weight asks for a second Save instead of being refused."""
    form = request.form
    repair_session_id = form.get("repair_session_id", 0, type=whole_number)
    warning = _weight_warning(form.to_dict())
    if warning:
        values = form.to_dict()
        values["weight_confirmed"] = form.get("weight", "").strip()
        return _form(values, repair_session_id, status=200, weight_warning=warning)
    try:
        item = intake_service.register_item(
            get_session(), repair_session_id=repair_session_id,
            category=form.get("category") or None, brand=form.get("brand", ""),
            model=form.get("model", ""), problem=form.get("problem", ""),
            weight=form.get("weight", ""), tag_code=form.get("tag_code", "").strip() or None,
            owner=intake_service.OwnerContact(
                name=form.get("owner_name", ""), email=form.get("owner_email", ""),
                phone=form.get("owner_phone", ""), consent=form.get("consent") == "yes",
                follow_ups=form.get("follow_ups") == "yes"),
            is_donor=form.get("is_donor") == "yes", product_age=form.get("product_age", ""),
            require_description=True,
            actor=actor(), now=utc_now(), key=form.get("key") or uuid.uuid4().hex,
            occurred_at=sent_at(),
        )
    except Refused as exc:
        get_session().rollback()
        return _form(form.to_dict(), repair_session_id, refusal_text(exc), 422,
                     error_field=field_for(exc, FIELDS))
    _remember_category(repair_session_id, form.get("category") or None)
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
