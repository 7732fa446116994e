"""The service worker at the site root, and the state a tablet asks for before sending its queue."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from repaircafe.offline import assets

bp = Blueprint("offline", __name__, template_folder="../templates")

@bp.route("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The worker script, served from the root so that its scope is the whole site.

    `no-cache` makes the browser ask for it on every check, so a new version of the assets
    reaches the tablets the next time they are online.
    """
    files, version = assets.static_files(current_app.static_folder or "")
    static_prefix = url_for("static", filename="")
    body = render_template(
        "offline/sw.js", version=version, static_prefix=static_prefix,
        assets=[static_prefix + name for name in files],
        # Pages a volunteer needs at the door and at the bench, kept as last seen online.
        pages=[url_for("scan.index"), url_for("intake.new"), url_for("board.choose"),
               url_for("bench.show", item_id=1).rsplit("/", 1)[0] + "/"],
        logout=url_for("auth.logout"),
    )
    return body, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Service-Worker-Allowed": "/",
        "Cache-Control": "no-cache, max-age=0",
    }


@bp.route("/offline/state")
def state() -> ResponseReturnValue:
    """Who is signed in and a fresh form token, asked for right before a queue is sent.

    Writes queued offline carry the token of the page they were typed on, which may have expired
    by the time the network is back; each is sent with this one instead. CSRF protection stays
    on: the token is only readable by the signed-in tablet's own pages (same origin).
    """
    headers = {"Cache-Control": "no-store"}
    if not current_user.is_authenticated:
        return jsonify(signed_in=False), 401, headers
    return jsonify(signed_in=True, user=current_user.id, csrf_token=generate_csrf()), 200, headers
