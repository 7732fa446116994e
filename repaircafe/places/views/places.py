"""Territories, groups and sites: the admin's and coordinators' pages (no database editing)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from repaircafe.db import get_session
from repaircafe.domain import permissions
from repaircafe.domain.errors import Refused
from repaircafe.models import Site
from repaircafe.places.services import assignments, groups, sites, territories
from repaircafe.places.services.fields import FieldErrors
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("places", __name__, template_folder="../templates", url_prefix="/places")


def field_errors(exc: FieldErrors) -> dict[str, str]:
    """Each field's refusal in the reader's language (a record out of scope answers 404)."""
    return {name: refusal_text(refusal) for name, refusal in exc.errors.items()}


def _refused(template: str, errors: dict[str, str], **context: Any) -> tuple[str, int]:
    """The form again, as typed, with each refusal beside its field."""
    flash(_("Nothing was saved: correct the fields marked below."), "error")
    return render_template(template, errors=errors, form=request.form, **context), 422


@bp.get("/")
@requires("manage_sites")
def index() -> ResponseReturnValue:
    """Sites waiting for a territory first, then territories, groups and sites."""
    session, who = get_session(), actor()
    admin = permissions.can(who.role, "manage_territories")
    return render_template(
        "places/index.html", unassigned=sites.unassigned_sites(session, actor=who),
        territories=territories.all_territories(session, actor=who) if admin else [],
        groups=groups.all_groups(session, actor=who) if admin else [],
        sites=sites.sites_of(session, actor=who),
        by_territory=sites.site_counts(session, Site.territory_id),
        by_group=sites.site_counts(session, Site.group_id))


@bp.route("/territories/new", methods=["GET", "POST"])
@requires("manage_territories")
def new_territory() -> ResponseReturnValue:
    """Add a territory."""
    if request.method == "POST":
        try:
            made = territories.add_territory(
                get_session(), name=request.form.get("name", ""),
                country=request.form.get("country", ""), actor=actor())
        except FieldErrors as exc:
            return _refused("places/territory.html", field_errors(exc), territory=None)
        flash(_("Territory “%(name)s” added.", name=made.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/territory.html", territory=None, errors={}, form={})


@bp.route("/territories/<int:territory_id>", methods=["GET", "POST"])
@requires("manage_territories")
def edit_territory(territory_id: int) -> ResponseReturnValue:
    """Rename a territory or correct its country; its sites are listed below."""
    session, who = get_session(), actor()
    found = territories.get_territory(session, territory_id=territory_id, actor=who)
    context = {"territory": found, "sites": sites.sites_of(session, actor=who,
                                                             territory_id=territory_id)}
    if request.method == "POST":
        try:
            changed = territories.edit_territory(
                session, territory_id=territory_id, name=request.form.get("name", ""),
                country=request.form.get("country", ""), actor=who)
        except FieldErrors as exc:
            return _refused("places/territory.html", field_errors(exc), **context)
        flash(_("Territory “%(name)s” saved.", name=changed.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/territory.html", errors={}, form={}, **context)


@bp.route("/groups/new", methods=["GET", "POST"])
@requires("manage_groups")
def new_group() -> ResponseReturnValue:
    """Add a repair group."""
    if request.method == "POST":
        try:
            made = groups.add_group(get_session(), name=request.form.get("name", ""),
                                    actor=actor())
        except FieldErrors as exc:
            return _refused("places/group.html", field_errors(exc), group=None)
        flash(_("Group “%(name)s” added.", name=made.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/group.html", group=None, errors={}, form={})


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@requires("manage_groups")
def edit_group(group_id: int) -> ResponseReturnValue:
    """Rename a group."""
    session, who = get_session(), actor()
    found = groups.get_group(session, group_id=group_id, actor=who)
    if request.method == "POST":
        try:
            changed = groups.rename_group(session, group_id=group_id,
                                          name=request.form.get("name", ""), actor=who)
        except FieldErrors as exc:
            return _refused("places/group.html", field_errors(exc), group=found)
        flash(_("Group renamed “%(name)s”.", name=changed.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/group.html", group=found, errors={}, form={})


def _site_input() -> sites.SiteInput:
    form = request.form
    return sites.SiteInput(name=form.get("name", ""), address=form.get("address", ""),
                           postcode=form.get("postcode", ""),
                           municipality_code=form.get("municipality_code", ""))


def _site_choices() -> dict[str, Any]:
    session, who = get_session(), actor()
    admin = permissions.can(who.role, "manage_territories")
    places = territories.all_territories(session, actor=who) if admin else []
    return {"group_options": [(g.id, g.name) for g in groups.all_groups(session, actor=who)],
            "territory_options": [(t.id, t.name) for t in places]}


@bp.route("/sites/new", methods=["GET", "POST"])
@requires("manage_sites")
def new_site() -> ResponseReturnValue:
    """Add a site to a group (an admin also chooses its territory)."""
    if request.method == "POST":
        try:
            made = sites.add_site(
                get_session(), group_id=request.form.get("group_id", type=whole_number),
                territory_id=request.form.get("territory_id", type=whole_number),
                data=_site_input(), actor=actor())
        except FieldErrors as exc:
            return _refused("places/site.html", field_errors(exc), row=None, **_site_choices())
        flash(_("Site “%(name)s” added.", name=made.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/site.html", row=None, errors={}, form={}, **_site_choices())


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@requires("manage_sites")
def edit_site(site_id: int) -> ResponseReturnValue:
    """Correct a site's name, address, postcode or municipality code."""
    session, who = get_session(), actor()
    row = sites.get_site(session, site_id=site_id, actor=who)
    if request.method == "POST":
        try:
            changed = sites.edit_site(session, site_id=site_id, data=_site_input(), actor=who)
        except FieldErrors as exc:
            return _refused("places/site.html", field_errors(exc), row=row, **_site_choices())
        flash(_("Site “%(name)s” saved.", name=changed.name), "success")
        return redirect(url_for("places.index"), code=303)
    return render_template("places/site.html", row=row, errors={}, form={}, **_site_choices())


