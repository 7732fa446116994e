"""Flask extensions, created unbound and attached to each app in create_app."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("en", "fr")


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_locale() -> Locale:
    """The language: an explicit choice (the switch in the page) wins, then the browser's
    Accept-Language among ours. The region comes from the browser when it asks for one in
    that language, so en-GB gets British dates and fr-BE Belgian ones; translations come from
    the language's catalogue (gettext looks up "fr_BE" then "fr").
    """
    choice = request.cookies.get("lang")
    wanted = [(value, quality) for value, quality
              in parse_accept_header(request.headers.get("Accept-Language", ""), LanguageAccept)
              if quality > 0 and value != "*"]
    chosen = choice if choice in LANGUAGES else next(
        (_language(value) for value, _quality in wanted if _language(value) in LANGUAGES), None)
    if chosen is None:
        return Locale.parse("en")
    return Locale.parse(next((locale for value, _quality in wanted
                              if _language(value) == chosen and (locale := _regional(value))),
                             chosen))


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
