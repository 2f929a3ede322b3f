"""The user's library: decks (shipped + own), the store and the config, wired together.

Shared by the CLI and the UI so both build today's queue and stats the same way.
"""

from __future__ import annotations

import gc
import os
import stat
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizcards import paths
from quizcards.clock import now_utc
from quizcards.config import Config, load_config, trusted_deck_folders
from quizcards.core.day import day_to_iso
from quizcards.core.models import CardBase, Deck
from quizcards.core.queue import (
    CardRef,
    DeckToday,
    DoneToday,
    Flags,
    Key,
    Queue,
    QueueInputs,
    Summary,
    build_queue,
    deck_counts,
    index_of,
)
from quizcards.decks.loader import (
    LoadedDeck,
    LoadResult,
    Problem,
    deck_files,
    display_path,
    load_paths,
)
from quizcards.store.db import Answer, HistoryEntry, Store, Undone
from quizcards.store.lease import Owner

# the store's result types, for the front ends (which import no store module)
__all__ = ["CardDetail", "DeckCounts", "FolderProblem", "FolderStatus", "HistoryEntry",
           "Library", "Owner", "StatsReport", "TodayStats", "Undone"]

if TYPE_CHECKING:
    from quizcards.core.exam import ExamCard
    from quizcards.decks.cache import DeckCache
    from quizcards.sync import SyncReport


@dataclass(frozen=True)
class FolderProblem:
    """A folder of `deck_folders` that cannot be used now (skipped, never fatal)."""

    path: str
    problem: str  # "no such folder", "not a folder", "cannot be read (permission denied)"


@dataclass(frozen=True)
class FolderStatus:
    """One folder of `deck_folders` as it is now (`quizcards folders list`)."""

    path: str
    exists: bool
    readable: bool
    deck_files: int  # *.yaml and *.yml files under it, at any depth
    problem: str | None  # None: it loads


def _folder_problem(folder: Path) -> str | None:
    """Why decks cannot be loaded from `folder`, or None."""
    try:
        info = os.stat(folder)
        if not stat.S_ISDIR(info.st_mode):
            return "not a folder"
        with os.scandir(folder):
            pass
    except (FileNotFoundError, NotADirectoryError):
        return "no such folder"
    except PermissionError:
        return "cannot be read (permission denied)"
    except OSError as exc:
        return f"cannot be read ({(exc.strerror or str(exc)).lower()})"
    return None


def _configured(config: Config) -> tuple[list[Path], list[FolderProblem]]:
    """The folders decks load from, in order (shipped, the user's, `deck_folders` that can
    be read), and the configured folders that cannot be used."""
    shipped, own, *configured = trusted_deck_folders(config)
    folders = [shipped, *([own] if own.is_dir() else [])]
    problems = []
    for folder in configured:
        problem = _folder_problem(folder)
        if problem is None:
            folders.append(folder)
        else:
            problems.append(FolderProblem(str(folder), problem))
    return folders, problems


def deck_folders(config: Config | None = None) -> list[Path]:
    """The folders decks load from: the shipped decks, the user's deck folder (when there
    is one) and the folders of `deck_folders` that can be read."""
    return _configured(config or load_config())[0]


def folder_statuses(config: Config) -> list[FolderStatus]:
    """Each folder of `deck_folders`: there, readable, how many deck files it holds."""
    statuses = []
    for folder in config.deck_folders:
        problem = _folder_problem(folder)
        count = sum(1 for _ in deck_files([folder])) if problem is None else 0
        statuses.append(FolderStatus(str(folder), problem not in ("no such folder",
                                                                 "not a folder"),
                                     problem is None, count, problem))
    return statuses


def _load_decks(folders: list[Path], cache: DeckCache) -> LoadResult:
    """Every deck under `folders` whose real path is in one of them, each file once (a folder
    listed twice or inside another adds nothing). A link out of them is reported and not
    loaded: what loads here is reviewed, and review runs a deck's code without asking."""
    real_folders = [folder.resolve() for folder in folders]
    files, seen, outside = [], set(), []
    for path in deck_files(folders):
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        if not paths.within(real, real_folders):
            opened = next((why for folder in real_folders if real.is_relative_to(folder)
                           and (why := paths.open_to_others(real, folder)) is not None), None)
            outside.append(Problem(
                display_path(path), 1, 1, path.stem, None,
                f"not loaded: {opened}, so another user could put code in it (make it "
                "yours alone, e.g. `chmod o-w`)" if opened is not None else
                f"not loaded: a link to {real}, outside your deck folders (add the folder it "
                "is in with `quizcards folders add DIR`)"))
            continue
        files.append(path)
    result = load_paths(files, cache)
    # asked again of where each deck's bytes were really read from: a link swapped between
    # the look above and the read lends no trust either
    for loaded in [d for d in result.decks
                   if d.real is not None and not paths.within(d.real, real_folders)]:
        result.decks.remove(loaded)
        outside.append(Problem(display_path(loaded.path), 1, 1, loaded.deck.id, None,
                               f"not loaded: read from {loaded.real}, outside your deck "
                               "folders"))
    result.problems.extend(outside)
    return result


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
    folder_problems: list[FolderProblem] = field(default_factory=list)

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


FREEZE_AT = 5_000  # cards: a library this large is frozen out of the garbage collector


