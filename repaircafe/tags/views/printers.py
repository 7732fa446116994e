"""Printer profiles per site: layout, offsets and scale, and a calibration page for each."""

from __future__ import annotations

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

from repaircafe import get_settings
from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.reporting.services import dashboard
from repaircafe.tags.services import label_rendering, layouts
from repaircafe.tags.services import printers as printer_service
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import is_whole_number, whole_number

bp = Blueprint("printers", __name__, template_folder="../templates", url_prefix="/printers")


def _dirs() -> tuple[str, ...]:
    return get_settings(current_app).labels.layout_dirs


def _form_input() -> printer_service.ProfileInput:
    site = request.form.get("site_id", "").strip()
    return printer_service.ProfileInput(
        site_id=whole_number(site) if is_whole_number(site) else None,
        name=request.form.get("name", ""),
        layout=request.form.get("layout", ""),
        offset_x_mm=request.form.get("offset_x_mm", ""),
        offset_y_mm=request.form.get("offset_y_mm", ""),
        scale=request.form.get("scale", ""),
    )


def _page(editing: int | None = None, form: dict[str, str] | None = None) -> str:
    session, who = get_session(), actor()
    return render_template(
        "printers/index.html",
        rows=printer_service.profiles_for(session, actor=who),
        sites=dashboard.sites_for(session, actor=who),
        catalogue=layouts.layout_catalogue(_dirs()),
        editing=editing,
        form=form or {},
        default_layout=get_settings(current_app).labels.default_layout,
    )


@bp.route("/")
@requires("manage_labels")
def index() -> ResponseReturnValue:
    """Every printer at the user's sites, with a form for a new one."""
    editing = request.args.get("edit", type=whole_number)
    return _page(editing=editing)


@bp.route("/", methods=["POST"])
@requires("manage_labels")
def create() -> ResponseReturnValue:
    try:
        profile = printer_service.save_profile(
            get_session(), actor=actor(), data=_form_input(), extra_dirs=_dirs()
        )
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return _page(form=request.form.to_dict()), 400
    flash(_("Printer “%(name)s” saved.", name=profile.name), "success")
    return redirect(url_for("printers.index"))


@bp.route("/<int:profile_id>", methods=["POST"])
@requires("manage_labels")
def update(profile_id: int) -> ResponseReturnValue:
    try:
        profile = printer_service.save_profile(
            get_session(), actor=actor(), data=_form_input(), profile_id=profile_id,
            extra_dirs=_dirs(),
        )
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return _page(editing=profile_id, form=request.form.to_dict()), 400
    flash(_("Printer “%(name)s” saved.", name=profile.name), "success")
    return redirect(url_for("printers.index"))


@bp.route("/<int:profile_id>/delete", methods=["POST"])
@requires("manage_labels")
def delete(profile_id: int) -> ResponseReturnValue:
    printer_service.delete_profile(get_session(), actor=actor(), profile_id=profile_id)
    flash(_("Printer removed."), "success")
    return redirect(url_for("printers.index"))


@bp.route("/<int:profile_id>/calibration.pdf")
@requires("manage_labels")
def calibration(profile_id: int) -> ResponseReturnValue:
    """The calibration page, printed with this printer's current offsets and scale."""
    how = layouts.calibration(
        get_session(), actor=actor(), layout_name=None, profile_id=profile_id, extra_dirs=_dirs()
    )
    response = Response(label_rendering.render_calibration(how), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="calibration-{how.layout.name}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
