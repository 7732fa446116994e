"""The fixer's bench: an object's whole history first, then big actions, each recorded once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from repaircafe import get_settings
from repaircafe.board.views.board import current_session_id
from repaircafe.db import get_session
from repaircafe.domain import lifecycle, permissions
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import corrections, repairs
from repaircafe.objects.services import intake as intake_service
from repaircafe.objects.services import items as item_service
from repaircafe.objects.views.form_errors import field_for
from repaircafe.offline.views.sent import sent_at_for
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("bench", __name__, template_folder="../templates", url_prefix="/bench")
HANDOVER_LABELS = {
    "owner": _l("back to its owner"), "new_owner": _l("to a new owner"), "sold": _l("sold"),
    "donated": _l("donated"), "lent": _l("lent"),
}
FORMS = ("diagnosis", "attempt", "handover", "note", "label", "checkin", "correct")
# The fields of each form, in page order: a refusal is shown beside the one it concerns.
FORM_FIELDS = {
    "diagnosis": ("diagnosis",),
    "attempt": ("outcome", "barrier", "minutes", "spare_parts", "parts_source", "next_steps",
                "repair_info", "public_note", "internal_note"),
    "handover": ("to", "return_due_on", "public_note"),
    "note": ("public_note", "internal_note"),
    "label": ("new_code",),
    "checkin": ("problem",),
    "correct": ("outcome", "barrier", "reason"),
    "intake": ("category", "brand", "model", "problem", "weight", "product_age", "owner_name",
               "owner_email", "owner_phone", "consent", "reason"),
}
DONE = {
    "diagnosis": _l("Diagnosis saved."), "attempt": _l("Repair attempt saved."),
    "handover": _l("Hand-over recorded."), "note": _l("Note saved."),
    "label": _l("New label linked; the old one is retired."),
    "checkin": _l("Checked in for today."), "correct": _l("Correction recorded."),
    "intake": _l("Correction recorded."), "take": _l("Taken to your bench."),
}


INTAKE_FIELD_LABELS = {
    "category": _l("Category"), "brand": _l("Brand"), "model": _l("Model"),
    "problem": _l("Problem"), "weight_kg": _l("Weight"), "product_age_years": _l("Age"),
}


@bp.app_template_global()
def part_source_label(source: str) -> str:
    return str(repairs.PART_SOURCES.get(source, source))


@bp.app_template_global()
def next_step_label(step: str) -> str:
    return str(repairs.NEXT_STEPS.get(step, step))


@bp.app_template_global()
def intake_field_label(name: str) -> str:
    return str(INTAKE_FIELD_LABELS.get(name, name))


@bp.app_template_global()
def intake_value(name: str, value: Any) -> str:
    """A corrected intake value as the history shows it."""
    if value is None or value == "":
        return "—"
    if name == "category":
        names = {c.slug: c.name for c in item_service.categories(get_session())}
        return _(names[value]) if value in names else str(value)
    if name == "weight_kg":
        return f"{format_decimal(value)} kg"
    if name == "product_age_years":
        return _("%(n)s years", n=format_decimal(value))
    return str(value)


def offered_actions(state: str, current_session_id: int | None, today: int | None
                    ) -> dict[str, bool]:
    """The bench actions that fit the object's state: the others would only be refused."""
    def allowed(kind: str, payload: dict[str, Any] | None = None) -> bool:
        try:
            lifecycle.next_item_state(state or None, kind, payload or {})
        except Refused:
            return False
        return True

    return {
        "checkin": allowed("checked_in") and current_session_id != today,
        "diagnosis": allowed("diagnosed"),
        "attempt": allowed("repair_attempted", {"outcome": "unknown"}),
        "handover": allowed("handed_over", {"to": "owner"}),
        "label": state != "", "note": True,
    }


def _page(item_id: int, *, status: int = 200, failed: str | None = None,
          error: str | None = None, error_field: str | None = None,
          saved: int | None = None, done: str | None = None) -> ResponseReturnValue:
    session, who = get_session(), actor()
    detail = item_service.item_detail(session, item_id=item_id, actor=who)
    today = current_session_id()
    state = detail.item.state
    return render_template(
        "bench/show.html", d=detail, keys={name: uuid.uuid4().hex for name in FORMS},
        outcomes=lifecycle.OUTCOME_LABELS, barriers=lifecycle.BARRIERS,
        handovers=(lifecycle.HANDOVER_KINDS if state in ("fixed", "refurbished")
                   else ("owner",)),
        handover_labels=HANDOVER_LABELS, today_session=today,
        can=offered_actions(state, detail.item.current_session_id, today),
        part_sources=repairs.PART_SOURCES, next_steps=repairs.NEXT_STEPS,
        failed=failed, values=request.form.to_dict() if failed else {}, error=error,
        error_field=error_field, saved=saved, done=done,
    ), status


@bp.route("/<int:item_id>")
@requires("view_items")
def show(item_id: int) -> ResponseReturnValue:
    """History first, then the actions; after a save, the new entry with its message."""
    who = actor()
    if not permissions.can(who.role, "record_repairs"):
        return redirect(url_for("items.show", item_id=item_id))
    done = request.args.get("done")
    return _page(item_id, saved=request.args.get("saved", type=whole_number),
                 done=str(DONE[done]) if done in DONE else None)


