"""Today's queue: due reviews (most overdue first), then same-session repeats, then new cards
in deck order, within the daily limits. Pure: the caller passes states, flags and the day.

A parametrised card is one card whatever params a review draws, so its variants share one
place in the queue, one limit slot, and one suspend/bury.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

Key = tuple[str, str]  # (deck id, card id)


@dataclass(frozen=True, slots=True)
class CardRef:
    deck_id: str
    card_id: str
    tags: frozenset[str] = frozenset()

    @property
    def key(self) -> Key:
        return (self.deck_id, self.card_id)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the queue needs of a card's scheduling state."""

    due_day: int | None
    last_day: int | None
    repeat_pending: bool
    reviews: int
    lapses: int = 0  # not used by the queue; shown by the browser


@dataclass(frozen=True, slots=True)
class Flags:
    suspended: bool = False
    buried_day: int | None = None  # buried for this study day only
    leech: bool = False

    def hides_on(self, day: int) -> bool:
        """Kept out of the queue on this study day: suspended, or buried for it."""
        return self.suspended or self.buried_day == day


@dataclass(frozen=True)
class DailyLimits:
    new_per_day: int = 20
    reviews_per_day: int = 200
    per_deck: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def for_deck(self, deck_id: str) -> tuple[int | None, int | None]:
        return self.per_deck.get(deck_id, (None, None))


@dataclass(frozen=True)
class DoneToday:
    """What was already answered today: first answers of new cards, and reviews."""

    new: Mapping[str, int] = field(default_factory=dict)  # per deck
    reviews: Mapping[str, int] = field(default_factory=dict)

    @property
    def total_new(self) -> int:
        return sum(self.new.values())

    @property
    def total_reviews(self) -> int:
        return sum(self.reviews.values())


@dataclass(frozen=True)
class Queue:
    reviews: list[Key]
    repeats: list[Key]
    new: list[Key]
    day: int | None = None  # the study day it was built for: a session on it keeps that day

    @property
    def cards(self) -> list[Key]:
        return [*self.reviews, *self.repeats, *self.new]

    def __len__(self) -> int:
        return len(self.reviews) + len(self.repeats) + len(self.new)


@dataclass(frozen=True)
class QueueInputs:
    """The scheduling facts the queue needs, as the store can read them cheaply."""

    seen: Container[Key]  # cards answered at least once
    # (due day, key) of seen cards due by today and not waiting for a repeat, in ascending
    # due-day order; consumed lazily, so only as much is read as the limits can take
    due: Iterable[tuple[int, Key]]
    repeats: list[Key]  # cards waiting for a same-session repeat today


def inputs_from_summaries(states: Mapping[Key, Summary], day: int) -> QueueInputs:
    """QueueInputs from full summaries (the store reads them with indexed queries instead)."""
    seen = {k for k, s in states.items() if s.reviews > 0}
    repeats = [k for k in seen if states[k].repeat_pending and states[k].last_day == day]
    skip = set(repeats)
    due: list[tuple[int, Key]] = []
    for k in seen - skip:
        due_day = states[k].due_day
        if due_day is not None and due_day <= day:
            due.append((due_day, k))
    return QueueInputs(seen, sorted(due), repeats)


def index_of(cards: Sequence[CardRef]) -> dict[Key, tuple[int, CardRef]]:
    """Each card's key to its deck-order position and ref (what `index` arguments take)."""
    return {ref.key: (i, ref) for i, ref in enumerate(cards)}


