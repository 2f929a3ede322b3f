"""One error hierarchy: every failure a user can cause ends as a QuizcardsError with a message."""

from __future__ import annotations


class QuizcardsError(Exception):
    """Base of every error meant to be shown to the user (no traceback)."""


class UsageError(QuizcardsError):
    """Bad command-line use: unknown card, missing file (exit code 2)."""


class ImportFailed(UsageError):
    """A file cannot be imported as a deck (`quizcards import`); nothing was written."""


class TrustError(QuizcardsError):
    """A deck from outside the trusted folders tried to run code."""


class CheckerError(QuizcardsError):
    """The checker cannot run at all: its worker does not start (no torch, no folder for it,
    no process), or it died and could not be restarted."""


class StoreError(QuizcardsError):
    """The database cannot be used (corrupt, newer schema, locked)."""


class ConfigError(QuizcardsError):
    """The config folder's files cannot be used: config.toml is invalid or unreadable, or a
    setting (a trusted deck, fitted parameters) cannot be saved there."""


class OptimizerMissing(QuizcardsError):
    """`quizcards optimize` needs the FSRS optimizer, an optional extra that does not load."""


class SyncError(QuizcardsError):
    """The sync folder cannot be used: missing, not a folder, or not writable."""


class ReadOnlyProfile(StoreError):
    """This app may not change cards: it chose read-only, or another one took over."""


class StaleAnswer(StoreError):
    """The card changed in the store (answered elsewhere) since it was shown."""
