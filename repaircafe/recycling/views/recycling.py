"""Recycling: send an object or part to a recycler by material, batches and transfer notes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.domain import values
from repaircafe.domain.errors import Refused
from repaircafe.models import MATERIALS, utc_now
from repaircafe.objects.services import items as item_service
from repaircafe.parts.services import parts as part_service
from repaircafe.parts.views.parts import came_back_to
from repaircafe.recycling.services import recycling, recycling_batches
from repaircafe.reporting.services import dashboard
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number, whole_numbers

bp = Blueprint("recycling", __name__, template_folder="../templates", url_prefix="/recycling")


@bp.route("/")
@requires("view_items")
def index() -> ResponseReturnValue:
    """Recycled objects waiting for a batch, and the batches."""
    session, who = get_session(), actor()
    return render_template(
        "recycling/index.html", waiting=recycling_batches.unbatched(session, actor=who),
        batches=recycling_batches.batches(session, actor=who),
        recyclers=recycling.recyclers(session, actor=who),
        sites=dashboard.sites_for(session, actor=who),
    )


def _form_page(template_args: dict, plan: recycling.Plan, back: str, *,
               error: str | None = None, error_field: str | None = None,
               status: int = 200) -> ResponseReturnValue:
    session, who = get_session(), actor()
    open_batches = [b for b in recycling_batches.batches(session, actor=who)
                    if b.batch.closed_at is None]
    return render_template(
        "recycling/recycle.html", plan=plan, materials=MATERIALS, key=uuid.uuid4().hex,
        recyclers=recycling.recyclers(session, actor=who), weee=recycling.WEEE_CATEGORIES,
        batches=open_batches, label=recycling.material_label, back=back, form=request.form,
        error=error, error_field=error_field, **template_args,
    ), status


def _material_problem() -> tuple[str, str] | None:
    """The first material whose mass cannot be read, with the message naming it."""
    for material in MATERIALS:
        typed = request.form.get(f"kg_{material}", "")
        try:
            values.parse_weight(typed)
        except Refused as exc:
            return (_("%(material)s: %(problem)s",
                      material=_(recycling.material_label(material)),
                      problem=refusal_text(exc)), f"kg_{material}")
    return None


def _recycle(action: Callable[..., Any], done: str, back: str, page: Callable[..., Any],
             **fields: Any) -> ResponseReturnValue:
    """Recycle, or show the form again with everything typed and the message beside the
    field it concerns (a material's mass names the material)."""
    problem = _material_problem()
    if problem is None:
        try:
            action(get_session(), actor=actor(), now=utc_now(),
                   key=request.form.get("key") or uuid.uuid4().hex, **fields)
        except Refused as exc:
            get_session().rollback()
            problem = (refusal_text(exc), "")
        else:
            flash(done, "success")
            return redirect(back, code=303)
    return page(error=problem[0], error_field=problem[1] or None, status=422)


def _fields() -> dict:
    form = request.form
    return {"recycler_id": form.get("recycler_id", type=whole_number) or 0,
            "materials": {m: form.get(f"kg_{m}") for m in MATERIALS},
            "weee_category": form.get("weee_category") or None,
            "batch_id": form.get("batch_id", type=whole_number)}


@bp.route("/item/<int:item_id>", methods=["GET", "POST"])
@requires("manage_parts")
def recycle_item(item_id: int) -> ResponseReturnValue:
    """Recycle what is left of an object."""
    session, who = get_session(), actor()
    back = came_back_to(item_id)

    def page(**shown: Any) -> ResponseReturnValue:
        detail = item_service.item_detail(session, item_id=item_id, actor=who)
        return _form_page({"d": detail, "subject": "item"},
                          recycling.plan_for_item(session, item_id=item_id, actor=who), back,
                          **shown)

    if request.method == "POST":
        return _recycle(recycling.recycle_item, _("Recycled."), back, page, item_id=item_id,
                        **_fields())
    return page()


@bp.route("/part/<int:part_id>", methods=["GET", "POST"])
@requires("manage_parts")
def recycle_part(part_id: int) -> ResponseReturnValue:
    """Recycle a part from stock, a written-off part, or one taken out of an object."""
    session, who = get_session(), actor()
    back = url_for("parts.show", part_id=part_id)

    def page(**shown: Any) -> ResponseReturnValue:
        detail = part_service.part_detail(session, part_id=part_id, actor=who)
        return _form_page({"p": detail, "subject": "part"},
                          recycling.plan_for_part(session, part_id=part_id, actor=who), back,
                          **shown)

    if request.method == "POST":
        return _recycle(recycling.recycle_part, _("Part recycled."), back, page,
                        part_id=part_id, reason=request.form.get("reason", ""), **_fields())
    return page()


@bp.route("/batches", methods=["POST"])
@requires("manage_parts")
def open_batch() -> ResponseReturnValue:
    """Start a batch for one recycler."""
    session, who = get_session(), actor()
    site_id = request.form.get("site_id", type=whole_number)
    sites = {s.id: s for s in dashboard.sites_for(session, actor=who)}
    group_id = sites[site_id].group_id if site_id in sites else who.group_id
    try:
        batch = recycling_batches.open_batch(
            session, recycler_id=request.form.get("recycler_id", type=whole_number) or 0,
            group_id=group_id, actor=who, now=utc_now())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("recycling.index"), code=303)
    return redirect(url_for("recycling.batch", batch_id=batch.id), code=303)


