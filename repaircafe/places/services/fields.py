"""Refusals tied to the form field they are about, so a page shows each one beside its field.

A form refused as a whole (a name taken, a code malformed) keeps what was typed; pointing at
the field lets a tablet user see at once what to correct, and several fields can be wrong at
the same time. The command line prints them one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from repaircafe.domain.errors import Refused

T = TypeVar("T")


class FieldErrors(Exception):
    """One refusal per field of a form that was not saved."""

    def __init__(self, errors: dict[str, Refused]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(refusal) for refusal in errors.values()))


class Checks:
    """Collects each field's refusal instead of stopping at the first one."""

    def __init__(self) -> None:
        self.errors: dict[str, Refused] = {}

    def run(self, field: str, check: Callable[[], T], default: T) -> T:
        """The checked value, or `default` with the refusal kept under `field`."""
        try:
            return check()
        except Refused as exc:
            self.errors.setdefault(field, exc)
            return default

    def refuse(self, field: str, refusal: Refused) -> None:
        self.errors.setdefault(field, refusal)

    def done(self) -> None:
        """Raise the collected refusals, if any."""
        if self.errors:
            raise FieldErrors(dict(self.errors))