@bp.post("/sites/<int:site_id>/move")
@requires("manage_territories")
def move_site(site_id: int) -> ResponseReturnValue:
    """Move a site, with its history, to another territory."""
    session, who = get_session(), actor()
    try:
        moved = sites.move_site(session, site_id=site_id, actor=who,
                                territory_id=request.form.get("territory_id", type=whole_number))
    except FieldErrors as exc:
        row = sites.get_site(session, site_id=site_id, actor=who)
        return _refused("places/site.html", field_errors(exc), row=row, **_site_choices())
    flash(_("Site “%(name)s” moved: its history now counts in the new territory's reports.",
            name=moved.name), "success")
    return redirect(url_for("places.edit_site", site_id=site_id), code=303)


@bp.route("/assign", methods=["GET", "POST"])
@requires("manage_territories")
def assign() -> ResponseReturnValue:
    """Place sites from a list of postcodes or municipality codes: preview, then apply."""
    if request.method == "GET":
        return render_template("places/assign.html", plan=None, text="", error=None)
    session, who = get_session(), actor()
    upload = request.files.get("file")
    text = request.form.get("text", "")
    try:
        if upload and upload.filename:
            text = assignments.decode(upload.read())
        if request.form.get("apply") == "yes":
            plan = assignments.apply_assignment(session, text=text, actor=who)
            flash(ngettext("%(num)d site moved to its territory.",
                           "%(num)d sites moved to their territory.", len(plan.moves)), "success")
            return redirect(url_for("places.index"), code=303)
        plan = assignments.plan_assignment(session, text=text, actor=who)
    except Refused as exc:
        # An uploaded list comes back as text in the box, so it can be corrected there.
        return render_template("places/assign.html", plan=None, text=text,
                               error=refusal_text(exc)), 422
    return render_template("places/assign.html", plan=plan, text=text, error=None,
                           refusal=refusal_text)
