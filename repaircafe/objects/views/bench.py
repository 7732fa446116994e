"""The fixer's bench: an object's whole history first, then big actions, each recorded once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from repaircafe.board.views.board import current_session_id
from repaircafe.db import get_session
from repaircafe.domain import lifecycle, permissions
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import items as item_service
from repaircafe.objects.services import repairs
from repaircafe.offline.views.sent import sent_at_for
from repaircafe.web.access import actor, refusal_text, requires

bp = Blueprint("bench", __name__, template_folder="../templates", url_prefix="/bench")
HANDOVER_LABELS = {
    "owner": _l("back to its owner"), "new_owner": _l("to a new owner"), "sold": _l("sold"),
    "donated": _l("donated"), "lent": _l("lent"),
}
FORMS = ("diagnosis", "attempt", "handover", "note", "label", "checkin", "correct")


@bp.route("/<int:item_id>")
@requires("view_items")
def show(item_id: int) -> ResponseReturnValue:
    """History first, then the actions."""
    who = actor()
    if not permissions.can(who.role, "record_repairs"):
        return redirect(url_for("items.show", item_id=item_id))
    detail = item_service.item_detail(get_session(), item_id=item_id, actor=who)
    return render_template(
        "bench/show.html", d=detail, keys={name: uuid.uuid4().hex for name in FORMS},
        outcomes=lifecycle.OUTCOME_LABELS, barriers=lifecycle.BARRIERS,
        handovers=lifecycle.HANDOVER_KINDS, handover_labels=HANDOVER_LABELS,
        today_session=current_session_id(),
    )


def _act(page: int, action: Callable[..., Any], done: str, anchor: str, /,
         **fields: Any) -> ResponseReturnValue:
    """Run one service call; a refusal is shown with its reason and nothing was written."""
    try:
        action(get_session(), actor=actor(), now=utc_now(),
               key=request.form.get("key") or uuid.uuid4().hex, **fields, **sent_at_for(action))
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("bench.show", item_id=page, _anchor=anchor), code=303)
    flash(done, "success")
    return redirect(url_for("bench.show", item_id=page, _anchor="history"), code=303)


@bp.route("/<int:item_id>/diagnosis", methods=["POST"])
@requires("record_repairs")
def diagnosis(item_id: int) -> ResponseReturnValue:
    """Record what the fixer found."""
    return _act(item_id, repairs.record_diagnosis, _("Diagnosis saved."), "diagnosis",
                item_id=item_id, diagnosis=request.form.get("diagnosis", ""))


@bp.route("/<int:item_id>/attempt", methods=["POST"])
@requires("record_repairs")
def attempt(item_id: int) -> ResponseReturnValue:
    """Record a repair attempt and its outcome."""
    form = request.form
    return _act(item_id, repairs.record_repair_attempt, _("Repair attempt saved."), "attempt",
                item_id=item_id, outcome=form.get("outcome", ""),
                barrier=form.get("barrier") if form.get("outcome") == "end_of_life" else None,
                minutes=form.get("minutes", ""), public_note=form.get("public_note", ""),
                internal_note=form.get("internal_note", ""))


@bp.route("/<int:item_id>/handover", methods=["POST"])
@requires("record_repairs")
def handover(item_id: int) -> ResponseReturnValue:
    """The object leaves the café."""
    return _act(item_id, repairs.hand_over, _("Hand-over recorded."), "handover",
                item_id=item_id, to=request.form.get("to", "owner"),
                return_due_on=request.form.get("return_due_on") or None,
                public_note=request.form.get("public_note", ""))


@bp.route("/<int:item_id>/note", methods=["POST"])
@requires("record_repairs")
def note(item_id: int) -> ResponseReturnValue:
    """A remark for the history."""
    return _act(item_id, repairs.add_note, _("Note saved."), "note", item_id=item_id,
                public_note=request.form.get("public_note", ""),
                internal_note=request.form.get("internal_note", ""))


@bp.route("/<int:item_id>/label", methods=["POST"])
@requires("record_repairs")
def label(item_id: int) -> ResponseReturnValue:
    """Replace a damaged label: the old one is retired, the new one linked."""
    return _act(item_id, repairs.replace_tag, _("New label linked; the old one is retired."),
                "label", item_id=item_id, new_code=request.form.get("new_code", "").strip() or None)


@bp.route("/<int:item_id>/checkin", methods=["POST"])
@requires("record_repairs")
def checkin(item_id: int) -> ResponseReturnValue:
    """An object seen before comes back today."""
    return _act(item_id, repairs.check_in, _("Checked in for today."), "checkin",
                item_id=item_id, repair_session_id=current_session_id(),
                problem=request.form.get("problem", ""))


@bp.route("/<int:item_id>/correct/<int:event_id>", methods=["POST"])
@requires("record_repairs")
def correct(item_id: int, event_id: int) -> ResponseReturnValue:
    """Fix a mistake with a correction event; the original entry stays in the history."""
    form = request.form
    replace: dict[str, Any] = {}
    if form.get("outcome"):
        replace["outcome"] = form["outcome"]
        replace["barrier"] = (form.get("barrier") or None
                              if form["outcome"] == "end_of_life" else None)
    return _act(item_id, repairs.correct_event, _("Correction recorded."), f"event-{event_id}",
                event_id=event_id, replace=replace or None, void=form.get("void") == "yes",
                reason=form.get("reason", ""))
