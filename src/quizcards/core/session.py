"""A review session over today's queue: what to show next, as answers come in.

Built once from the queue, then updated per answer without rebuilding (answer to next card
must stay well under 50 ms even with 50,000 cards). Cards graded below 4 come back later in
the same session (SM-2's repeats), never twice in a row while other cards wait.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from quizcards.core.queue import Key, Queue


@dataclass
class Session:
    reviews: deque[Key] = field(default_factory=deque)
    repeats: deque[Key] = field(default_factory=deque)
    new: deque[Key] = field(default_factory=deque)
    answered: int = 0
    last: Key | None = None

    @classmethod
    def from_queue(cls, queue: Queue) -> Session:
        return cls(deque(queue.reviews), deque(queue.repeats), deque(queue.new))

    @property
    def _lines(self) -> tuple[deque[Key], deque[Key], deque[Key]]:
        return (self.reviews, self.repeats, self.new)

    def __len__(self) -> int:
        return len(self.reviews) + len(self.repeats) + len(self.new)

    def peek(self) -> Key | None:
        """The card to show now: due reviews, then repeats, then new cards; a card just
        answered waits for at least one other card when there is one."""
        for line in self._lines:
            for key in line:
                if key != self.last or len(self) == 1:
                    return key
        return None

    def done(self, key: Key, repeat: bool) -> None:
        """`key` was answered; `repeat` says it must come back this session."""
        for line in self._lines:
            try:
                line.remove(key)
            except ValueError:
                pass
        if repeat:
            self.repeats.append(key)
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
