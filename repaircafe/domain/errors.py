"""Refusals a volunteer can read: every rule in the domain raises one of these."""


class Refused(Exception):
    """An action that was not carried out; the message is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class TransitionRefused(Refused):
    """The lifecycle does not allow this event in the object's current state."""


class CodeError(Refused):
    """Text that cannot be read as one of our label codes."""


class CheckCharacterError(CodeError):
    """The code has the right shape but its check character fails: most likely a typo."""


class NotFound(Refused):
    """A code, object or record that does not exist (or is outside the user's scope)."""
