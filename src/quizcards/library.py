"""The user's library: decks (shipped + own), the store and the config, wired together.

Shared by the CLI and the UI so both build today's queue and stats the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards import paths
from quizcards.clock import now_utc
from quizcards.config import Config, load_config
from quizcards.core.day import day_to_iso
from quizcards.core.models import CardBase, Deck
from quizcards.core.queue import CardRef, Flags, Key, Queue, Summary, build_queue
from quizcards.decks.loader import LoadedDeck, LoadResult, load_paths
from quizcards.store.db import Answer, HistoryEntry, Store, Undone
from quizcards.store.lease import Owner

# the store's result types, for the front ends (which import no store module)
__all__ = ["CardDetail", "DeckCounts", "HistoryEntry", "Library", "Owner", "StatsReport",
           "TodayStats", "Undone"]

if TYPE_CHECKING:
    from quizcards.core.exam import ExamCard
    from quizcards.decks.cache import DeckCache


def deck_folders() -> list[Path]:
    folders = [paths.shipped_decks_dir()]
    own = paths.user_decks_dir()
    if own.is_dir():
        folders.append(own)
    return folders


def _cache_beside(db_path: Path) -> DeckCache:
    from quizcards.decks.cache import DeckCache

    return DeckCache(db_path.with_name(db_path.stem + "-decks.cache"))


@dataclass(frozen=True)
class DeckCounts:
    """What reviewing one deck alone would give today, within the daily limits."""

    new: int
    learning: int  # same-session repeats
    due: int
    cards: int


@dataclass(frozen=True)
class TodayStats:
    """`quizcards stats` and the home screen's numbers (to_json: the --json contract)."""

    day: str
    scheduler: str
    due_today: int
    learning_today: int
    reviewed_today: int
    new_left_today: int
    retention_30d: float | None
    streak: int
    decks: dict[str, DeckCounts]
    leeches: list[str]
    orphaned: list[str]
    deck_problems: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Kept:
    """Recalls after a delay and how many were kept (graded 3 or more)."""

    recalls: int = 0
    kept: int = 0


@dataclass(frozen=True)
class HardCard:
    key: Key
    lapses: int
    reviews: int
    leech: bool


@dataclass(frozen=True)
class StatsReport:
    """The stats screen's figures."""

    today: int
    per_day: dict[int, int]  # answers per study day, the last ~year
    forecast: dict[int, int]  # cards due per day, the next 30 days (overdue counted today)
    retention_by_deck: dict[str, Kept]
    retention_by_tag: dict[str, Kept]
    hardest: list[HardCard]


@dataclass(frozen=True)
class CardDetail:
    """One card's schedule and history, for the browser."""

    state: Any  # the scheduler's State, None before the first answer
    history: list[HistoryEntry]

    @property
    def last_values(self) -> dict[str, Any] | None:
        """The values its last showing drew (None: never answered, or not recorded)."""
        return self.history[-1].params if self.history else None


