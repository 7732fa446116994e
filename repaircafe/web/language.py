"""The language switch in the page footer: remembers the choice in a cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from repaircafe.extensions import LANGUAGES

bp = Blueprint("language", __name__)


@bp.route("/language/<lang>", methods=["POST"])
def choose(lang: str) -> ResponseReturnValue:
    """Switch language and return to the page the user was on."""
    if lang not in LANGUAGES:
        abort(404)
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("home.index")
    response = redirect(target)
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