def _act(page: int, action: Callable[..., Any], form_name: str, /,
         **fields: Any) -> ResponseReturnValue:
    """Run one service call. A refusal comes back on the same page with everything typed, the
    panel open and the message beside its field; nothing was written."""
    refused_page = _intake_page if form_name == "intake" else _page
    try:
        action(get_session(), actor=actor(), now=utc_now(),
               key=request.form.get("key") or uuid.uuid4().hex, **fields, **sent_at_for(action))
    except Refused as exc:
        get_session().rollback()
        name = form_name.split("-")[0]
        return refused_page(page, status=422, failed=form_name, error=refusal_text(exc),
                            error_field=field_for(exc, FORM_FIELDS[name]))
    latest = item_service.latest_event_id(get_session(), item_id=page)
    back = request.form.get("back")
    if back == "item":
        flash(str(DONE[form_name.split("-")[0]]), "success")
        return redirect(url_for("items.show", item_id=page, _anchor="history"), code=303)
    return redirect(url_for("bench.show", item_id=page, saved=latest,
                            done=form_name.split("-")[0], _anchor=f"event-{latest}"), code=303)


@bp.route("/<int:item_id>/diagnosis", methods=["POST"])
@requires("record_repairs")
def diagnosis(item_id: int) -> ResponseReturnValue:
    """Record what the fixer found."""
    return _act(item_id, repairs.record_diagnosis, "diagnosis",
                item_id=item_id, diagnosis=request.form.get("diagnosis", ""))


@bp.route("/<int:item_id>/take", methods=["POST"])
@requires("record_repairs")
def take(item_id: int) -> ResponseReturnValue:
    """From the board's queue: this fixer takes the object to their bench."""
    try:
        repairs.take_to_bench(get_session(), item_id=item_id, actor=actor(), now=utc_now(),
                              key=request.form.get("key") or uuid.uuid4().hex)
    except Refused as exc:
        get_session().rollback()
        flash(refusal_text(exc), "error")
        return redirect(url_for("board.choose"), code=303)
    return redirect(url_for("bench.show", item_id=item_id, done="take",
                            saved=item_service.latest_event_id(get_session(), item_id=item_id),
                            _anchor="history"), code=303)


@bp.route("/<int:item_id>/attempt", methods=["POST"])
@requires("record_repairs")
def attempt(item_id: int) -> ResponseReturnValue:
    """Record a repair attempt and its outcome."""
    form = request.form
    outcome = form.get("outcome", "")
    return _act(item_id, repairs.record_repair_attempt, "attempt",
                item_id=item_id, outcome=outcome,
                barrier=form.get("barrier") if outcome == "end_of_life" else None,
                minutes=form.get("minutes", ""), public_note=form.get("public_note", ""),
                internal_note=form.get("internal_note", ""),
                spare_parts=form.get("spare_parts") or None,
                parts_source=(form.get("parts_source") or None
                              if form.get("spare_parts") != "no" else None),
                next_steps=form.get("next_steps") or None if outcome == "repairable" else None,
                repair_info=form.get("repair_info", ""), require_barrier=True)


@bp.route("/<int:item_id>/handover", methods=["POST"])
@requires("record_repairs")
def handover(item_id: int) -> ResponseReturnValue:
    """The object leaves the café."""
    return _act(item_id, repairs.hand_over, "handover",
                item_id=item_id, to=request.form.get("to", "owner"),
                return_due_on=request.form.get("return_due_on") or None,
                public_note=request.form.get("public_note", ""),
                follow_up_months=get_settings(current_app).follow_ups.schedule)


@bp.route("/<int:item_id>/note", methods=["POST"])
@requires("record_repairs")
def note(item_id: int) -> ResponseReturnValue:
    """A remark for the history."""
    return _act(item_id, repairs.add_note, "note", item_id=item_id,
                public_note=request.form.get("public_note", ""),
                internal_note=request.form.get("internal_note", ""))


@bp.route("/<int:item_id>/label", methods=["POST"])
@requires("record_repairs")
def label(item_id: int) -> ResponseReturnValue:
    """Replace a damaged label: the old one is retired, the new one linked."""
    return _act(item_id, repairs.replace_tag, "label", item_id=item_id,
                new_code=request.form.get("new_code", "").strip() or None)


@bp.route("/<int:item_id>/checkin", methods=["POST"])
@requires("record_repairs")
def checkin(item_id: int) -> ResponseReturnValue:
    """An object seen before comes back today."""
    return _act(item_id, repairs.check_in, "checkin",
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
    elif form.get("barrier"):
        replace["barrier"] = form["barrier"]
    return _act(item_id, repairs.correct_event, f"correct-{event_id}",
                event_id=event_id, replace=replace or None, void=form.get("void") == "yes",
                reason=form.get("reason", ""), require_barrier=True)


def _intake_page(item_id: int, *, status: int = 200, failed: str | None = None,
                 error: str | None = None, error_field: str | None = None
                 ) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "bench/intake_correction.html",
        d=item_service.item_detail(session, item_id=item_id, actor=actor()),
        categories=item_service.categories(session), key=uuid.uuid4().hex,
        back_to=request.values.get("back"), failed=failed,
        values=request.form.to_dict() if failed else {}, error=error, error_field=error_field,
    ), status


@bp.route("/<int:item_id>/intake", methods=["GET", "POST"])
@requires("record_repairs")
def correct_intake(item_id: int) -> ResponseReturnValue:
    """Correct what was typed at intake; the registered entry stays as it was recorded."""
    if request.method == "GET":
        return _intake_page(item_id)
    form = request.form
    changes = {"category": form.get("category", ""), "brand": form.get("brand", ""),
               "model": form.get("model", ""), "problem": form.get("problem", ""),
               "weight_kg": form.get("weight", ""),
               "product_age_years": form.get("product_age", "")}
    owner = None
    if form.get("owner_form") == "yes":
        owner = intake_service.OwnerContact(
            name=form.get("owner_name", ""), email=form.get("owner_email", ""),
            phone=form.get("owner_phone", ""), consent=form.get("consent") == "yes")
    return _act(item_id, corrections.correct_intake, "intake", item_id=item_id,
                changes=changes, owner=owner, reason=form.get("reason", ""))
