"""Form classes (Flask-WTF gives each a CSRF token), and the one reader of numbers in requests.

Record ids arrive in paths, forms and query strings. Python's `int()` and `str.isdigit()`
accept far more than a browser ever sends (Unicode digits such as "٣" or "²", numbers beyond
what a database column holds), so every id and count goes through `whole_number` instead:
ASCII digits only, at most the largest id a PostgreSQL INTEGER column holds (2**31 - 1; SQLite
holds more, but no id there grows that large). Anything else is not a number.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map, ValidationError
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from repaircafe.domain.messages import N_

# The largest value of an id column on every database the app runs on (PostgreSQL INTEGER).
LARGEST = 2**31 - 1


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def is_whole_number(text: str | None) -> bool:
    """Whether `text` is a number a database id column can hold, written in ASCII digits."""
    return (text is not None and 0 < len(text) <= 10 and text.isascii() and text.isdigit()
            and int(text) <= LARGEST)


def whole_number(text: str) -> int:
    """`text` as a number, or ValueError: usable as `request.form.get(name, type=whole_number)`.

    Werkzeug's `type=` falls back to the default on ValueError, so a malformed id reads as a
    missing one and the service names what is missing instead of the database failing.
    """
    text = text.strip()
    if not is_whole_number(text):
        raise ValueError(f"not a whole number: {text[:40]!r}")
    return int(text)


def whole_numbers(values: Iterable[str]) -> list[int]:
    """The well-formed numbers among `values` (ticked boxes, a multi-select), in order."""
    return [whole_number(v) for v in values if is_whole_number(v.strip())]


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in routes: ASCII digits up to the largest id a database holds, else 404.

    Werkzeug's own converter matches any Unicode digit (its pattern is `\\d+`) and has no
    upper bound, so `/items/٣` named object 3 and a 23-digit id reached the database.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", LARGEST)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]

    def to_python(self, value: str) -> int:
        if len(value) > 10:
            raise ValidationError()
        return super().to_python(value)  # type: ignore[no-any-return]


NUL_MESSAGE = N_("The request contains a NUL character, which no text here may hold.")


def refuse_nul_characters() -> None:
    """Answer 400 to a path, query or form value holding a NUL character (U+0000).

    No text the site stores or looks up may hold one (PostgreSQL refuses it outright), so it
    is turned away here, once for every route, before any view or service sees it.
    """
    form = request.form if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else {}
    values = (request.path, *request.args.keys(), *request.args.values(),
              *form.keys(), *form.values())
    if any("\x00" in value for value in values):
        abort(400, _(NUL_MESSAGE))


# Pages of a list further than this are not offered; the offset must still fit the database.
LAST_PAGE = 1_000_000


def page_number(text: str) -> int:
    """A page of a list, from the query string: `request.args.get("page", 1, type=page_number)`."""
    number = whole_number(text)
    if number > LAST_PAGE:
        raise ValueError(f"page {number} is beyond the last page offered")
    return number
