"""The signed-cookie session, with its signer built once per secret instead of per request.

Flask builds a new itsdangerous serializer (and tests it by encoding an empty string) every
time it opens or saves a session, which is every request; on the scan and public pages that
was a noticeable share of the whole answer. The signer only changes when the keys do.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    """Flask's own cookie sessions; only the construction of the signer is remembered."""

    def __init__(self) -> None:
        self._signer: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._signer is None or self._signer[0] != keys:
            self._signer = (keys, super().get_signing_serializer(app))
        return self._signer[1]
