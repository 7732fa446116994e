"""The JSON API under /api/v1: bearer tokens, role scope, problem details, OpenAPI 3.1.

Routes are declared with spectree and pydantic models, so the OpenAPI document served at
/api/v1/openapi.json is generated from the code that validates requests.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from repaircafe.accounts.services import api_tokens
from repaircafe.api.views.spec import problem
from repaircafe.db import get_session
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import KeyReused, NotFound, NotPermitted, Refused, TransitionRefused
from repaircafe.extensions import csrf
from repaircafe.models import utc_now
from repaircafe.web import rate_limits
from repaircafe.web.forms import NUL_MESSAGE

bp = Blueprint("api", __name__, template_folder="../templates", url_prefix="/api/v1")
csrf.exempt(bp)
_OPEN_ENDPOINTS = ("api.openapi", "api.docs")


@bp.before_request
def _rate_limit() -> None:
    """Count every request against its client address, before any token is looked up.

    Keyed on anything the client sends (a token, valid or invented), each new value would
    start a fresh count, and guessing tokens would cost a lookup each without ever stopping.
    """
    rate_limits.hit("api_rate_limit", "api", rate_limits.remote_address())


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and raw.strip():
        found = api_tokens.authenticate(get_session(), raw.strip(), now=utc_now())
    if found is None:
        response = problem(401, _("Not signed in"),
                           _("Send a valid API token: Authorization: Bearer <token>."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="repaircafe"'
        return response
    g.api_actor = found
    return None


@bp.before_request
def _json_body() -> ResponseReturnValue | None:
    """A body must be JSON, and no text in it may hold a NUL character.

    The operations read their body as JSON only; any other type (a form, a multipart body
    without its boundary) would reach them as no body at all.
    """
    if request.method not in ("POST", "PUT", "PATCH") or request.endpoint in _OPEN_ENDPOINTS:
        return None
    if not request.is_json:
        return problem(400, _("Not JSON"),
                       _("Send the body as JSON: Content-Type: application/json."))
    if _holds_nul(request.get_json(silent=True)):
        return problem(400, _("NUL character"), _(NUL_MESSAGE))
    return None


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def api_actor() -> Actor:
    """The actor the request's token stands for."""
    return g.api_actor  # type: ignore[no-any-return]


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> ResponseReturnValue:
    return problem(404, _("Not found"), exc.translated(_))


@bp.errorhandler(TransitionRefused)
def _conflict(exc: TransitionRefused) -> ResponseReturnValue:
    return problem(409, _("Not possible now"), exc.translated(_))


@bp.errorhandler(KeyReused)
def _key_reused(exc: KeyReused) -> ResponseReturnValue:
    return problem(409, _("Idempotency key reused"), exc.translated(_))


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> ResponseReturnValue:
    return problem(422, _("Refused"), exc.translated(_))


@bp.errorhandler(NotPermitted)
def _forbidden(_exc: NotPermitted) -> ResponseReturnValue:
    return problem(403, _("Forbidden"), _("Your role does not allow this."))


# Codes the app answers with pages are named one by one: Flask prefers an app handler for
# the code over a blueprint handler for the class.
@bp.errorhandler(HTTPException)
@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(413)
@bp.errorhandler(429)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    if exc.response is not None:  # already a finished answer (a validation problem)
        return exc.response
    code = exc.code or 500
    title = {429: _("Too many requests")}.get(code, exc.name)
    response = problem(code, title, exc.description or "")
    response.headers.extend(rate_limits.retry_after_headers(exc))
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def object_id(text: str) -> int:
    """A numeric id from the path; anything else names nothing."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise NotFound(_("No such record."))
    return int(text)


def page_meta(page: int, per_page: int, total: int) -> dict[str, Any]:
    """Pagination fields every list answer carries."""
    return {"page": page, "per_page": per_page, "total": total,
            "next_page": page + 1 if page * per_page < total else None}


from repaircafe.api.views import docs, items, scans, sessions  # noqa: E402, F401
