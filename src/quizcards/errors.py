"""One error hierarchy: every failure a user can cause ends as a QuizcardsError with a message."""

from __future__ import annotations


class QuizcardsError(Exception):
    """Base of every error meant to be shown to the user (no traceback)."""


class UsageError(QuizcardsError):
    """Bad command-line use: unknown card, missing file (exit code 2)."""


class DeckLoadError(QuizcardsError):
    """A deck file could not be loaded; `problems` holds the positioned messages."""

    def __init__(self, problems: list[object]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TrustError(QuizcardsError):
    """A deck from outside the trusted folders tried to run code."""


class CheckerError(QuizcardsError):
    """The checker cannot run at all (its worker does not start)."""


class StoreError(QuizcardsError):
    """The database cannot be used (corrupt, newer schema, locked)."""


class ConfigError(QuizcardsError):
    """The config file is invalid."""


class ReadOnlyProfile(StoreError):
    """This app may not change cards: it chose read-only, or another one took over."""


class StaleAnswer(StoreError):
    """The card changed in the store (answered elsewhere) since it was shown."""
