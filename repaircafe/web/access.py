"""Login and role checks for views, and the current user as a domain Actor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort
from flask_babel import gettext
from flask_login import UserMixin, current_user, login_required

from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import OutOfScope, Refused
from repaircafe.models import User

F = TypeVar("F", bound=Callable[..., Any])


class LoginUser(UserMixin):
    """What Flask-Login keeps for a request: a plain copy, never a live database row."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role
        self.group_id = user.group_id
        self.territory_id = user.territory_id
        self.session_version = user.session_version

    def get_id(self) -> str:
        """What the session keeps: the id and the account's session version at sign-in.

        The user loader accepts the session only while the account still has that version,
        which is how signing out (or deactivation, or a role change) ends every copy of it.
        """
        return f"{self.id}:{self.session_version}"

    def can(self, capability: str) -> bool:
        return permissions.can(self.role, capability)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.display_name, self.role, self.group_id, self.territory_id)


def requires(capability: str) -> Callable[[F], F]:
    """Anonymous users go to the login page; a signed-in user without the right gets 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(capability):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorate


def refusal_text(exc: Refused) -> str:
    """A refusal in the reader's language, to show beside the form that caused it.

    A record outside the user's group or territory is answered with 404 instead: only a
    forged or stale address leads there, and a remark would confirm the record exists.
    """
    if isinstance(exc, OutOfScope):
        abort(404)
    return exc.translated(gettext)


def actor() -> Actor:
    return current_user.actor  # type: ignore[no-any-return]


def safe_next(target: str | None, fallback: str) -> str:
    """A path on this site to go back to after a form, else `fallback`: never another site.

    Browsers read a backslash as a slash and drop tabs and newlines inside a URL, so a
    backslash or a tab after the first slash would lead away just like `//evil.example`.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target
