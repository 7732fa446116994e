"""The parts shelves: search stock from the bench, bins and what is in them, move, write off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import items as item_service
from repaircafe.parts.services import stock
from repaircafe.parts.views.parts import run
from repaircafe.reporting.services import dashboard
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("stock", __name__, template_folder="../templates", url_prefix="/stock")


@bp.route("/")
@requires("view_items")
def index() -> ResponseReturnValue:
    """Search the parts in stock ("5 mm belt philips vacuum") and list the bins."""
    session, who = get_session(), actor()
    query, category = request.args.get("q", ""), request.args.get("category") or None
    part_type = request.args.get("type") or None
    return render_template(
        "stock/index.html", query=query, category=category, part_type=part_type,
        matches=stock.search_parts(session, actor=who, query=query, category=category,
                                   part_type=part_type),
        bins=stock.bins(session, actor=who), categories=item_service.categories(session),
        types=stock.part_types(session, actor=who), sites=dashboard.sites_for(session, actor=who),
    )


@bp.route("/bins", methods=["POST"])
@requires("manage_parts")
def new_bin() -> ResponseReturnValue:
    """Add a bin with its own label."""
    session, who = get_session(), actor()
    form = request.form
    site_id = form.get("site_id", type=whole_number)
    sites = {s.id: s for s in dashboard.sites_for(session, actor=who)}
    group_id = sites[site_id].group_id if site_id in sites else who.group_id
    try:
        created = stock.create_bin(session, name=form.get("name", ""), group_id=group_id,
                                   site_id=site_id, tag_code=form.get("tag_code") or None,
                                   actor=who, now=utc_now())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("stock.index", _anchor="new-bin"), code=303)
    flash(_("Bin “%(name)s” added.", name=created.name), "success")
    return redirect(url_for("stock.bin_page", bin_id=created.id), code=303)


@bp.route("/bins/<int:bin_id>")
@requires("view_items")
def bin_page(bin_id: int) -> ResponseReturnValue:
    """A bin and the parts in it now."""
    return render_template("stock/bin.html",
                           b=stock.bin_detail(get_session(), actor=actor(), bin_id=bin_id))


@bp.route("/bins/code/<code>")
@requires("view_items")
def bin_by_code(code: str) -> ResponseReturnValue:
    found = stock.find_bin(get_session(), actor=actor(), code=code)
    return redirect(url_for("stock.bin_page", bin_id=found.id))


@bp.route("/parts/<int:part_id>/move", methods=["POST"])
@requires("manage_parts")
def move(part_id: int) -> ResponseReturnValue:
    """Put a part on another shelf."""
    form = request.form
    return run(stock.move_part, _("Part moved."), url_for("parts.show", part_id=part_id),
               part_id=part_id, bin_id=form.get("bin_id", type=whole_number),
               bin_code=form.get("bin_code") or None)


@bp.route("/parts/<int:part_id>/write-off", methods=["POST"])
@requires("manage_parts")
def write_off(part_id: int) -> ResponseReturnValue:
    """A part found broken or lost."""
    return run(stock.write_off, _("Part written off."), url_for("parts.show", part_id=part_id),
               part_id=part_id, reason=request.form.get("reason", ""))