@bp.route("/batches/<int:batch_id>")
@requires("view_items")
def batch(batch_id: int) -> ResponseReturnValue:
    """A batch: its objects, totals by material, and what can be added."""
    session, who = get_session(), actor()
    detail = recycling_batches.batch_detail(session, batch_id=batch_id, actor=who)
    waiting = ([] if detail.batch.closed_at else
               recycling_batches.unbatched(session, actor=who,
                                           recycler_id=detail.batch.recycler_id))
    return render_template("recycling/batch.html", b=detail, waiting=waiting,
                           label=recycling.material_label)


@bp.route("/batches/<int:batch_id>/add", methods=["POST"])
@requires("manage_parts")
def add(batch_id: int) -> ResponseReturnValue:
    ids = whole_numbers(request.form.getlist("record_id"))
    try:
        n = recycling_batches.add_to_batch(get_session(), batch_id=batch_id, record_ids=ids,
                                           actor=actor())
    except Refused as exc:
        flash(refusal_text(exc), "error")
    else:
        flash(_("%(n)d added to the batch.", n=n), "success")
    return redirect(url_for("recycling.batch", batch_id=batch_id), code=303)


@bp.route("/batches/<int:batch_id>/close", methods=["POST"])
@requires("manage_parts")
def close(batch_id: int) -> ResponseReturnValue:
    """The recycler weighed it: record the weight ticket."""
    try:
        recycling_batches.close_batch(
            get_session(), batch_id=batch_id, weight_ticket=request.form.get("weight_ticket", ""),
            ticket_kg=request.form.get("ticket_kg"), actor=actor(), now=utc_now())
    except Refused as exc:
        flash(refusal_text(exc), "error")
    else:
        flash(_("Batch closed."), "success")
    return redirect(url_for("recycling.batch", batch_id=batch_id), code=303)


@bp.route("/batches/<int:batch_id>/transfer-note.pdf")
@requires("view_items")
def transfer_note(batch_id: int) -> ResponseReturnValue:
    """The transfer note PDF that goes with the batch."""
    base = current_app.extensions["repaircafe.settings"].app.public_base_url
    pdf = recycling_batches.transfer_note(get_session(), batch_id=batch_id, actor=actor(),
                                          base_url=base)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="transfer-note-RB-{batch_id:05d}.pdf"'})


@bp.route("/recyclers", methods=["GET", "POST"])
@requires("manage_sites")
def recyclers() -> ResponseReturnValue:
    """The territory's list of licensed recyclers."""
    session, who = get_session(), actor()
    territories = recycling.territories_for(session, actor=who)
    if request.method == "POST":
        form = request.form
        territory_id = form.get("territory_id", type=whole_number)
        try:
            if territory_id not in {t.id for t in territories}:
                raise Refused(_("Choose one of your territories."))
            recycling.add_recycler(session, territory_id=territory_id or 0,
                                   name=form.get("name", ""),
                                   permit_number=form.get("permit_number", ""),
                                   weee_categories=form.getlist("weee"), actor=who)
        except Refused as exc:
            flash(refusal_text(exc), "error")
        else:
            flash(_("Recycler added."), "success")
        return redirect(url_for("recycling.recyclers"), code=303)
    return render_template("recycling/recyclers.html",
                           recyclers=recycling.recyclers(session, actor=who),
                           territories=territories, weee=recycling.WEEE_CATEGORIES,
                           handled=recycling.handled)