def build_queue(
    cards: Sequence[CardRef],
    facts: QueueInputs,
    flags: Mapping[Key, Flags],
    day: int,
    limits: DailyLimits,
    done: DoneToday | None = None,
    decks: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    index: Mapping[Key, tuple[int, CardRef]] | None = None,
) -> Queue:
    """Today's cards in the order they are shown. `cards` is in deck order; `index` maps a
    key to (position, ref) and may be passed in when cached (it is derived from `cards`)."""
    done = done or DoneToday()
    if index is None:
        index = index_of(cards)
    deck_filter = set(decks) if decks else None
    tag_filter = set(tags) if tags else None

    def wanted(key: Key) -> int | None:
        """The card's deck-order position when it belongs in today's queue, else None."""
        entry = index.get(key)
        if entry is None:  # no longer in any loaded deck: history kept, not shown
            return None
        order, ref = entry
        if deck_filter is not None and ref.deck_id not in deck_filter:
            return None
        if tag_filter is not None and not (tag_filter & ref.tags):
            return None
        flag = flags.get(key)
        if flag is not None and flag.hides_on(day):
            return None
        return order

    def due_in_order() -> Iterator[tuple[str, Key]]:
        """Most overdue first; within one due day, deck order. Reads one day at a time."""
        group: list[tuple[int, Key]] = []
        current: int | None = None
        for due_day, key in facts.due:
            if due_day != current:
                yield from ((k[0], k) for _, k in sorted(group))
                group, current = [], due_day
            order = wanted(key)
            if order is not None:
                group.append((order, key))
        yield from ((k[0], k) for _, k in sorted(group))

    repeats = sorted((o, k) for k in facts.repeats if (o := wanted(k)) is not None)
    reviews_left = max(0, limits.reviews_per_day - done.total_reviews)
    review_keys = _take(due_in_order(), reviews_left, limits, done, kind=1)
    new_left = max(0, limits.new_per_day - done.total_new)
    fresh = (
        (ref.deck_id, ref.key) for ref in cards
        if ref.key not in facts.seen and wanted(ref.key) is not None
    )
    new_keys = _take(fresh, new_left, limits, done, kind=0)
    return Queue(review_keys, [k for _, k in repeats], new_keys, day)


def _take(
    items: Iterable[tuple[str, Key]], total: int, limits: DailyLimits, done: DoneToday, kind: int
) -> list[Key]:
    """Up to `total` keys, honouring per-deck limits (kind 0: new, 1: reviews)."""
    taken: list[Key] = []
    per_deck: dict[str, int] = {}
    if total <= 0:
        return taken
    for deck_id, key in items:
        cap = limits.for_deck(deck_id)[kind]
        if cap is not None:
            already = (done.new if kind == 0 else done.reviews).get(deck_id, 0)
            if per_deck.get(deck_id, 0) + already >= cap:
                continue
        per_deck[deck_id] = per_deck.get(deck_id, 0) + 1
        taken.append(key)
        if len(taken) >= total:
            break
    return taken


@dataclass(frozen=True, slots=True)
class DeckToday:
    """What reviewing one deck alone would give today."""

    new: int
    repeats: int
    reviews: int


def deck_counts(
    cards: Sequence[CardRef],
    facts: QueueInputs,
    flags: Mapping[Key, Flags],
    day: int,
    limits: DailyLimits,
    done: DoneToday | None = None,
    index: Mapping[Key, tuple[int, CardRef]] | None = None,
) -> dict[str, DeckToday]:
    """For every deck in `cards`, the counts `build_queue(..., decks=[deck])` would give,
    found in one pass over the cards and the due list instead of one queue per deck (the
    home screen's deck list at 50 decks and 50,000 cards). `index` as for build_queue."""
    done = done or DoneToday()
    if index is None:
        index = index_of(cards)
    hidden = {key for key, flag in flags.items() if flag.hides_on(day)}

    def shown(key: Key) -> str | None:
        """The card's deck when it may be shown today, else None."""
        entry = index.get(key)
        return None if entry is None or key in hidden else entry[1].deck_id

    available: dict[str, list[int]] = {ref.deck_id: [0, 0, 0] for ref in cards}
    seen = facts.seen
    for key, (_, ref) in index.items():
        if key not in seen and key not in hidden:
            available[ref.deck_id][0] += 1
    for key in facts.repeats:
        if (deck_id := shown(key)) is not None:
            available[deck_id][1] += 1
    for _, key in facts.due:
        if (deck_id := shown(key)) is not None:
            available[deck_id][2] += 1
    new_left = max(0, limits.new_per_day - done.total_new)
    reviews_left = max(0, limits.reviews_per_day - done.total_reviews)
    counts = {}
    for deck_id, (new, repeats, due) in available.items():
        new_cap, review_cap = limits.for_deck(deck_id)
        counts[deck_id] = DeckToday(
            _within(new, new_left, new_cap, done.new.get(deck_id, 0)),
            repeats,
            _within(due, reviews_left, review_cap, done.reviews.get(deck_id, 0)))
    return counts


def _within(available: int, total: int, cap: int | None, already: int) -> int:
    """How many of `available` cards of one deck `_take` would take."""
    taken = min(available, total)
    return taken if cap is None else min(taken, max(0, cap - already))
