"""The web layer: blueprints, login wiring, error pages and security headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from repaircafe.db import get_session
from repaircafe.domain import codes, lifecycle
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.extensions import login_manager
from repaircafe.models import User
from repaircafe.web.access import LoginUser

_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    from repaircafe.web import (
        auth,
        bench,
        board,
        health,
        home,
        intake,
        items,
        labels,
        language,
        owners,
        parts,
        printers,
        public,
        recycling,
        reports,
        scan,
        stock,
    )
    from repaircafe.web import api, exports, imports, tokens

    for module in (auth, health, home, items, language, public, scan, intake, bench, board,
                   owners, labels, printers, parts, stock, recycling, reports):
        app.register_blueprint(module.bp)
    for module in (api, exports, imports, tokens):
        app.register_blueprint(module.bp)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(_load_user)
    app.after_request(_security_headers)
    app.context_processor(_template_helpers)
    app.register_error_handler(403, _error_page(403, "You do not have access to this page."))
    app.register_error_handler(404, _error_page(404, "This page does not exist."))
    app.register_error_handler(429, _error_page(429, "Too many requests: wait a minute."))
    app.register_error_handler(413, _error_page(413, "That upload is too large."))
    app.register_error_handler(CSRFError, _error_page(
        400, "This form was out of date: go back, reload the page and send it again."))
    app.register_error_handler(NotFound, lambda exc: _render_error(404, exc.message))
    app.register_error_handler(Refused, lambda exc: _render_error(400, exc.message))


def _load_user(user_id: str) -> LoginUser | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return LoginUser(user) if user is not None and user.is_active else None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _render_error(status: int, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status


def _error_page(status: int, message: str) -> Any:
    def handler(_exc: Exception) -> tuple[str, int]:
        return _render_error(status, _(message))

    return handler


def _template_helpers() -> dict[str, Any]:
    return {
        "display_code": codes.display,
        "outcome_label": lambda o: _(lifecycle.OUTCOME_LABELS.get(o, o or "")),
        "barrier_label": lambda b: _(lifecycle.BARRIERS.get(int(b), "")) if b else "",
        "state_label": state_label,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_decimal": format_decimal,
        "current_locale": str(get_locale()),
        "user": current_user,
        "request_id": g.get("request_id"),
    }


def state_label(state: str | None) -> str:
    labels = {
        "registered": _("Waiting"),
        "in_repair": _("At the bench"),
        "fixed": _("Fixed"),
        "awaiting_part": _("Repairable"),
        "end_of_life": _("End of life"),
        "harvested": _("Parts harvested"),
        "recycled": _("Recycled"),
        "refurbished": _("Refurbished"),
        "in_use": _("In use"),
        "with_owner": _("Back with owner"),
        "in_stock": _("In stock"),
        "installed": _("Installed"),
        "written_off": _("Written off"),
    }
    return labels.get(state or "", state or "")
