"""Pages without an account: the object passport a phone camera opens from the label."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user

from repaircafe.db import get_session, reads_without_transaction
from repaircafe.domain.errors import NotFound
from repaircafe.objects.services import passport as passport_service
from repaircafe.parts.services import part_passport
from repaircafe.web.rate_limits import rate_limited

bp = Blueprint("public", __name__, template_folder="../templates")

# How long a phone or a proxy may show a passport without asking again: a minute-old history
# is as good as a fresh one to an owner, and a label scanned twice costs the server nothing.
PUBLIC_MAX_AGE = 60


@bp.route("/I/<code>")
@bp.route("/i/<code>")
@reads_without_transaction
@rate_limited("public_rate_limit")
def passport(code: str) -> ResponseReturnValue:
    """The object's history, as its owner sees it (or a part's journey, or a bin)."""
    try:
        found = passport_service.passport(get_session(), text=code)
    except NotFound:
        return _part_or_bin(code)
    return cached_for_visitors(make_response(render_template("public/passport.html", p=found)))


def cached_for_visitors(response: Response) -> Response:
    """Let browsers and proxies keep a visitor's page for a minute, then revalidate by ETag.

    The ETag is the page's own digest, so it changes with the history and with the language;
    a phone asking again with it gets a bodiless 304. Signed-in staff see links of their own
    and a page carrying a one-off message is not the same for the next visitor: those are
    left to the app's private default.
    """
    if current_user.is_authenticated or session.modified:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag()
    response.make_conditional(request)
    return response


def _part_or_bin(code: str) -> ResponseReturnValue:
    """Part and bin labels share the objects' code space, so they land on the same address."""
    page = part_passport.label_page(get_session(), text=code)
    if isinstance(page, part_passport.PartPassport):
        return cached_for_visitors(make_response(render_template("public/part.html", p=page)))
    return cached_for_visitors(make_response(render_template("public/bin.html", b=page)))


@bp.route("/about/data")
def data_licence() -> ResponseReturnValue:
    """Where the demo's repair records come from, and their licence."""
    return render_template("public/data.html")
