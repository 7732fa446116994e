"""Parts at the bench: harvest from a donor, install into the object on the bench, take out;
refurbished objects' tests, hand-over and loans coming back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.domain import lifecycle
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import items as item_service
from repaircafe.objects.services import refurbish
from repaircafe.parts.services import mass_balance, parts, stock
from repaircafe.recycling.services import recycling
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("parts", __name__, template_folder="../templates", url_prefix="/parts")
HARVEST_ROWS = 3


def came_back_to(item_id: int, anchor: str | None = None) -> str:
    """Where a fixer returns after a parts or recycling form: the bench they came from, else
    the object's page."""
    if request.values.get("back") == "bench":
        return url_for("bench.show", item_id=item_id, _anchor="history")
    return url_for("items.show", item_id=item_id, _anchor=anchor)


def run(action: Callable[..., Any], done: str, back: str, **fields: Any) -> ResponseReturnValue:
    """Call one service; a refusal is flashed with its reason (nothing was written)."""
    try:
        action(get_session(), actor=actor(), now=utc_now(),
               key=request.form.get("key") or uuid.uuid4().hex, **fields)
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(back, code=303)
    flash(done, "success")
    return redirect(back, code=303)


@bp.app_template_global()
def item_circularity(item_id: int) -> dict[str, Any]:
    """Lineage, mass fates and recycling of an object, for the object pages' parts card."""
    session = get_session()
    given, received = parts.lineage(session, item_id=item_id)
    recycled = recycling.record_for(session, item_id=item_id)
    return {"given": given, "received": received, "recycled": recycled,
            "fates": mass_balance.fates(session, item_id=item_id),
            "material_label": recycling.material_label}


@bp.route("/harvest/<int:item_id>", methods=["GET", "POST"])
@requires("manage_parts")
def harvest(item_id: int) -> ResponseReturnValue:
    """Take parts out of a donor: each gets a label and a bin."""
    session, who = get_session(), actor()
    detail = item_service.item_detail(session, item_id=item_id, actor=who)
    if request.method == "POST":
        form = request.form
        wanted = [
            parts.HarvestedPart(
                name=form.get(f"name_{i}", ""), part_type=form.get(f"type_{i}", ""),
                fits_category=form.get(f"fits_{i}") or None,
                condition=form.get(f"condition_{i}", "untested"),
                weight=form.get(f"weight_{i}", ""), tag_code=form.get(f"tag_{i}") or None,
                bin_code=form.get(f"bin_code_{i}") or None,
                bin_id=form.get(f"bin_{i}", type=whole_number),
            )
            for i in range(HARVEST_ROWS) if form.get(f"name_{i}", "").strip()
        ]
        try:
            taken = parts.harvest_parts(session, item_id=item_id, parts=wanted, actor=who,
                                        now=utc_now(), key=form.get("key") or uuid.uuid4().hex)
        except Refused as exc:
            flash(refusal_text(exc), "error")
        else:
            flash(_("%(n)d parts taken and put in stock.", n=len(taken)), "success")
            return redirect(came_back_to(item_id, "parts"), code=303)
    return render_template(
        "parts/harvest.html", d=detail, rows=range(HARVEST_ROWS), key=uuid.uuid4().hex,
        bins=stock.bins(session, actor=who), categories=item_service.categories(session),
        types=stock.part_types(session, actor=who), form=request.form,
        left=parts.remaining_kg(session, detail.item),
    )


@bp.route("/install/<int:item_id>", methods=["GET", "POST"])
@requires("manage_parts")
def install(item_id: int) -> ResponseReturnValue:
    """Scan a part from stock to fit it into the object on the bench."""
    session, who = get_session(), actor()
    if request.method == "POST":
        part_id = request.form.get("part_id", type=whole_number)
        code = request.form.get("part_code", "").strip()
        if not code and part_id is None:
            flash(_("Scan the part's label first."), "error")
            return redirect(url_for("parts.install", item_id=item_id,
                                    back=request.values.get("back") or None), code=303)
        return run(parts.install_part, _("Part installed."), came_back_to(item_id, "parts"),
                   item_id=item_id, part_code=code or None, part_id=part_id)
    detail = item_service.item_detail(session, item_id=item_id, actor=who)
    query = request.args.get("q", "")
    slug = detail.category.slug if detail.category and not query else None
    return render_template(
        "parts/install.html", d=detail, key=uuid.uuid4().hex, query=query,
        matches=stock.search_parts(session, actor=who, query=query, category=slug, limit=30),
    )


