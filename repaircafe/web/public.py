"""Pages without an account: the object passport a phone camera opens from the label."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from repaircafe.db import get_engine, get_session
from repaircafe.domain.errors import NotFound
from repaircafe.services import part_passport
from repaircafe.services import passport as passport_service
from repaircafe.web.rate_limits import rate_limited

bp = Blueprint("public", __name__)



@bp.route("/I/<code>")
@bp.route("/i/<code>")
@rate_limited("public_rate_limit")
def passport(code: str) -> ResponseReturnValue:
    """The object's history, as its owner sees it (or a part's journey, or a bin)."""
    try:
        found = passport_service.passport(get_engine(), text=code)
    except NotFound:
        return _part_or_bin(code)
    return render_template("public/passport.html", p=found)


def _part_or_bin(code: str) -> ResponseReturnValue:
    """Part and bin labels share the objects' code space, so they land on the same address."""
    page = part_passport.label_page(get_session(), text=code)
    if isinstance(page, part_passport.PartPassport):
        return render_template("public/part.html", p=page)
    return render_template("public/bin.html", b=page)


@bp.route("/about/data")
def data_licence() -> ResponseReturnValue:
    """Where the demo's repair records come from, and their licence."""
    return render_template("public/data.html")
