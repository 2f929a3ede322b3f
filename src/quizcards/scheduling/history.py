"""A review history as the fitting and the evaluation read it: one `Review` per answer, from
the store's log or from a CSV in the FSRS optimizer's schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from quizcards.core.fsrs_adapter import rating_for

# an FSRS rating -> the SM-2 grade it stands for (Again is a plain miss, as the checker
# suggests for a wrong answer; Hard, Good and Easy are the grades 3, 4 and 5)
GRADE_FOR_RATING = {1: 1, 2: 3, 3: 4, 4: 5}


@dataclass(frozen=True, slots=True)
class Review:
    card: str  # any stable key of the card ("deck/card", or the CSV's card_id)
    time: datetime  # aware, UTC
    rating: int  # FSRS rating 1-4
    grade: int  # SM-2 grade 0-5
    duration_ms: int | None = None

    @property
    def passed(self) -> bool:
        return self.rating > 1


def from_grade(card: str, time_ms: int, grade: int, duration_ms: int | None) -> Review:
    return Review(card, datetime.fromtimestamp(time_ms / 1000, UTC), rating_for(grade), grade,
                  duration_ms)


def from_rating(card: str, time: datetime, rating: int, duration_ms: int | None) -> Review:
    return Review(card, time, rating, GRADE_FOR_RATING[rating], duration_ms)


def in_time_order(reviews: Iterable[Review]) -> list[Review]:
    """Sorted by time (stable: answers logged in the same millisecond keep their order)."""
    return sorted(reviews, key=lambda r: r.time)

