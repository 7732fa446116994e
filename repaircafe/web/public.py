"""Pages without an account: the object passport a phone camera opens from the label."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from repaircafe.db import get_session
from repaircafe.extensions import limiter
from repaircafe.services import passport as passport_service

bp = Blueprint("public", __name__)


def _public_limit() -> str:
    return current_app.extensions["repaircafe.settings"].security.public_rate_limit


@bp.route("/I/<code>")
@bp.route("/i/<code>")
@limiter.limit(_public_limit)
def passport(code: str) -> ResponseReturnValue:
    """The object's history, as its owner sees it."""
    return render_template("public/passport.html",
                           p=passport_service.passport(get_session(), text=code))


@bp.route("/about/data")
def data_licence() -> ResponseReturnValue:
    """Where the demo's repair records come from, and their licence."""
    return render_template("public/data.html")