@bp.route("/<int:part_id>")
@requires("view_items")
def show(part_id: int) -> ResponseReturnValue:
    """One part: donor, where it is now, its history and what can be done with it."""
    session, who = get_session(), actor()
    return render_template(
        "parts/show.html", p=parts.part_detail(session, part_id=part_id, actor=who),
        bins=stock.bins(session, actor=who), keys={k: uuid.uuid4().hex for k in
                                                     ("move", "write_off", "remove")},
    )


@bp.route("/code/<code>")
@requires("view_items")
def by_code(code: str) -> ResponseReturnValue:
    part = parts.part_by_label(get_session(), code=code, actor=actor())
    return redirect(url_for("parts.show", part_id=part.id))


@bp.route("/bins/<int:bin_id>")
@requires("view_items")
def bin(bin_id: int) -> ResponseReturnValue:
    """A scanned bin label opens the bin's contents."""
    return redirect(url_for("stock.bin_page", bin_id=bin_id))


@bp.route("/<int:part_id>/remove", methods=["POST"])
@requires("manage_parts")
def remove(part_id: int) -> ResponseReturnValue:
    """Take a part out of its object and back onto a shelf."""
    form = request.form
    return run(parts.remove_to_stock, _("Part taken out and put back in stock."),
               url_for("parts.show", part_id=part_id), part_id=part_id,
               bin_id=form.get("bin_id", type=whole_number), bin_code=form.get("bin_code") or None,
               reason=form.get("reason", ""))


@bp.route("/refurbish/<int:item_id>", methods=["GET", "POST"])
@requires("record_repairs")
def refurbished(item_id: int) -> ResponseReturnValue:
    """Record the tests a refurbished object passed."""
    session, who = get_session(), actor()
    if request.method == "POST":
        form = request.form
        try:
            tests = [refurbish.TestResult(
                name=name, passed=form.get(f"{name}_result") == "pass",
                tested_on=refurbish.parse_day(form.get(f"{name}_on"), refurbish.TESTS[name])
                or date.min, value=form.get(f"{name}_value", ""))
                for name in refurbish.TESTS if form.get(f"{name}_result")]
            if any(t.tested_on == date.min for t in tests):
                raise Refused(_("Give the date of each test."))
        except Refused as exc:
            flash(refusal_text(exc), "error")
            return redirect(url_for("parts.refurbished", item_id=item_id), code=303)
        return run(refurbish.refurbish, _("Refurbishment recorded."),
                   url_for("items.show", item_id=item_id), item_id=item_id, tests=tests,
                   public_note=form.get("public_note", ""))
    return render_template("parts/refurbish.html",
                           d=item_service.item_detail(session, item_id=item_id, actor=who),
                           tests=refurbish.TESTS, key=uuid.uuid4().hex, today=utc_now().date())


@bp.route("/handover/<int:item_id>", methods=["GET", "POST"])
@requires("record_repairs")
def handover(item_id: int) -> ResponseReturnValue:
    """A refurbished object goes to a new owner: sold, donated or lent."""
    if request.method == "POST":
        form = request.form
        return run(refurbish.hand_over, _("Handed over."), url_for("items.show", item_id=item_id),
                   item_id=item_id, to=form.get("to", ""),
                   return_due_on=form.get("return_due_on") if form.get("to") == "lent" else None,
                   public_note=form.get("public_note", ""))
    return render_template(
        "parts/handover.html",
        d=item_service.item_detail(get_session(), item_id=item_id, actor=actor()),
        kinds=refurbish.NEW_OWNER_KINDS, key=uuid.uuid4().hex, today=utc_now().date(),
    )


@bp.route("/take-back/<int:item_id>", methods=["POST"])
@requires("record_repairs")
def take_back(item_id: int) -> ResponseReturnValue:
    """A lent object is back."""
    return run(refurbish.take_back, _("Loan returned."), came_back_to(item_id), item_id=item_id)


@bp.app_template_global()
def circular_actions(state: str) -> dict[str, bool]:
    """Which parts, refurbishment and recycling buttons an object in this state offers."""
    def allowed(kind: str, payload: dict[str, Any] | None = None) -> bool:
        try:
            lifecycle.next_item_state(state, kind, payload or {})
        except Refused:
            return False
        return True

    return {"harvest": allowed("parts_harvested"), "install": allowed("part_installed"),
            "refurbish": allowed("refurbished"), "recycle": allowed("recycled"),
            "hand_over": state == "refurbished", "take_back": state == "in_use"}