@dataclass
class Library:
    config: Config
    decks: LoadResult
    store: Store
    deck_paths: list[Path] = field(default_factory=list)
    folder_problems: list[FolderProblem] = field(default_factory=list)
    own_folders: bool = False  # deck_paths are the configured ones (looked at again on reload)
    _refs: list[CardRef] | None = field(default=None, repr=False)
    _index: dict[Key, tuple[int, CardRef]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, deck_paths: Iterable[Path] | None = None, config: Config | None = None,
             db_path: Path | None = None) -> Library:
        config = config or load_config()
        if deck_paths is None:
            folders, problems = _configured(config)
        else:
            folders, problems = list(deck_paths), []
        db_path = db_path or paths.database_path()
        store = Store.open(db_path, config.scheduler, config.day_rule, config.fsrs_settings)
        library = cls(config, LoadResult(), store, folders, problems, deck_paths is None)
        library._load()
        return library

    def reload(self) -> list[str]:
        """Load the decks again (after an edit); returns the problems found, as text.
        Only the decks whose files changed are parsed again; a configured folder that was
        missing and is back loads too."""
        if self.own_folders:
            self.deck_paths, self.folder_problems = _configured(self.config)
        self._load()
        return [str(p) for p in self.decks.problems]

    def _load(self) -> None:
        """The decks, and the card index built from them, with the garbage collector paused:
        a load allocates tens of thousands of objects that all live on, and the collector
        would walk them again and again for nothing (2.1 s of a 3.4 s start at 50,000
        cards). After a large load they are frozen out of its sight for good."""
        paused = gc.isenabled()
        gc.disable()
        try:
            self.decks = _load_decks(self.deck_paths, _cache_beside(self.store.path))
            self._refs = None
            cards = len(self.refs())
        finally:
            if paused:
                gc.enable()
        if cards >= FREEZE_AT:
            gc.freeze()

    def close(self) -> None:
        self.store.close()

    # -- cards ---------------------------------------------------------------------------
    def refs(self) -> list[CardRef]:
        """Every loaded card in deck order, with the deck's tags merged into the card's."""
        if self._refs is None:
            self._refs = []
            for d in self.decks.decks:
                deck_id, deck_tags = d.deck.id, frozenset(d.deck.tags)
                self._refs.extend(  # a cloze card: one item per deletion number
                    CardRef(deck_id, c.id, deck_tags | frozenset(c.tags) if c.tags else deck_tags)
                    for c in d.deck.items())
            self._index = index_of(self._refs)
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
        self.refs()
        return sorted(k for k in self.store.card_keys() if k not in self._index)

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

    def _today_inputs(self, day: int) -> tuple[QueueInputs, dict[Key, Flags], DoneToday]:
        """What the queue and the deck counts read from the store, read once (the due list
        made a list so that both may go through it)."""
        facts = self.store.queue_inputs(day)
        facts = QueueInputs(facts.seen, list(facts.due), facts.repeats)
        return facts, self.store.flags(), self.store.done_today(day)

    def deck_counts(self, now: datetime | None = None) -> dict[str, DeckCounts]:
        """Per deck, what reviewing that deck alone would give today: new, learning (same-
        session repeats) and due cards, within the daily limits (as Anki's deck list does).
        One pass over the cards and the store, however many decks there are."""
        day = self.today(now)
        return self._deck_counts(day, *self._today_inputs(day))

    def _deck_counts(self, day: int, facts: QueueInputs, flags: dict[Key, Flags],
                     done: DoneToday) -> dict[str, DeckCounts]:
        refs = self.refs()
        today = deck_counts(refs, facts, flags, day, self.config.limits, done, self._index)
        items = Counter(ref.deck_id for ref in refs)  # the refs are the decks' items, made once
        counts = {}
        for loaded in self.decks.decks:
            deck = today.get(loaded.deck.id, DeckToday(0, 0, 0))  # a deck with no cards
            counts[loaded.deck.id] = DeckCounts(deck.new, deck.repeats, deck.reviews,
                                                items[loaded.deck.id])
        return counts

    def stats(self, now: datetime | None = None) -> TodayStats:
        from quizcards.store import stats

        day = self.today(now)
        facts, flags, done = self._today_inputs(day)
        queue = build_queue(self.refs(), facts, flags, day, self.config.limits, done,
                            index=self._index)
        return TodayStats(
            day=day_to_iso(day),
            scheduler=self.config.scheduler,
            due_today=len(queue.reviews),
            learning_today=len(queue.repeats),
            reviewed_today=stats.reviewed_on(self.store, day),
            new_left_today=len(queue.new),
            retention_30d=stats.retention(self.store, day),
            streak=stats.streak(self.store, day),
            decks=self._deck_counts(day, facts, flags, done),
            leeches=[f"{d}/{c}" for d, c in self.store.leeches()],
            orphaned=[f"{d}/{c}" for d, c in self.orphans()],
            deck_problems=[str(p) for p in self.decks.problems],
            folder_problems=list(self.folder_problems),
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
    def sync(self, folder: Path | None = None) -> SyncReport:
        """Sync through `folder` (default: `sync_dir` in the config). Raises UsageError when
        there is neither, SyncError when the folder cannot be used, StoreError (read-only)."""
        from quizcards.errors import UsageError
        from quizcards.sync import sync_folder

        folder = folder or self.config.sync_path
        if folder is None:
            raise UsageError("which folder? `quizcards sync DIR`, or set sync_dir in "
                             "config.toml")
        return sync_folder(self.store, folder)

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
