"""FSRS (the `fsrs` package) behind the same interface as SM-2.

Grades 0-5 map to FSRS ratings: 0-2 Again, 3 Hard, 4 Good, 5 Easy. Fuzzing is off so that
replaying the log always gives the same states (switching schedulers replays it).

- A lapse is a failure (Again) of a card in the Review state, as in FSRS and Anki: failing a
  learning or relearning step is not one, so a new card failed nine times on its first day
  is no leech.
- Due days are study-day arithmetic in the user's time zone: the package's due instant is
  read as a wall-clock offset from the answer (`DayRule.days_after`), so across a
  daylight-saving change a one-day interval is due on the next study day.
- `day` is the study day the answer belongs to (the session's, see day.py); the package
  itself gets the real time of the answer.

The package version is pinned to a range in pyproject.toml (its default parameters and
scheduling change between major versions) and recorded with every logged answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from quizcards.core.day import DayRule


def rating_for(grade: int) -> int:
    """SM-2 grade 0-5 -> FSRS rating 1-4 (Again, Hard, Good, Easy)."""
    if not 0 <= grade <= 5:
        raise ValueError(f"grades are 0-5, got {grade}")
    return 1 if grade <= 2 else grade - 1


@dataclass(frozen=True, slots=True)
class FSRSSettings:
    """The user's FSRS settings (config.toml): the recall chance reviews are scheduled at,
    and parameters fitted by `quizcards optimize` (None: the package's defaults)."""

    desired_retention: float = 0.9
    parameters: tuple[float, ...] | None = None

    def fingerprint(self) -> str:
        """What the stored card states depend on (a change means: replay the log)."""
        return json.dumps([self.desired_retention, self.parameters])


DEFAULT_SETTINGS = FSRSSettings()


@cache
def _scheduler(settings: FSRSSettings = DEFAULT_SETTINGS) -> Any:
    from fsrs import Scheduler

    if settings.parameters is None:
        return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=False)
    return Scheduler(parameters=settings.parameters,
                     desired_retention=settings.desired_retention, enable_fuzzing=False)


@cache
def package_version() -> str:
    """The installed `fsrs` package's version (recorded in the log with each answer)."""
    try:
        return version("fsrs")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        return "unknown"


REVIEW_STATE = 2  # fsrs.State.Review


@dataclass(frozen=True, slots=True)
class FSRSState:
    card: dict[str, Any] | None = None  # fsrs.Card.to_dict(); None for a new card
    due_day: int | None = None
    last_day: int | None = None
    lapses: int = 0
    reviews: int = 0
    repeat_pending: bool = False  # a learning step due again today

    @property
    def is_new(self) -> bool:
        return self.reviews == 0

    def to_json(self) -> str:
        return json.dumps({"card": self.card, "due_day": self.due_day, "last_day": self.last_day,
                           "lapses": self.lapses, "reviews": self.reviews,
                           "repeat_pending": self.repeat_pending}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FSRSState:
        return cls(**json.loads(text))


def review(state: FSRSState, grade: int, now: datetime, rule: DayRule,
           day: int | None = None, settings: FSRSSettings = DEFAULT_SETTINGS) -> FSRSState:
    """The state after answering `grade` at `now`, on study day `day` (default: the study
    day of `now`; a session that crossed the rollover passes the day it started in)."""
    from fsrs import Card, Rating

    card = Card.from_dict(state.card) if state.card else Card(card_id=0, due=now)  # type: ignore[arg-type]
    new_card, _ = _scheduler(settings).review_card(card, Rating(rating_for(grade)), now)
    if day is None:
        day = rule.day_of(now)
    due_day = day + rule.days_after(now, new_card.due - now)
    failed = grade <= 2 and state.card is not None and state.card["state"] == REVIEW_STATE
    return FSRSState(
        card=new_card.to_dict(),
        due_day=due_day,
        last_day=day,
        lapses=state.lapses + (1 if failed else 0),
        reviews=state.reviews + 1,
        repeat_pending=due_day <= day,
    )
