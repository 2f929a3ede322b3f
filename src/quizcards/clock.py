"""The wall clock, in one place: everything below the CLI takes `now` as an argument, and
the app and the store read it here when none is given (tests pass their own)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)
