"""The language switch in the page footer: remembers the choice in a cookie."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from repaircafe.extensions import LANGUAGES
from repaircafe.web.access import safe_next

bp = Blueprint("language", __name__)


@bp.route("/language/<lang>", methods=["POST"])
def choose(lang: str) -> ResponseReturnValue:
    """Switch language and return to the page the user was on."""
    if lang not in LANGUAGES:
        abort(404)
    response = redirect(safe_next(request.form.get("next"), url_for("home.index")))
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
