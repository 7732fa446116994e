"""Marking text for translation in code that has no locale (the domain and the services).

The domain cannot call Flask-Babel, so it marks its English messages and the web layer
translates them when it shows them. `N_` marks a message for extraction (pybabel's `-k N_`)
and returns it as a `Phrase`, so a phrase put into a refusal's sentence is translated too.
"""

from __future__ import annotations


class Phrase(str):
    """English text that is itself a message id: translated before it is shown or inserted."""

    __slots__ = ()


def N_(message: str) -> Phrase:
    """The message unchanged, marked for the catalogue and for translation on display."""
    return Phrase(message)
