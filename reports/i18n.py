"""A report's words and numbers in its language, from the application's one message catalogue.

The reports package knows nothing of Flask or the application, so the caller hands over the
translations of the report's language (Flask-Babel's, or a `babel.support.Translations` loaded
from the application's catalogue). Texts written here are marked with `_()` or `N_()` and
extracted into that same catalogue (babel.cfg), and names that come from the application's
vocabulary (categories, materials, barriers, outcomes) arrive as English data and go through
the same catalogue: a report then names things exactly as the pages do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from babel.numbers import format_decimal

LANGUAGES = ("en", "fr")
NBSP = "\u00a0"
# Babel separates French thousands with a narrow no-break space, which the PDF's standard fonts
# lack; the plain no-break space reads the same and prints everywhere.
_NARROW_NBSP = "\u202f"


class Catalogue(Protocol):
    """What a report needs of a translations object (gettext's, Babel's, Flask-Babel's)."""

    def gettext(self, message: str, /) -> str: ...


class English:
    """No catalogue: the English texts as written."""

    def gettext(self, message: str, /) -> str:
        return message


def N_(message: str) -> str:
    """Mark a text for the catalogue where it is defined; it is translated where it is shown."""
    return message


def check_language(lang: str) -> str:
    """The language if reports exist in it: a wrong one would mix English into a French page."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def french_typography(text: str) -> str:
    """A no-break space before ; : and inside « », so a printed line never starts with them."""
    return (text.replace(" :", NBSP + ":").replace(" ;", NBSP + ";")
            .replace("« ", "«" + NBSP).replace(" »", NBSP + "»"))


@dataclass(frozen=True)
class Words:
    """Translation and number formatting for one report language.

    Call it like gettext: ``words("Page %(page)s of %(total)s", page=1, total=3)``.
    """

    language: str = "en"
    catalogue: Catalogue = field(default_factory=English, compare=False, repr=False)

    def __call__(self, message: str, /, **params: Any) -> str:
        text = self.catalogue.gettext(message)
        if params:
            text = text % params
        return french_typography(text) if self.language == "fr" else text

    def name(self, english: object, fallback: str = "") -> str:
        """A name given as English data (a category, a material), translated when known."""
        text = str(english) if english is not None and str(english) else fallback
        return self(text) if text else text

    @property
    def colon(self) -> str:
        """': ' in English, ' : ' with a no-break space before the colon in French."""
        return f"{NBSP}: " if self.language == "fr" else ": "

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        """1,234.5 in English, 1 234,5 in French (no-break space as thousands separator)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        text = format_decimal(value, format=pattern, locale=self.language)
        return text.replace(_NARROW_NBSP, NBSP)

    def percent(self, share: float | None, decimals: int = 1) -> str:
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "–"
        number = self.number(share * 100, decimals)
        return f"{number}{NBSP}%" if self.language == "fr" else f"{number}%"

    @staticmethod
    def mass_unit(*values: float | None) -> str:
        """One unit for a set of masses shown together: tonnes if any reaches 10 t, else kg."""
        top = max((abs(v) for v in values if v is not None and not math.isnan(v)), default=0.0)
        return "t" if top >= 10_000 else "kg"

    def mass(self, value: float | None, unit: str) -> str:
        """A mass in the unit chosen for its table: kg with up to one decimal; tonnes with
        enough decimals that a small mass beside large ones does not read as zero."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if unit == "t":
            tonnes = value / 1000
            decimals = 1 if abs(tonnes) >= 100 else 2 if abs(tonnes) >= 1 else 3
            return f"{self.number(tonnes, decimals)}{NBSP}t"
        return f"{self.number(value, 0 if abs(value) >= 100 else 1)}{NBSP}kg"

    def kg(self, value: float | None) -> str:
        """Mass with a sensible unit: kg below 10 tonnes, tonnes above."""
        if value is None:
            return "–"
        if abs(value) >= 10_000:
            return f"{self.number(value / 1000, 1)}{NBSP}t"
        return f"{self.number(value, 0 if abs(value) >= 100 else 1)}{NBSP}kg"
