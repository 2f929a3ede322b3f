"""A review session over today's queue: what to show next, as answers come in.

Built once from the queue, then updated per answer without rebuilding (answer to next card
must stay well under 50 ms even with 50,000 cards). Cards graded below 4 come back later in
the same session (SM-2's repeats): after at least REPEAT_GAP other cards, or sooner when
nothing else is left, so two missed cards never ping-pong while new cards wait.

A session's study day is the day its queue was built for (the day it started in, see
core/day.py), even when it runs past the rollover hour: record its answers with
`Answer(..., day=session.day)` and ask `session.wants_repeat(state)` whether the card
comes back, so a repeat answered at 04:02 is still a repeat of the day that began it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quizcards.core.queue import Key, Queue

if TYPE_CHECKING:
    from quizcards.core.schedule import State

REPEAT_GAP = 3  # other cards shown before a missed card comes back


@dataclass
class Session:
    reviews: deque[Key] = field(default_factory=deque)
    repeats: deque[Key] = field(default_factory=deque)
    new: deque[Key] = field(default_factory=deque)
    answered: int = 0
    last: Key | None = None
    ready_at: dict[Key, int] = field(default_factory=dict)  # repeat -> answers count when due
    last_was_repeat: bool = False
    day: int | None = None  # the study day the session started in (its queue's)

    @classmethod
    def from_queue(cls, queue: Queue) -> Session:
        return cls(deque(queue.reviews), deque(queue.repeats), deque(queue.new),
                   day=queue.day)

    def wants_repeat(self, state: State) -> bool:
        """Does a card whose state after an answer is `state` come back in this session?
        Its repeat must be pending for the session's study day (not the clock's)."""
        if not state.repeat_pending:
            return False
        return self.day is None or state.last_day == self.day

    @property
    def _lines(self) -> tuple[deque[Key], deque[Key], deque[Key]]:
        return (self.reviews, self.repeats, self.new)

    def __len__(self) -> int:
        return len(self.reviews) + len(self.repeats) + len(self.new)

    def peek(self) -> Key | None:
        """The card to show now: due reviews, then repeats whose gap has passed, then new
        cards; then any repeat (nothing else is left). Right after a repeat a new card goes
        first, so missed cards cannot starve the new ones. A card just answered waits for at
        least one other card when there is one."""
        ready = deque(k for k in self.repeats if self.ready_at.get(k, 0) <= self.answered)
        middle = (self.new, ready) if self.last_was_repeat else (ready, self.new)
        for line in (self.reviews, *middle, self.repeats):
            for key in line:
                if key != self.last or len(self) == 1:
                    return key
        return None

    def done(self, key: Key, repeat: bool) -> None:
        """`key` was answered; `repeat` says it must come back this session."""
        self.last_was_repeat = key in self.repeats
        for line in self._lines:
            try:
                line.remove(key)
            except ValueError:
                pass
        if repeat:
            self.repeats.append(key)
            self.ready_at[key] = self.answered + 1 + REPEAT_GAP
        self.answered += 1
        self.last = key

    def skip(self, key: Key) -> None:
        """Suspended or buried: out of this session."""
        for line in self._lines:
            try:
                line.remove(key)
            except ValueError:
                pass

    def put_back(self, key: Key) -> None:
        """An undone answer: the card is shown again next."""
        self.skip(key)
        self.reviews.appendleft(key)
        self.answered = max(0, self.answered - 1)
        self.last = None
