"""The user's library: decks (shipped + own), the store and the config, wired together.

Shared by the CLI and the UI so both build today's queue and stats the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards import paths
from quizcards.config import Config, load_config
from quizcards.core.day import day_to_iso
from quizcards.core.models import CardBase, Deck
from quizcards.core.queue import CardRef, Key, Queue, build_queue
from quizcards.decks.loader import LoadedDeck, LoadResult, load_paths
from quizcards.store.db import Store, now_utc

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
                for c in d.deck.cards
            ]
            self._index = {ref.key: (i, ref) for i, ref in enumerate(self._refs)}
        return self._refs

    def lookup(self, key: Key) -> tuple[LoadedDeck, CardBase] | None:
        loaded = self.decks.deck(key[0])
        card = loaded.card(key[1]) if loaded else None
        return (loaded, card) if loaded and card else None

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
            for c in d.deck.cards
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

    def deck_counts(self, now: datetime | None = None) -> dict[str, dict[str, int]]:
        """Per deck, what reviewing that deck alone would give today: new, learning (same-
        session repeats) and due cards, within the daily limits (as Anki's deck list does)."""
        counts = {}
        for loaded in self.decks.decks:
            queue = self.queue(now, decks=[loaded.deck.id])
            counts[loaded.deck.id] = {"new": len(queue.new), "learning": len(queue.repeats),
                                      "due": len(queue.reviews),
                                      "cards": len(loaded.deck.cards)}
        return counts

    def stats(self, now: datetime | None = None) -> dict[str, Any]:
        from quizcards.store import stats

        day = self.today(now)
        queue = self.queue(now)
        return {
            "day": day_to_iso(day),
            "scheduler": self.config.scheduler,
            "due_today": len(queue.reviews),
            "learning_today": len(queue.repeats),
            "reviewed_today": stats.reviewed_on(self.store, day),
            "new_left_today": len(queue.new),
            "retention_30d": stats.retention(self.store, day),
            "streak": stats.streak(self.store, day),
            "decks": self.deck_counts(now),
            "leeches": [f"{d}/{c}" for d, c in self.store.leeches()],
            "orphaned": [f"{d}/{c}" for d, c in self.orphans()],
            "deck_problems": [str(p) for p in self.decks.problems],
        }
