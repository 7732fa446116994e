"""Rate limits on sign-in attempts, on pages anyone can open, and on the API.

The counting is the `limits` library's (fixed windows, in this process by default or in any
storage it supports, e.g. ``redis://``). Each app keeps its own counters and on/off switch in
`app.extensions`, so several apps in one process (the tests build many) never share or reset
each other's limits. Limits are checked only by the views that carry one: nothing runs on the
other requests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException, TooManyRequests

from repaircafe.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
_STATE = "repaircafe.rate_limits"
LIMITS = ("login_rate_limit", "public_rate_limit", "api_rate_limit")


class RateLimits:
    """One app's limiter: its switch, its counters and the limits it has read from settings."""

    def __init__(self, enabled: bool, storage_uri: str, limits: dict[str, str]) -> None:
        self.enabled = enabled
        # a storage of its own, even for memory://, so each app counts only its own hits
        self._strategy = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self._limits: dict[str, RateLimitItem] = {}
        for setting, text in limits.items():
            try:
                self._limits[setting] = parse(text)
            except ValueError:
                raise ConfigError(f"security.{setting} must read like \"10 per minute\", "
                                  f"not {text!r}") from None

    def hit(self, setting: str, *key: str) -> None:
        """Count one request against the limit named `setting`; over the limit, answer 429."""
        if not self.enabled:
            return
        item = self._limits[setting]
        if not self._strategy.hit(item, *key):
            reset = self._strategy.get_window_stats(item, *key).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def init_app(app: Flask) -> None:
    security = app.extensions["repaircafe.settings"].security
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.extensions[_STATE] = RateLimits(
        bool(app.config["RATELIMIT_ENABLED"]), security.rate_limit_storage,
        {setting: getattr(security, setting) for setting in LIMITS})


def hit(setting: str, *key: str) -> None:
    """Count this request against the limit named `setting` in [security] (e.g. login)."""
    current_app.extensions[_STATE].hit(setting, *key)


def retry_after_headers(exc: BaseException) -> list[tuple[str, str]]:
    """The Retry-After header of a refused request, for the page or problem that replaces it."""
    if not isinstance(exc, HTTPException):
        return []
    return [(name, value) for name, value in exc.get_headers() if name == "Retry-After"]


def remote_address() -> str:
    """The client's address: the peer's, or the one the trusted proxies forwarded.

    With `[app] proxies = N` the app runs behind Werkzeug's ProxyFix, which puts the address
    the Nth proxy saw into `remote_addr`; with 0, X-Forwarded-For is ignored (anyone can send
    it), so one client cannot pose as many.
    """
    return request.remote_addr or "-"


def rate_limited(setting: str, *, methods: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Limit how often one address may call the view (only `methods`, when given)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if methods is None or request.method in methods:
                hit(setting, request.endpoint or view.__name__, remote_address())
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
