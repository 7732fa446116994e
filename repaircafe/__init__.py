"""repaircafe: QR-tagged lifecycle records and circularity reports for repair cafés."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from repaircafe import db, extensions
from repaircafe.config import Settings, load_settings, with_instance_defaults
from repaircafe.i18n import compile_catalogues


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory.

    `config` holds overrides in the TOML shape (`{"database": {"url": ...}}`); upper-case keys
    go straight to Flask's config (TESTING, WTF_CSRF_ENABLED, ...).
    """
    config = dict(config or {})
    flask_overrides = {k: config.pop(k) for k in list(config) if k.isupper()}
    app = Flask(__name__, instance_relative_config=True)
    settings = with_instance_defaults(load_settings(overrides=config), app.instance_path)
    app.instance_path = settings.app.instance_path
    Path(settings.app.instance_path).mkdir(parents=True, exist_ok=True)
    app.extensions["repaircafe.settings"] = settings
    app.config.update(
        SECRET_KEY=settings.app.secret_key,
        MAX_CONTENT_LENGTH=settings.app.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.security.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        BABEL_DEFAULT_LOCALE=settings.app.default_language,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(flask_overrides)
    db.init_app(app, db.make_engine(settings.database.url, echo=settings.database.echo))
    extensions.csrf.init_app(app)
    catalogues = compile_catalogues(Path(settings.app.instance_path) / "translations")
    extensions.babel.init_app(app, locale_selector=extensions.select_locale,
                              default_translation_directories=str(catalogues))

    from repaircafe import web

    web.init_app(app)
    return app


def get_settings(app: Flask) -> Settings:
    """The settings an app was built with."""
    return app.extensions["repaircafe.settings"]
