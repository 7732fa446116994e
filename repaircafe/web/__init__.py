"""The web layer: blueprints, login wiring, error pages and security headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Flask, Response, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from repaircafe.db import get_session
from repaircafe.domain import codes, lifecycle
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.extensions import login_manager
from repaircafe.models import User
from repaircafe.web.access import LoginUser
from repaircafe.web.forms import RecordIdConverter, is_whole_number, refuse_nul_characters
from repaircafe.web.rate_limits import retry_after_headers

_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


_USERS = User.__table__  # type: ignore[attr-defined]
_ACTIVE_USER = (
    select(_USERS.c.id, _USERS.c.username, _USERS.c.display_name, _USERS.c.role,
           _USERS.c.group_id, _USERS.c.territory_id, _USERS.c.session_version)
    .where(_USERS.c.id == bindparam("user_id"), _USERS.c.is_active.is_(True),
           _USERS.c.session_version == bindparam("version"))
)


def init_app(app: Flask) -> None:
    from repaircafe.accounts.views import auth, tokens, users
    from repaircafe.api import views as api
    from repaircafe.board.views import board
    from repaircafe.cafe_sessions.views import cafe_sessions
    from repaircafe.followups.views import followups
    from repaircafe.interop.ords.views import exports
    from repaircafe.interop.sheets.views import imports
    from repaircafe.objects.views import bench, intake, items, owners, public
    from repaircafe.offline.views import worker
    from repaircafe.parts.views import parts, stock
    from repaircafe.photos.views import photos
    from repaircafe.places.views import places
    from repaircafe.recycling.views import recycling
    from repaircafe.reporting.views import reports
    from repaircafe.tags.views import labels, printers, scan
    from repaircafe.web import health, home, language, rate_limits

    # Before any rule is added: rules look their converters up when they are registered.
    app.url_map.converters["int"] = RecordIdConverter
    for module in (auth, health, home, items, language, public, scan, intake, bench, board,
                   owners, labels, printers, parts, stock, recycling, reports, worker):
        app.register_blueprint(module.bp)
    for module in (api, exports, imports, tokens, places, users, followups, photos, cafe_sessions):
        app.register_blueprint(module.bp)
    rate_limits.init_app(app)
    app.before_request(refuse_nul_characters)
    # Templates get the user as `user` (loaded when a page first asks); Flask-Login's own
    # context processor would load it up front for every page rendered.
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(_load_user)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    proxies = app.extensions["repaircafe.settings"].app.proxies
    if proxies:
        # Outermost, so that the client address, and the https scheme the security headers
        # look at, are the ones the proxies saw.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.context_processor(_template_context)
    for helper in (static_url, language_url, outcome_label, barrier_label, state_label,
                   format_date, format_datetime, format_decimal):
        app.add_template_global(helper)
    app.add_template_global(codes.display, "display_code")
    app.after_request(_private_when_signed_in)
    app.register_error_handler(400, _bad_request)
    app.register_error_handler(403, _error_page(403, N_("You do not have access to this page.")))
    app.register_error_handler(404, _error_page(404, N_("This page does not exist.")))
    app.register_error_handler(429, _error_page(429, N_("Too many requests: wait a minute.")))
    app.register_error_handler(413, _error_page(413, N_("That upload is too large.")))
    app.register_error_handler(CSRFError, _error_page(
        400, N_("This form was out of date: go back, reload the page and send it again.")))
    app.register_error_handler(NotFound, lambda exc: _render_error(404, exc.translated(_)))
    app.register_error_handler(Refused, lambda exc: _render_error(400, exc.translated(_)))


def _load_user(session_id: str) -> LoginUser | None:
    """The signed-in user for this request, read afresh on every request (one Core query).

    The session holds "<user id>:<session version>" (see `LoginUser.get_id`). Signing out,
    deactivation and a role change bump the account's version, so every copy of a cookie
    issued before stops working on its very next request, and a changed role is seen at once.
    """
    user_id, _sep, version = session_id.partition(":")
    if not (is_whole_number(user_id) and is_whole_number(version)):
        return None
    row = get_session().connection().execute(
        _ACTIVE_USER, {"user_id": int(user_id), "version": int(version)}).first()
    # the row carries the columns LoginUser copies from an account
    return LoginUser(cast(User, row)) if row is not None else None


BAD_REQUEST = N_("This request could not be understood: go back and try again.")


class SecurityHeaders:
    """WSGI middleware adding the security headers a response has not set for itself.

    The headers are the same for every answer, so they are built once and appended at the
    WSGI boundary instead of being looked up and set one by one on each response object.
    """

    FIXED = (
        ("Content-Security-Policy", _CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    )
    HSTS = ("Strict-Transport-Security", "max-age=31536000")

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            headers.extend(h for h in self.FIXED if h[0].lower() not in present)
            if secure and "strict-transport-security" not in present:
                headers.append(self.HSTS)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _private_when_signed_in(response: Response) -> Response:
    """Pages for signed-in staff carry owners' contact details: no cache may keep them.

    A response that chose its own caching (the public passport, the board's ETag) keeps it;
    stylesheets and scripts are the same for everyone.
    """
    if "Cache-Control" not in response.headers and request.endpoint != "static" \
            and current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _render_error(status: int, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status


def _bad_request(exc: BadRequest) -> tuple[str, int]:
    """A 400 page saying what was wrong, when the refusal said it; else a general sentence."""
    described = exc.description and exc.description != BadRequest.description
    message = exc.description if described else _(BAD_REQUEST)
    return _render_error(400, message or "")


def _error_page(status: int, message: str) -> Any:
    def handler(exc: Exception) -> tuple[str, int, list[tuple[str, str]]]:
        return *_render_error(status, _(message)), retry_after_headers(exc)

    return handler


def static_url(filename: str) -> str:
    """The address of a stylesheet or script."""
    return url_for("static", filename=filename)


def language_url(lang: str) -> str:
    """The link that switches to `lang` and comes back to this page (public pages' switch)."""
    return url_for("language.choose", lang=lang, next=request.full_path.rstrip("?"))


def outcome_label(outcome: str | None) -> str:
    """A repair outcome as volunteers say it, in the page's language."""
    label = lifecycle.OUTCOME_LABELS.get(outcome or "", outcome or "")
    return _(label) if label else ""


def barrier_label(barrier: int | str | None) -> str:
    """Why a repair was not possible, in the page's language."""
    label = lifecycle.BARRIERS.get(int(barrier), "") if barrier else ""
    return _(label) if label else ""


def _template_context() -> dict[str, Any]:
    """What depends on the request: the signed-in user and the page's language."""
    return {"user": current_user, "current_locale": get_locale().language}


_STATE_LABELS = {
    "registered": N_("Waiting"),
    "in_repair": N_("At the bench"),
    "fixed": N_("Fixed"),
    "awaiting_part": N_("Repairable"),
    "end_of_life": N_("End of life"),
    "harvested": N_("Parts harvested"),
    "recycled": N_("Recycled"),
    "refurbished": N_("Refurbished"),
    "in_use": N_("In use"),
    "with_owner": N_("Back with owner"),
    "in_stock": N_("In stock"),
    "installed": N_("Installed"),
    "written_off": N_("Written off"),
}


def state_label(state: str | None) -> str:
    """A state as volunteers say it, in the page's language."""
    label = _STATE_LABELS.get(state or "")
    if label is None:
        return state or ""
    return _(label)
