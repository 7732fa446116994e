"""The language switch in the page footer: remembers the choice in a cookie.

Staff pages switch with a form (POST); the public object pages, which phones open without an
account, session or form token, switch with plain links (GET). A language choice is the only
thing either changes, so a link that switches it does no harm when followed by mistake.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from repaircafe.extensions import LANGUAGES
from repaircafe.web.access import safe_next

bp = Blueprint("language", __name__)


@bp.route("/language/<lang>", methods=["GET", "POST"])
def choose(lang: str) -> ResponseReturnValue:
    """Switch language and return to the page the user was on."""
    if lang not in LANGUAGES:
        abort(404)
    back = request.form.get("next") if request.method == "POST" else request.args.get("next")
    response = redirect(safe_next(back, url_for("home.index")))
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
