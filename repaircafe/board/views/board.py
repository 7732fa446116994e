"""The live session board: waiting / at a bench / done, refreshed on every tablet."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.board.services import board as board_service
from repaircafe.db import get_session
from repaircafe.domain import codes, permissions
from repaircafe.models import utc_now
from repaircafe.objects.services import items as item_service
from repaircafe.reporting.services import dashboard
from repaircafe.web import state_label
from repaircafe.web.access import actor, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("board", __name__, template_folder="../templates", url_prefix="/board")
_CHOSEN = "repair_session_id"
CHOSEN_SESSION = _CHOSEN  # the café session this tablet works in, also chosen from the intake


def current_session_id() -> int | None:
    """Today's café session this tablet works in: the one chosen last, else the only one."""
    today = board_service.todays_sessions(get_session(), actor=actor(), day=utc_now().date())
    ids = [sid for sid, _name in today]
    chosen = session.get(_CHOSEN)
    if chosen in ids:
        return int(chosen)
    return ids[0] if len(ids) == 1 else None


@bp.route("/")
@requires("view_items")
def choose() -> ResponseReturnValue:
    """Pick (or open) today's session for this tablet."""
    chosen = current_session_id()
    if chosen is not None and not request.args.get("change"):
        return redirect(url_for("board.show", repair_session_id=chosen))
    who, day = actor(), utc_now().date()
    return render_template(
        "board/choose.html",
        today=board_service.todays_sessions(get_session(), actor=who, day=day),
        sites=dashboard.sites_for(get_session(), actor=who, without_session_on=day)
        if who.role != "viewer" else [],
    )


@bp.route("/open", methods=["POST"])
@requires("register_items")
def open_session() -> ResponseReturnValue:
    """Open today's session at a site (or join it when another tablet already did)."""
    now = utc_now()
    opened = board_service.open_today(get_session(),
                                      site_id=request.form.get("site_id", 0, type=whole_number),
                                      actor=actor(), day=now.date(), now=now)
    session[_CHOSEN] = opened.id
    return redirect(url_for("board.show", repair_session_id=opened.id))


def _queue(board: board_service.Board) -> dict[str, list[dict[str, Any]]]:
    """The board's cards for display: the waiting ones oldest first, with how long they wait."""
    now = utc_now()
    waiting = board.columns.get("waiting", [])
    since = item_service.waiting_since(get_session(), item_ids=[c.item_id for c in waiting])
    can_take = permissions.can(actor().role, "record_repairs")
    shown: dict[str, list[dict[str, Any]]] = {}
    for name, cards in board.columns.items():
        rows = []
        for c in cards:
            row = {"id": c.item_id, "code": codes.display(c.code) if c.code else "—",
                   "category": _(c.category) if c.category else _("No category"),
                   "brand": c.brand, "model": c.model, "state": c.state,
                   "state_label": state_label(c.state),
                   "url": url_for("bench.show", item_id=c.item_id)}
            if name == "waiting":
                started = since.get(c.item_id) or c.updated_at
                minutes = max(0, int((now - started).total_seconds() // 60))
                row.update(waiting_minutes=minutes, waited=_("waiting %(n)d min", n=minutes),
                           take_url=url_for("bench.take", item_id=c.item_id) if can_take
                           else None)
            rows.append(row)
        if name == "waiting":
            rows.sort(key=lambda r: (-r["waiting_minutes"], r["id"]))
        shown[name] = rows
    return shown


@bp.route("/<int:repair_session_id>")
@requires("view_items")
def show(repair_session_id: int) -> ResponseReturnValue:
    """The board of one session; static/js/board.js keeps it current."""
    board = board_service.board(get_session(), repair_session_id=repair_session_id, actor=actor())
    session[_CHOSEN] = repair_session_id
    return render_template("board/show.html", board=board, columns=board_service.COLUMNS,
                           cards=_queue(board))


@bp.route("/<int:repair_session_id>/state.json")
@requires("view_items")
def state(repair_session_id: int) -> ResponseReturnValue:
    """The board as JSON; answers 304 while nothing has changed."""
    board = board_service.board(get_session(), repair_session_id=repair_session_id, actor=actor())
    version = f"{board.version}-{utc_now():%H%M}"  # waiting times move on every minute
    if request.if_none_match.contains(version):
        return "", 304, {"ETag": f'"{version}"', "Cache-Control": "no-cache"}
    response = jsonify(version=version, counts=board.counts, columns=_queue(board),
                       take_label=_("I'm taking this one"))
    response.set_etag(version)
    response.headers["Cache-Control"] = "no-cache"
    return response
