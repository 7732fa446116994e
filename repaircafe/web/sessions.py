"""The signed-cookie session, with less repeated work on every request.

Flask builds a new itsdangerous serializer (and tests it by encoding an empty string) every
time it opens or saves a session, and checks the cookie's signature on every request; on the
scan page, which a volunteer hits label after label with the same cookie, that was a
noticeable share of the whole answer. The signer is built once per set of keys, and a cookie
whose signature was checked in the last few seconds is not checked again.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

VERIFIED_FOR = 5.0
_IMMUTABLE = (str, int, float, bool, type(None))


class CookieSessions(SecureCookieSessionInterface):
    """Flask's own cookie sessions, same cookie and same checks, remembered briefly."""

    def __init__(self) -> None:
        self._signer: tuple[Any, URLSafeTimedSerializer | None] | None = None
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._signer is None or self._signer[0] != keys:
            self._signer = (keys, super().get_signing_serializer(app))
            self._verified.clear()
        return self._signer[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        now = time.monotonic()
        if value and self.get_signing_serializer(app) is not None:
            seen = self._verified.get(value)
            if seen is not None and seen[0] > now:
                return self.session_class(seen[1])
        session = super().open_session(app, request)
        # Only flat sessions are remembered: a copy of them shares no mutable value (a list
        # of flashed messages, say) with the one a request is about to change.
        if value and session and all(isinstance(v, _IMMUTABLE) for v in session.values()):
            if len(self._verified) >= 4096:
                self._verified.clear()
            self._verified[value] = (now + VERIFIED_FOR, dict(session))
        return session
