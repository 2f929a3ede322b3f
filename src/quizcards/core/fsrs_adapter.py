"""FSRS (the `fsrs` package) behind the same interface as SM-2.

Grades 0-5 map to FSRS ratings: 0-2 Again, 3 Hard, 4 Good, 5 Easy. Fuzzing is off so that
replaying the log always gives the same states (switching schedulers replays it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from quizcards.core.day import DayRule


def rating_for(grade: int) -> int:
    """SM-2 grade 0-5 -> FSRS rating 1-4 (Again, Hard, Good, Easy)."""
    if not 0 <= grade <= 5:
        raise ValueError(f"grades are 0-5, got {grade}")
    return 1 if grade <= 2 else grade - 1


@cache
def _scheduler(desired_retention: float = 0.9) -> Any:
    from fsrs import Scheduler

    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


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


def review(state: FSRSState, grade: int, now: datetime, rule: DayRule) -> FSRSState:
    from fsrs import Card, Rating

    card = Card.from_dict(state.card) if state.card else Card(card_id=0, due=now)  # type: ignore[arg-type]
    new_card, _ = _scheduler().review_card(card, Rating(rating_for(grade)), now)
    day = rule.day_of(now)
    due_day = rule.day_of(new_card.due)
    failed = grade <= 2 and not state.is_new
    return FSRSState(
        card=new_card.to_dict(),
        due_day=due_day,
        last_day=day,
        lapses=state.lapses + (1 if failed else 0),
        reviews=state.reviews + 1,
        repeat_pending=due_day <= day,
    )
