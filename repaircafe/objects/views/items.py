"""Objects: the searchable list and one object's page with its whole history."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from repaircafe.db import get_session
from repaircafe.domain import lifecycle
from repaircafe.objects.services import items as item_service
from repaircafe.objects.views.bench import HANDOVER_LABELS
from repaircafe.web.access import actor, requires
from repaircafe.web.forms import page_number

bp = Blueprint("items", __name__, template_folder="../templates", url_prefix="/items")
PAGE_SIZE = 50


@bp.route("/")
@requires("view_items")
def index() -> ResponseReturnValue:
    """Search by code, brand or category."""
    query = request.args.get("q", "")
    category = request.args.get("category") or None
    page = max(1, request.args.get("page", 1, type=page_number) or 1)
    rows, total = item_service.search_items(
        get_session(), actor=actor(), query=query, category=category,
        state=request.args.get("state") or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
    )
    return render_template(
        "items/index.html", rows=rows, total=total, query=query, category=category, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), categories=item_service.categories(get_session()),
    )


@bp.route("/<int:item_id>")
@requires("view_items")
def show(item_id: int) -> ResponseReturnValue:
    """One object, history first."""
    session = get_session()
    detail = item_service.item_detail(session, item_id=item_id, actor=actor())
    return render_template("items/show.html", d=detail, barriers=lifecycle.BARRIERS,
                           handover_labels=HANDOVER_LABELS, back_to="item")


@bp.route("/code/<code>")
@requires("view_items")
def by_code(code: str) -> ResponseReturnValue:
    """Open an object from its label code."""
    item = item_service.item_by_code(get_session(), code=code)
    if item.id is None:
        abort(404)
    return redirect(url_for("items.show", item_id=item.id))
