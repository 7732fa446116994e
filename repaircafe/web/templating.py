"""Templates compiled once per language, with their fixed texts already translated.

Most strings in the templates are plain `{{ _("...") }}` calls. Looking each of them up in
the catalogue, wrapping it and formatting it on every render was the largest share of a short
page's time (the public object page is opened by every phone that scans a label). Each
template is therefore compiled once per language with those texts written in; strings with
variables, plurals or computed message ids are still translated at render time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context
from flask.templating import Environment
from flask_babel import get_locale
from jinja2 import BaseLoader
from jinja2 import Environment as BaseEnvironment
from jinja2.ext import Extension

_SEP = ":"
_PLAIN_GETTEXT = re.compile(r"""\{\{\s*_\(\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\)\s*\}\}""")
# Text that Jinja or the %-formatting of gettext would read differently once written in.
_UNSAFE = re.compile(r"[{}%#]")


class LanguageLoader(BaseLoader):
    """Serves "fr:items/show.html" from the app's own loader as "items/show.html"."""

    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment: BaseEnvironment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        _language, _sep, name = template.rpartition(_SEP)
        return self.loader.get_source(environment, name)

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()


class TranslatedEnvironment(Environment):
    """Flask's template environment, asking for each template in the request's language."""

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(app, **options)
        self.loader = LanguageLoader(self.loader)  # type: ignore[arg-type]
        self.add_extension(WrittenInTranslations)

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> Any:
        if isinstance(name, str) and parent is None and _SEP not in name \
                and has_request_context():
            name = f"{get_locale().language}{_SEP}{name}"
        return super().get_template(name, parent, globals)

    def join_path(self, template: str, parent: str) -> str:
        """An included or extended template is taken in its parent's language."""
        language, sep, _name = parent.rpartition(_SEP)
        if sep and _SEP not in template:
            return f"{language}{_SEP}{template}"
        return template


class WrittenInTranslations(Extension):
    """Writes the language's translation in place of each plain `{{ _("text") }}`."""

    def __init__(self, environment: BaseEnvironment) -> None:
        super().__init__(environment)
        self._catalogues: dict[str, NullTranslations] = {}

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        language, sep, _name = (name or "").rpartition(_SEP)
        if not sep:
            return source
        translate = self._catalogue(language).ugettext

        def written(match: re.Match[str]) -> str:
            text = translate(match.group(1) if match.group(1) is not None else match.group(2))
            return match.group(0) if _UNSAFE.search(text) else text

        return _PLAIN_GETTEXT.sub(written, source)

    def _catalogue(self, language: str) -> NullTranslations:
        found = self._catalogues.get(language)
        if found is None:
            # the same folders Flask-Babel reads, so both always agree
            babel = self.environment.app.extensions["babel"]  # type: ignore[attr-defined]
            found = NullTranslations()
            for folder in babel.translation_directories:
                loaded = Translations.load(folder, [language])
                if isinstance(loaded, Translations):
                    found = found.merge(loaded) if isinstance(found, Translations) else loaded
            self._catalogues[language] = found
        return found
