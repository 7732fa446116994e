"""Flask extensions, created unbound and attached to each app in create_app."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

LANGUAGES = ("en", "fr")
_LIMITER_STATE = "repaircafe.limiter_state"


class _PerAppState:
    """A limiter attribute kept per app instead of on the shared limiter object.

    Flask-Limiter keeps `enabled`, its storage and its strategy on the Limiter itself, so with
    one module-level limiter the last app initialised would decide for every app in the
    process: an app built with rate limiting off would switch it off for the others, and each
    new app would reset the others' counters. The views' `@limiter.limit` decorators need one
    shared limiter, so its run-time state is looked up on the current app instead.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, limiter: Any, owner: type | None = None) -> Any:
        if limiter is None:
            return self
        if has_app_context():
            state = current_app.extensions.get(_LIMITER_STATE)
            if state is not None:
                return state.get(self.name, limiter.__dict__.get(self.name))
        return limiter.__dict__.get(self.name)

    def __set__(self, limiter: Any, value: Any) -> None:
        if has_app_context() and _LIMITER_STATE in current_app.extensions:
            current_app.extensions[_LIMITER_STATE][self.name] = value
        else:
            limiter.__dict__[self.name] = value


class AppLimiter(Limiter):
    """A Limiter whose on/off switch, storage and counters belong to each app."""

    enabled = _PerAppState()
    initialized = _PerAppState()
    _storage = _PerAppState()
    _limiter = _PerAppState()
    _storage_dead = _PerAppState()

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_ENABLED", True)
        app.extensions[_LIMITER_STATE] = {"enabled": True, "initialized": False,
                                          "_storage": None, "_limiter": None,
                                          "_storage_dead": False}
        with app.app_context():
            super().init_app(app)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = AppLimiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """An explicit choice (the switch in the page) wins; then the browser's Accept-Language."""
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"
