"""Reviewing, for both front ends (the full-screen review and the line review): which card
comes next with which drawn values, checking an answer, recording a grade, undo, suspend and
bury. The front ends keep only their input and output; what an answer does lives here.

An answer travels as one `Attempt`: the card as it was shown (its deck, its drawn values,
its version in the store) with the text typed, so nothing is looked up or drawn again on the
way to the verdict and the log.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from quizcards.clock import now_utc
from quizcards.core.grading import reveals
from quizcards.core.models import CardBase, Deck
from quizcards.core.params import draw
from quizcards.core.queue import Key, Queue
from quizcards.core.session import Session
from quizcards.core.verdict import Verdict
from quizcards.library import Library, Undone
from quizcards.store.db import Answer

if TYPE_CHECKING:
    from quizcards.checker.client import Checker


@dataclass(frozen=True)
class ShownCard:
    """A card as shown once: the values its params drew and its version in the store."""

    key: Key
    card: CardBase
    deck: Deck
    shipped: bool  # from the shipped decks (trusted without asking)
    seed: int
    values: dict[str, object]
    version: str  # Store.card_version when shown: an answer is refused if it changed since
    started: float  # monotonic time it was shown

    @property
    def kind(self) -> str:
        return self.card.kind  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Attempt:
    """An answer on its way to a verdict and the log."""

    shown: ShownCard
    text: str
    seconds: float  # from showing to submitting

    @property
    def revealed(self) -> bool:
        return reveals(self.shown.kind, self.text)


def show(library: Library, key: Key, seed: int, started: float) -> ShownCard | None:
    """The card `key` as shown with `seed` (its params drawn once, here); None when no loaded
    deck has it."""
    found = library.lookup(key)
    if found is None:
        return None
    loaded, card = found
    values = draw(card.params, seed) if card.params else {}
    return ShownCard(key, card, loaded.deck, loaded.shipped, seed, values,
                     library.store.card_version(key), started)


def check(checker: Checker, attempt: Attempt) -> Verdict:
    """The verdict on an attempt (may run code: blocking). A checker that cannot work gives
    an error verdict that says so."""
    shown = attempt.shown
    return checker.check_or_explain(shown.deck, shown.card, attempt.text, seed=shown.seed,
                                    values=shown.values, seconds=attempt.seconds,
                                    shipped=shown.shipped)


@dataclass(frozen=True)
class Graded:
    """What recording a grade did."""

    key: Key
    grade: int
    became_leech: bool
    repeat: bool  # the card comes back in this session


@dataclass
class ReviewService:
    """One review session over `queue`: the cards in the order the session gives them."""

    library: Library
    session: Session
    checker_source: Callable[[], Checker]  # the app makes its checker after the first paint
    clock: Callable[[], datetime] = now_utc
    monotonic: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def start(cls, library: Library, queue: Queue, checker_source: Callable[[], Checker],
              **options: object) -> ReviewService:
        return cls(library, Session.from_queue(queue), checker_source,
                   **options)  # type: ignore[arg-type]

    @property
    def checker(self) -> Checker:
        return self.checker_source()

    @property
    def answered(self) -> int:
        return self.session.answered

    @property
    def left(self) -> int:
        return len(self.session)

    # -- showing -------------------------------------------------------------------------
    def next_card(self) -> ShownCard | None:
        """The card to show now, with fresh values drawn; None when the session is over.
        Cards no longer in any deck (edited away) are passed over."""
        while (key := self.session.peek()) is not None:
            shown = show(self.library, key, self.rng.randrange(1 << 30), self.monotonic())
            if shown is not None:
                return shown
            self.session.skip(key)
        return None

    def prefetch(self, shown: ShownCard) -> None:
        """Compute the card's truth in the background while it is read (returns at once)."""
        self.checker.prefetch(shown.deck, shown.card, seed=shown.seed, values=shown.values,
                              shipped=shown.shipped)

    def numbers_have_fractions(self, shown: ShownCard) -> bool:
        """Compute the card's truth now (blocking: call it from a worker thread) and say
        whether its numbers have fractions, so the hint can name the decimals."""
        run = self.checker.truth(shown.deck, shown.card, seed=shown.seed, values=shown.values,
                                 shipped=shown.shipped)
        from quizcards.checker.judge import has_fractions  # the judge loads after first paint

        return run.observation is not None and has_fractions(run.observation.result)

    # -- answering -----------------------------------------------------------------------
    def attempt(self, shown: ShownCard, text: str) -> Attempt:
        return Attempt(shown, text, self.monotonic() - shown.started)

    def check_now(self, attempt: Attempt) -> Verdict | None:
        """The verdict when no code has to run for it (None: use `check` on a thread)."""
        shown = attempt.shown
        return self.checker.check_now(shown.deck, shown.card, attempt.text, seed=shown.seed,
                                      values=shown.values, seconds=attempt.seconds,
                                      shipped=shown.shipped)

    def check(self, attempt: Attempt) -> Verdict:
        """The verdict (may run code: blocking: call it from a worker thread)."""
        return check(self.checker, attempt)

    def record(self, attempt: Attempt, verdict: Verdict, grade: int) -> Graded:
        """Log the answer with `grade`, and move the session on. Raises StoreError when it
        cannot be recorded (read-only, taken over, answered elsewhere since it was shown);
        the card then leaves this session."""
        from quizcards.errors import StoreError

        shown = attempt.shown
        try:
            recorded = self.library.store.record(Answer(
                shown.key[0], shown.key[1], grade, verdict.suggested_grade, attempt.text,
                {**verdict.to_json(), "seed": shown.seed}, int(attempt.seconds * 1000),
                shown_version=shown.version, day=self.session.day), self.clock())
        except StoreError:
            self.session.skip(shown.key)
            raise
        repeat = self.session.wants_repeat(recorded.state)
        self.session.done(shown.key, repeat)
        return Graded(shown.key, grade, recorded.became_leech, repeat)

    # -- other actions -------------------------------------------------------------------
    def undo(self) -> Undone | None:
        """Take back the last answer; its card is shown again next. Raises StoreError."""
        undone = self.library.store.undo_last()
        if undone is not None:
            self.session.put_back(undone.key)
        return undone

    def suspend(self, shown: ShownCard) -> None:
        """Out of every review until unsuspended (in the browser). Raises StoreError."""
        self.library.set_suspended(shown.key, True)
        self.session.skip(shown.key)

    def bury(self, shown: ShownCard) -> None:
        """Out of today's review. Raises StoreError."""
        self.library.store.bury(shown.key, self.library.today(self.clock()))
        self.session.skip(shown.key)
