"""One interface over both schedulers, and replaying the review log into card states."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from quizcards.core import fsrs_adapter, sm2
from quizcards.core.day import DayRule

SchedulerName = Literal["sm2", "fsrs"]
LEECH_LAPSES = 8  # lapses that make a card a leech; every text saying so formats this


class State(Protocol):
    @property
    def due_day(self) -> int | None: ...
    @property
    def last_day(self) -> int | None: ...
    @property
    def lapses(self) -> int: ...
    @property
    def reviews(self) -> int: ...
    @property
    def repeat_pending(self) -> bool: ...

    @property
    def is_new(self) -> bool: ...

    def to_json(self) -> str: ...


def initial(name: SchedulerName) -> State:
    return sm2.SM2State() if name == "sm2" else fsrs_adapter.FSRSState()


def load(name: SchedulerName, text: str) -> State:
    return sm2.SM2State.from_json(text) if name == "sm2" else fsrs_adapter.FSRSState.from_json(text)


def version(name: SchedulerName) -> str:
    """The scheduler and its version, as logged with each answer: "sm2 1", "fsrs 6.3.2"."""
    if name == "sm2":
        return f"sm2 {sm2.VERSION}"
    return f"fsrs {fsrs_adapter.package_version()}"


def review(name: SchedulerName, state: State, grade: int, now: datetime, rule: DayRule,
           day: int | None = None,
           fsrs: fsrs_adapter.FSRSSettings = fsrs_adapter.DEFAULT_SETTINGS) -> State:
    """The new state of a card after one answer; pure (time and day rule passed in). `day`
    is the study day the answer counts for: the day its session started in (see day.py);
    None means the study day of `now`."""
    if day is None:
        day = rule.day_of(now)
    if name == "sm2":
        assert isinstance(state, sm2.SM2State)
        return sm2.review(state, grade, day)
    assert isinstance(state, fsrs_adapter.FSRSState)
    return fsrs_adapter.review(state, grade, now, rule, day, fsrs)


@dataclass(frozen=True, slots=True)
class LoggedAnswer:
    deck_id: str
    card_id: str
    time: datetime
    grade: int
    day: int | None = None  # the study day logged with the answer (None: that of `time`)


def replay(
    name: SchedulerName, answers: Iterable[LoggedAnswer], rule: DayRule,
    fsrs: fsrs_adapter.FSRSSettings = fsrs_adapter.DEFAULT_SETTINGS,
) -> dict[tuple[str, str], State]:
    """Every card's state from the log (answers in the order they were given)."""
    states: dict[tuple[str, str], State] = {}
    for a in answers:
        key = (a.deck_id, a.card_id)
        states[key] = review(name, states.get(key) or initial(name), a.grade, a.time, rule,
                             a.day, fsrs)
    return states


def is_leech(state: State) -> bool:
    return state.lapses >= LEECH_LAPSES
