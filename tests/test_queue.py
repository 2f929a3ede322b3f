"""Today's queue with a fake clock: order, limits, rollover, filters, suspend, bury, leeches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizcards.core.day import DayRule
from quizcards.core.queue import (
    CardRef,
    DailyLimits,
    QueueInputs,
    build_queue,
    inputs_from_summaries,
)
from quizcards.core.session import Session
from quizcards.store.db import Answer, Store

RULE = DayRule(4, UTC)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00


def refs(n: int, deck: str = "d", tags: frozenset[str] = frozenset()) -> list[CardRef]:
    return [CardRef(deck, f"c{i:02d}", tags) for i in range(n)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "q.sqlite3", "sm2", RULE)
    yield s
    s.close()


def queue(store: Store, cards: list[CardRef], now: datetime, limits: DailyLimits | None = None,
          **kw):
    day = RULE.day_of(now)
    facts = store.queue_inputs(day)
    facts = QueueInputs(facts.seen, list(facts.due), facts.repeats)
    # the store's indexed reads agree with the plain derivation from full summaries
    slow = inputs_from_summaries(store.summaries(), day)
    assert (facts.seen, sorted(facts.due), sorted(facts.repeats)) == (
        slow.seen, sorted(slow.due), sorted(slow.repeats))
    return build_queue(cards, facts, store.flags(), day,
                       limits or DailyLimits(), store.done_today(day), **kw)


def test_day_rolls_over_at_four_am() -> None:
    assert RULE.day_of(datetime(2026, 3, 3, 3, 59, tzinfo=UTC)) == RULE.day_of(T0)
    assert RULE.day_of(datetime(2026, 3, 3, 4, 0, tzinfo=UTC)) == RULE.day_of(T0) + 1
    assert DayRule(0, UTC).day_of(datetime(2026, 3, 3, 0, 0, tzinfo=UTC)) == RULE.day_of(T0) + 1


def test_new_cards_in_deck_order_within_the_daily_limit(store: Store) -> None:
    cards = refs(30)
    q = queue(store, cards, T0, DailyLimits(new_per_day=5))
    assert q.new == [("d", f"c{i:02d}") for i in range(5)]
    for key in q.new[:3]:
        store.record(Answer(*key, grade=5), T0)
    q = queue(store, cards, T0 + timedelta(hours=1), DailyLimits(new_per_day=5))
    assert q.new == [("d", "c03"), ("d", "c04")]  # 3 of today's 5 are used
    assert q.reviews == [] and q.repeats == []


def test_order_due_then_repeats_then_new_across_rollover(store: Store) -> None:
    cards = refs(6)
    store.record(Answer("d", "c00", grade=5), T0)           # due in 1 day
    store.record(Answer("d", "c01", grade=5), T0 - timedelta(days=3))  # overdue by 2
    store.record(Answer("d", "c02", grade=2), T0)           # failed: repeat today
    q = queue(store, cards, T0)
    assert q.reviews == [("d", "c01")]
    assert q.repeats == [("d", "c02")]
    assert q.new[:2] == [("d", "c03"), ("d", "c04")]
    # 03:59 next morning is still the same study day
    late = datetime(2026, 3, 3, 3, 59, tzinfo=UTC)
    assert queue(store, cards, late).repeats == [("d", "c02")]
    # at 04:00 the day rolls over: repeats are gone, c00 and c02 fall due, c01 most overdue
    morning = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    q = queue(store, cards, morning)
    assert q.repeats == []
    assert q.reviews == [("d", "c01"), ("d", "c00"), ("d", "c02")]


def test_review_limit_takes_the_most_overdue(store: Store) -> None:
    cards = refs(5)
    for i, key in enumerate(c.key for c in cards):
        store.record(Answer(*key, grade=5), T0 - timedelta(days=10 - i))
    q = queue(store, cards, T0, DailyLimits(reviews_per_day=2))
    assert q.reviews == [("d", "c00"), ("d", "c01")]


def test_per_deck_limits_and_filters(store: Store) -> None:
    cards = refs(5, "a", frozenset({"x"})) + refs(5, "b", frozenset({"y"}))
    limits = DailyLimits(new_per_day=6, per_deck={"a": (2, None)})
    q = queue(store, cards, T0, limits)
    assert [k for k in q.new if k[0] == "a"] == [("a", "c00"), ("a", "c01")]
    assert len(q.new) == 6
    assert {k[0] for k in queue(store, cards, T0, decks=["b"]).new} == {"b"}
    assert {k[0] for k in queue(store, cards, T0, tags=["x"]).new} == {"a"}


def test_suspend_and_bury(store: Store) -> None:
    cards = refs(3)
    day = RULE.day_of(T0)
    store.set_suspended(("d", "c00"), True)
    store.bury(("d", "c01"), day)
    assert queue(store, cards, T0).new == [("d", "c02")]
    assert ("d", "c01") in queue(store, cards, T0 + timedelta(days=1)).new  # bury ends
    store.set_suspended(("d", "c00"), False)
    assert ("d", "c00") in queue(store, cards, T0).new


def test_eight_lapses_make_a_leech(store: Store) -> None:
    key = ("d", "c00")
    now = T0
    store.record(Answer(*key, grade=5), now)
    became = []
    for _ in range(8):
        now += timedelta(days=2)
        became.append(store.record(Answer(*key, grade=1), now).became_leech)
    assert became == [False] * 7 + [True]
    assert store.leeches() == [key]
    assert store.flags()[key].suspended
    assert queue(store, refs(1), now + timedelta(days=5)).cards == []


def test_session_brings_failed_cards_back_after_a_gap() -> None:
    from quizcards.core.queue import Queue

    new = [("d", f"n{i}") for i in range(6)]
    s = Session.from_queue(Queue([("d", "r")], [], new))
    assert s.peek() == ("d", "r")
    s.done(("d", "r"), repeat=True)  # missed: back after 3 other cards
    shown = []
    for _ in range(3):
        key = s.peek()
        shown.append(key)
        s.done(key, repeat=False)  # type: ignore[arg-type]
    assert shown == new[:3]
    assert s.peek() == ("d", "r")  # the gap has passed: repeats come before new cards


def test_two_missed_cards_do_not_ping_pong_while_new_cards_wait() -> None:
    from quizcards.core.queue import Queue

    s = Session.from_queue(Queue([], [], [("d", "a"), ("d", "b"), ("d", "c"), ("d", "e")]))
    order = []
    for _ in range(6):
        key = s.peek()
        order.append(key[1])  # type: ignore[index]
        s.done(key, repeat=key[1] in ("a", "b"))  # type: ignore[arg-type]
    assert order[:4] == ["a", "b", "c", "e"]  # new cards are not starved by repeats
    assert order[4:] == ["a", "b"]


def test_the_last_card_may_repeat_at_once() -> None:
    from quizcards.core.queue import Queue

    s = Session.from_queue(Queue([], [], [("d", "n")]))
    s.done(("d", "n"), repeat=True)
    assert s.peek() == ("d", "n")
    s.done(("d", "n"), repeat=False)
    assert s.peek() is None and s.answered == 2


def test_many_missed_cards_still_let_new_cards_through() -> None:
    from quizcards.core.queue import Queue

    s = Session.from_queue(Queue([], [], [("d", f"n{i}") for i in range(12)]))
    seen_new = []
    for _ in range(30):  # the learner misses every card, for ever
        key = s.peek()
        assert key is not None
        if key not in seen_new and key[1].startswith("n"):
            seen_new.append(key)
        s.done(key, repeat=True)
    assert len(seen_new) >= 10  # new cards keep coming at least every other card
