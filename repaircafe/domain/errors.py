"""Refusals a volunteer can read: every rule in the domain raises one of these.

A refusal keeps its English message template and the values that go into it, so the web layer
can show it in the reader's language (`refusal.translated(gettext)`) while the CLI, the logs
and the tests read the English text (`refusal.message`, `str(refusal)`). Templates use named
placeholders, `"Label %(code)s is blank."`, and are extracted into the catalogue from the
exception calls themselves (pybabel `-k Refused -k NotFound ...`); values that are themselves
phrases to translate are marked with `N_` (see repaircafe.domain.messages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from repaircafe.domain.messages import Phrase


class Refused(Exception):
    """An action that was not carried out, with a message the user can read."""

    def __init__(self, message: str, /, **params: Any) -> None:
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language, given the active `gettext`."""
        text = translate(self.template)
        if not self.params:
            return text
        return text % {name: translate(value) if isinstance(value, Phrase) else value
                       for name, value in self.params.items()}


class TransitionRefused(Refused):
    """The lifecycle does not allow this event in the object's current state."""


class CodeError(Refused):
    """Text that cannot be read as one of our label codes."""


class CheckCharacterError(CodeError):
    """The code has the right shape but its check character fails: most likely a typo."""


class NotFound(Refused):
    """A code, object or record that does not exist (or is outside the user's scope)."""


class OutOfScope(NotFound):
    """A record addressed by id that lies outside the actor's group or territory.

    Pages answer it with 404 rather than a remark in a form: only a forged or stale address
    leads there, and the answer must not confirm that the record exists.
    """


class NotPermitted(Refused):
    """The actor's role does not allow this kind of action at all (as opposed to NotFound,
    which also covers records outside the actor's group or territory)."""


class KeyReused(Refused):
    """An idempotency key sent again with a different action: it would hide one of the two."""


# Every name whose first argument is a message template, for message extraction: Refused and
# all its subclasses (tests/web/test_translations.py checks that none is missing), and N_.
MESSAGE_KEYWORDS = ("Refused", "TransitionRefused", "CodeError", "CheckCharacterError",
                    "NotFound", "OutOfScope", "NotPermitted", "KeyReused", "LayoutProblem",
                    "FactorSetError", "N_")