@dataclass
class Library:
    config: Config
    decks: LoadResult
    store: Store
    deck_paths: list[Path] = field(default_factory=list)
    _refs: list[CardRef] | None = field(default=None, repr=False)
    _index: dict[Key, tuple[int, CardRef]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, deck_paths: Iterable[Path] | None = None, config: Config | None = None,
             db_path: Path | None = None) -> Library:
        config = config or load_config()
        folders = list(deck_paths) if deck_paths is not None else deck_folders()
        db_path = db_path or paths.database_path()
        decks = load_paths(folders, _cache_beside(db_path))
        store = Store.open(db_path, config.scheduler, config.day_rule, config.fsrs_settings)
        return cls(config, decks, store, folders)

    def reload(self) -> list[str]:
        """Load the decks again (after an edit); returns the problems found, as text.
        Only the decks whose files changed are parsed again."""
        self.decks = load_paths(self.deck_paths, _cache_beside(self.store.path))
        self._refs = None
        return [str(p) for p in self.decks.problems]

    def close(self) -> None:
        self.store.close()

    # -- cards ---------------------------------------------------------------------------
    def refs(self) -> list[CardRef]:
        """Every loaded card in deck order, with the deck's tags merged into the card's."""
        if self._refs is None:
            self._refs = [
                CardRef(d.deck.id, c.id, frozenset(d.deck.tags) | frozenset(c.tags))
                for d in self.decks.decks
                for c in d.deck.items()  # a cloze card: one item per deletion number
            ]
            self._index = {ref.key: (i, ref) for i, ref in enumerate(self._refs)}
        return self._refs

    def lookup(self, key: Key) -> tuple[LoadedDeck, CardBase] | None:
        loaded = self.decks.deck(key[0])
        card = loaded.card(key[1]) if loaded else None
        return (loaded, card) if loaded and card else None

    def card_location(self, key: Key) -> tuple[Path, int] | None:
        """The deck file holding the card and the card's line in it (for $EDITOR)."""
        loaded = self.decks.deck(key[0])
        if loaded is None:
            return None
        return loaded.path, loaded.card_lines.get(key[1], 1)

    def deck(self, deck_id: str) -> Deck | None:
        loaded = self.decks.deck(deck_id)
        return loaded.deck if loaded else None

    def exam_plan_cards(self) -> list[ExamCard]:
        """Every card an exam may ask here: gradable kinds whose version gates are met."""
        from quizcards.core.exam import ExamCard
        from quizcards.installed import gate

        return [
            ExamCard(d.deck.id, c.id, c.kind, frozenset(d.deck.tags) | frozenset(c.tags))  # type: ignore[attr-defined]
            for d in self.decks.decks
            for c in d.deck.items()
            if not (c.executable and gate(d.deck, c))
        ]

    def orphans(self) -> list[Key]:
        """Cards with history whose id is no longer in any loaded deck (kept, reported)."""
        known = {r.key for r in self.refs()}
        return sorted(k for k in self.store.summaries() if k not in known)

    # -- today ---------------------------------------------------------------------------
    def today(self, now: datetime | None = None) -> int:
        return self.config.day_rule.day_of(now or now_utc())

    def queue(self, now: datetime | None = None, decks: Iterable[str] | None = None,
              tags: Iterable[str] | None = None) -> Queue:
        day = self.today(now)
        refs = self.refs()
        return build_queue(refs, self.store.queue_inputs(day), self.store.flags(), day,
                           self.config.limits, self.store.done_today(day), decks, tags,
                           self._index)

    def deck_counts(self, now: datetime | None = None) -> dict[str, DeckCounts]:
        """Per deck, what reviewing that deck alone would give today: new, learning (same-
        session repeats) and due cards, within the daily limits (as Anki's deck list does)."""
        counts = {}
        for loaded in self.decks.decks:
            queue = self.queue(now, decks=[loaded.deck.id])
            counts[loaded.deck.id] = DeckCounts(len(queue.new), len(queue.repeats),
                                                len(queue.reviews), len(loaded.deck.items()))
        return counts

    def stats(self, now: datetime | None = None) -> TodayStats:
        from quizcards.store import stats

        day = self.today(now)
        queue = self.queue(now)
        return TodayStats(
            day=day_to_iso(day),
            scheduler=self.config.scheduler,
            due_today=len(queue.reviews),
            learning_today=len(queue.repeats),
            reviewed_today=stats.reviewed_on(self.store, day),
            new_left_today=len(queue.new),
            retention_30d=stats.retention(self.store, day),
            streak=stats.streak(self.store, day),
            decks=self.deck_counts(now),
            leeches=[f"{d}/{c}" for d, c in self.store.leeches()],
            orphaned=[f"{d}/{c}" for d, c in self.orphans()],
            deck_problems=[str(p) for p in self.decks.problems],
        )

    def stats_report(self, now: datetime | None = None) -> StatsReport:
        from quizcards.store import stats

        today = self.today(now)
        by_deck: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.refs()
        for deck_id, card_id, grade in stats.recalls(self.store, today):
            found = self._index.get((deck_id, card_id))
            tags = found[1].tags if found else frozenset()
            for bucket in [by_deck[deck_id], *(by_tag[t] for t in tags)]:
                bucket[0] += 1
                bucket[1] += grade >= 3
        leeches = set(self.store.leeches())
        return StatsReport(
            today, stats.reviews_per_day(self.store, today - 380),
            stats.forecast(self.store, today, 30),
            {d: Kept(*v) for d, v in sorted(by_deck.items())},
            {t: Kept(*v) for t, v in sorted(by_tag.items())},
            [HardCard((d, c), lapses, n, (d, c) in leeches)
             for d, c, lapses, n in stats.hardest(self.store, 10)])

    # -- one card ------------------------------------------------------------------------
    def summaries(self) -> dict[Key, Summary]:
        return self.store.summaries()

    def flags(self) -> dict[Key, Flags]:
        return self.store.flags()

    def card_detail(self, key: Key) -> CardDetail:
        return CardDetail(self.store.state(key), self.store.history(key))

    def set_suspended(self, key: Key, suspended: bool) -> None:
        """Raises StoreError (read-only, taken over)."""
        self.store.set_suspended(key, suspended)

    # -- the profile ---------------------------------------------------------------------
    def claim(self, take_over: bool = False, when: datetime | None = None) -> Owner | None:
        """Become the app that records on this profile; the other owner when one is
        running (nothing claimed then, unless `take_over`)."""
        return self.store.claim(take_over=take_over, when=when)

    def release(self) -> None:
        self.store.release()

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self.store.read_only = value

    # -- exams ---------------------------------------------------------------------------
    def last_exam(self, selection: str) -> dict[str, Any] | None:
        return self.store.last_exam(selection)

    def save_exam(self, selection: str, score: int, total: int, report: dict[str, Any],
                  when: datetime | None = None) -> None:
        self.store.save_exam(selection, score, total, report, when)

    def record_exam_answer(self, key: Key, grade: int, answer: str,
                           verdict: dict[str, Any], seconds: float,
                           when: datetime | None = None) -> None:
        """--record: an exam answer into the review log with its suggested grade."""
        self.store.record(Answer(key[0], key[1], grade, grade, answer,
                                 {**verdict, "exam": True}, int(seconds * 1000)), when)
