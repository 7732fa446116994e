"""Rate limits on sign-in attempts, on pages anyone can open, and on the API.

The counting is the `limits` library's (fixed windows, in this process by default or in any
storage it supports, e.g. ``redis://``). Each app keeps its own counters and on/off switch in
`app.extensions`, so several apps in one process (the tests build many) never share or reset
each other's limits. Limits are checked only by the views that carry one: nothing runs on the
other requests, and the public object page, served to every phone that scans a label, pays
one counter increment.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException, TooManyRequests

from repaircafe.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
_STATE = "repaircafe.rate_limits"
LIMITS = ("login_rate_limit", "public_rate_limit", "api_rate_limit")


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


class RateLimits:
    """One app's limiter: its switch, its counters and the limits it has read from settings."""

    def __init__(self, enabled: bool, storage_uri: str, limits: dict[str, str]) -> None:
        self.enabled = enabled
        storage = WindowCounters() if storage_uri == "memory://" \
            else storage_from_string(storage_uri)
        self._strategy = FixedWindowRateLimiter(storage)
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
