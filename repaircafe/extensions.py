"""Flask extensions, created unbound and attached to each app in create_app."""

from __future__ import annotations

import threading
import time
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

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


class WindowCounters(Storage):
    """Fixed-window hit counters in this process, expired on access instead of by a timer.

    The `memory://` storage of `limits` starts a timer thread on nearly every hit to expire
    its keys; on a page served hundreds of times a second that thread start is the largest
    cost of the whole request. Fixed windows only need a count and an end time per key, and
    a lapsed window can be dropped the next time its key (or the periodic sweep) looks at it.
    """

    STORAGE_SCHEME = ["repaircafe-window-counters"]
    SWEEP_EVERY = 60.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        self._windows: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.time() + self.SWEEP_EVERY
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _live(self, key: str, now: float) -> list[float] | None:
        window = self._windows.get(key)
        if window is not None and window[1] <= now:
            del self._windows[key]
            return None
        return window

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            for key in [k for k, (_count, ends) in self._windows.items() if ends <= now]:
                del self._windows[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._sweep(now)
            window = self._live(key, now)
            if window is None:
                window = self._windows[key] = [0, now + expiry]
            window[0] += amount
            return int(window[0])

    def get(self, key: str) -> int:
        with self._lock:
            window = self._live(key, time.time())
            return int(window[0]) if window else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            window = self._live(key, now)
            return window[1] if window else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class AppLimiter(Limiter):
    """A Limiter whose on/off switch, storage and counters belong to each app."""

    enabled = _PerAppState()
    initialized = _PerAppState()
    _storage = _PerAppState()
    _limiter = _PerAppState()
    _storage_dead = _PerAppState()

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        """Skip the per-request pass when no app-wide, default or blueprint limit could apply.

        The pass runs before every request and costs as much as a short page's own query;
        routes with their own `@limiter.limit` are still checked by their decorator.
        """
        if in_middleware and not self._limits_outside_routes(request.blueprint):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_outside_routes(self, blueprint: str | None) -> bool:
        manager = self.limit_manager
        try:
            blueprints = manager._blueprint_limits
            return bool(manager._application_limits or manager._default_limits
                        or self._meta_limits or (blueprint and (
                            "." in blueprint or blueprints.get(blueprint))))
        except AttributeError:
            return True

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_ENABLED", True)
        app.extensions[_LIMITER_STATE] = {"enabled": True, "initialized": False,
                                          "_storage": None, "_limiter": None,
                                          "_storage_dead": False}
        with app.app_context():
            super().init_app(app)
            if isinstance(self._storage, MemoryStorage) and isinstance(
                    self._limiter, FixedWindowRateLimiter):
                self._storage = WindowCounters()
                self._limiter = FixedWindowRateLimiter(self._storage)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = AppLimiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The language: an explicit choice (the switch in the page) wins, then the browser's
    Accept-Language among ours. The region comes from the browser when it asks for one in
    that language, so en-GB gets British dates and fr-BE Belgian ones; translations come from
    the language's catalogue (gettext looks up "fr_BE" then "fr").
    """
    wanted = [(value, quality) for value, quality in request.accept_languages
              if quality > 0 and value != "*"]
    chosen = request.cookies.get("lang")
    if chosen not in LANGUAGES:
        chosen = next((_language(value) for value, _quality in wanted
                       if _language(value) in LANGUAGES), None)
    if chosen is None:
        return "en"
    return next((locale for value, _quality in wanted
                 if _language(value) == chosen and (locale := _regional(value))), chosen)


def _language(value: str) -> str:
    return value.replace("_", "-").split("-")[0].lower()


def _regional(value: str) -> str | None:
    """ "en-gb" -> "en_GB" when Babel knows that locale; None for a bare or unknown tag."""
    if "-" not in value.replace("_", "-"):
        return None
    try:
        return str(Locale.parse(value, sep="-" if "-" in value else "_"))
    except (ValueError, UnknownLocaleError):
        return None
