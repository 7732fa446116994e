"""Pages where an answer to "still working?" is given: the owner's link, the label, the bench."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.followups.services import followups
from repaircafe.models import utc_now
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.rate_limits import rate_limited

bp = Blueprint("followups", __name__, template_folder="../templates")


def _follow_up(token: str) -> int:
    try:
        return followups.follow_up_id(current_app.config["SECRET_KEY"], token)
    except NotFound:
        abort(404)


def _works() -> bool | None:
    return {"works": True, "broke": False}.get(request.form.get("answer", ""))


@bp.route("/still-working/<token>", methods=["GET", "POST"])
@rate_limited("public_rate_limit")
def owner_link(token: str) -> ResponseReturnValue:
    """The page a follow-up mail links to: two big answers, a comment, and a way to stop."""
    session = get_session()
    follow_up = _follow_up(token)
    if request.method == "POST":
        works = _works()
        if works is None:
            flash(_("Tap “Still works” or “Broke again”."), "error")
        else:
            try:
                followups.answer_by_link(session, follow_up, works=works,
                                         comment=request.form.get("comment", ""), now=utc_now(),
                                         key=request.form.get("key") or uuid.uuid4().hex)
            except Refused as exc:
                flash(refusal_text(exc), "error")
            else:
                return redirect(url_for("followups.owner_link", token=token), code=303)
    try:
        asked = followups.question(session, follow_up)
    except NotFound:
        abort(404)
    return render_template("followups/owner_link.html", q=asked, what=asked.what(_), token=token,
                           key=uuid.uuid4().hex, comment=request.form.get("comment", ""))


@bp.route("/still-working/<token>/stop", methods=["POST"])
@rate_limited("public_rate_limit")
def stop(token: str) -> ResponseReturnValue:
    """No more questions to this owner, about any object."""
    followups.stop_by_link(get_session(), _follow_up(token), now=utc_now())
    flash(_("You will not be asked again. Thank you for your answers so far."), "success")
    return redirect(url_for("followups.owner_link", token=token), code=303)


@bp.route("/I/<code>/still-working", methods=["GET", "POST"])
@rate_limited("public_rate_limit")
def on_label(code: str) -> ResponseReturnValue:
    """Whoever scans the label at home can say whether the repair held."""
    session = get_session()
    try:
        asked = followups.object_on_label(session, code)
    except NotFound:
        abort(404)
    answered = False
    if request.method == "POST":
        works = _works()
        if works is None:
            flash(_("Tap “Still works” or “Broke again”."), "error")
        else:
            try:
                followups.answer_on_label_page(session, asked.item_id, works=works,
                                               now=utc_now(),
                                               key=request.form.get("key") or uuid.uuid4().hex)
            except Refused as exc:
                flash(refusal_text(exc), "error")
            else:
                answered = True
    return render_template("followups/on_label.html", q=asked, what=asked.what(_), code=code,
                           answered=answered,
                           key=uuid.uuid4().hex)


@bp.route("/followups/items/<int:item_id>", methods=["POST"])
@requires("record_repairs")
def at_the_cafe(item_id: int) -> ResponseReturnValue:
    """A volunteer notes what the owner said when they came back to the café."""
    try:
        followups.answer_at_the_cafe(get_session(), item_id, works=_works(),
                                     comment=request.form.get("comment", ""), actor=actor(),
                                     now=utc_now(), key=request.form.get("key") or uuid.uuid4().hex)
    except Refused as exc:
        flash(refusal_text(exc), "error")
    else:
        flash(_("Answer recorded."), "success")
    return redirect(url_for("bench.show", item_id=item_id, _anchor="history"), code=303)
