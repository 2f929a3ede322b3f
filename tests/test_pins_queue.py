"""Pins for today's queue (core/queue.py): the daily limits, answers already given today,
per-deck caps, order and filters. Pure: summaries in, keys out, no store.

Each test here was seen to fail with a one-token change of the code it pins (issue 17)."""

from __future__ import annotations

from quizcards.core.queue import (
    CardRef,
    DailyLimits,
    DoneToday,
    Flags,
    Key,
    Queue,
    Summary,
    build_queue,
    inputs_from_summaries,
)

DAY = 740_000


def refs(deck: str, n: int, tags: frozenset[str] = frozenset()) -> list[CardRef]:
    return [CardRef(deck, f"{deck}{i}", tags) for i in range(n)]


def due(day: int = DAY, *, last: int | None = None, pending: bool = False) -> Summary:
    """A card seen before and due on `day`."""
    return Summary(due_day=day, last_day=DAY - 5 if last is None else last,
                   repeat_pending=pending, reviews=3)


def build(cards: list[CardRef], states: dict[Key, Summary], limits: DailyLimits,
          done: DoneToday | None = None, flags: dict[Key, Flags] | None = None,
          **kw: object) -> Queue:
    return build_queue(cards, inputs_from_summaries(states, DAY), flags or {}, DAY, limits,
                       done, **kw)  # type: ignore[arg-type]


def all_due(cards: list[CardRef]) -> dict[Key, Summary]:
    return {c.key: due() for c in cards}


# -- the daily review limit -----------------------------------------------------------------
def test_reviews_done_today_reduce_the_daily_review_limit() -> None:
    cards = refs("d", 10)
    q = build(cards, all_due(cards), DailyLimits(reviews_per_day=5),
              DoneToday(reviews={"d": 2}))
    assert q.reviews == [c.key for c in cards[:3]]


def test_reviews_done_today_in_any_deck_count_against_the_total() -> None:
    cards = refs("d", 10)
    q = build(cards, all_due(cards), DailyLimits(reviews_per_day=5),
              DoneToday(reviews={"other": 1, "d": 1}))
    assert len(q.reviews) == 3


def test_a_review_limit_used_up_completely_leaves_no_review() -> None:
    cards = refs("d", 4)
    for done in (5, 6):  # exactly used up, and over (a lowered limit)
        q = build(cards, all_due(cards), DailyLimits(reviews_per_day=5),
                  DoneToday(reviews={"d": done}))
        assert q.reviews == []
    q = build(cards, all_due(cards), DailyLimits(reviews_per_day=5), DoneToday(reviews={"d": 4}))
    assert q.reviews == [cards[0].key]  # one left: exactly one


def test_a_review_limit_of_zero_shows_no_review_but_still_new_cards() -> None:
    old, fresh = refs("d", 3), refs("n", 2)
    q = build(old + fresh, all_due(old), DailyLimits(new_per_day=5, reviews_per_day=0))
    assert q.reviews == [] and q.new == [c.key for c in fresh]


def test_the_review_limit_is_a_number_of_cards_exactly() -> None:
    cards = refs("d", 10)
    for limit in (1, 2, 7):
        assert len(build(cards, all_due(cards), DailyLimits(reviews_per_day=limit)).reviews) == \
            limit


# -- the daily new limit --------------------------------------------------------------------
def test_new_cards_answered_today_reduce_the_new_limit() -> None:
    cards = refs("d", 10)
    q = build(cards, {}, DailyLimits(new_per_day=4), DoneToday(new={"d": 1, "x": 1}))
    assert q.new == [c.key for c in cards[:2]]
    assert build(cards, {}, DailyLimits(new_per_day=4), DoneToday(new={"d": 4})).new == []
    assert build(cards, {}, DailyLimits(new_per_day=4), DoneToday(new={"d": 9})).new == []


def test_answers_of_one_kind_do_not_use_the_other_kinds_limit() -> None:
    old, fresh = refs("d", 5), refs("n", 5)
    states = all_due(old)
    q = build(old + fresh, states, DailyLimits(new_per_day=2, reviews_per_day=2),
              DoneToday(new={"n": 2}))
    assert len(q.reviews) == 2 and q.new == []
    q = build(old + fresh, states, DailyLimits(new_per_day=2, reviews_per_day=2),
              DoneToday(reviews={"d": 2}))
    assert q.reviews == [] and len(q.new) == 2


# -- per-deck caps --------------------------------------------------------------------------
def test_a_per_deck_review_cap() -> None:
    a, b = refs("a", 4), refs("b", 4)
    limits = DailyLimits(reviews_per_day=100, per_deck={"a": (None, 2)})
    q = build(a + b, all_due(a + b), limits)
    assert q.reviews == [a[0].key, a[1].key, *(c.key for c in b)]


def test_a_per_deck_cap_of_zero_and_of_one() -> None:
    a, b = refs("a", 3), refs("b", 3)
    q = build(a + b, all_due(a + b), DailyLimits(per_deck={"a": (None, 0), "b": (None, 1)}))
    assert q.reviews == [b[0].key]


def test_a_per_deck_new_cap_leaves_the_reviews_alone() -> None:
    a = refs("a", 6)
    states = all_due(a[:3])
    q = build(a, states, DailyLimits(per_deck={"a": (1, 5)}))
    assert q.new == [a[3].key]
    assert q.reviews == [c.key for c in a[:3]]
    q = build(a, states, DailyLimits(per_deck={"a": (5, 1)}))
    assert q.new == [c.key for c in a[3:]] and q.reviews == [a[0].key]


def test_per_deck_caps_count_the_answers_already_given_today_in_that_deck() -> None:
    a, b = refs("a", 5), refs("b", 5)
    limits = DailyLimits(reviews_per_day=100, per_deck={"a": (None, 3), "b": (None, 3)})
    q = build(a + b, all_due(a + b), limits, DoneToday(reviews={"a": 2}))
    assert q.reviews == [a[0].key, *(c.key for c in b[:3])]
    q = build(a + b, all_due(a + b), limits, DoneToday(reviews={"a": 3, "b": 1}))
    assert q.reviews == [c.key for c in b[:2]]


def test_per_deck_new_caps_count_new_cards_answered_today_not_reviews() -> None:
    a = refs("a", 5)
    limits = DailyLimits(new_per_day=100, per_deck={"a": (3, None)})
    assert build(a, {}, limits, DoneToday(new={"a": 1})).new == [a[0].key, a[1].key]
    assert build(a, {}, limits, DoneToday(reviews={"a": 2})).new == [c.key for c in a[:3]]


def test_a_deck_without_a_cap_has_none_and_the_total_still_holds() -> None:
    a, b = refs("a", 3), refs("b", 3)
    limits = DailyLimits(reviews_per_day=4, per_deck={"a": (None, 1)})
    q = build(a + b, all_due(a + b), limits)
    assert q.reviews == [a[0].key, *(c.key for c in b)]
    assert DailyLimits().for_deck("zzz") == (None, None)
    assert limits.for_deck("a") == (None, 1)


def test_default_limits() -> None:
    assert (DailyLimits().new_per_day, DailyLimits().reviews_per_day) == (20, 200)
    cards = refs("d", 30)
    assert len(build(cards, {}, DailyLimits()).new) == 20


# -- order ----------------------------------------------------------------------------------
def test_most_overdue_first_then_deck_order_within_a_day() -> None:
    cards = refs("d", 5)
    states = {cards[0].key: due(DAY), cards[1].key: due(DAY - 3), cards[2].key: due(DAY - 1),
              cards[3].key: due(DAY - 3), cards[4].key: due(DAY + 1)}
    q = build(cards, states, DailyLimits())
    assert q.reviews == [cards[1].key, cards[3].key, cards[2].key, cards[0].key]


def test_deck_order_is_the_cards_order_not_the_keys() -> None:
    cards = [CardRef("d", "z"), CardRef("d", "a"), CardRef("d", "m")]
    q = build(cards, all_due(cards), DailyLimits())
    assert q.reviews == [("d", "z"), ("d", "a"), ("d", "m")]
    q = build(cards, {}, DailyLimits())
    assert q.new == [("d", "z"), ("d", "a"), ("d", "m")]


def test_the_queue_lists_reviews_then_repeats_then_new() -> None:
    cards = refs("d", 6)
    states = {cards[0].key: due(), cards[1].key: due(DAY + 3, last=DAY, pending=True),
              cards[2].key: due(DAY - 2)}
    q = build(cards, states, DailyLimits())
    assert q.reviews == [cards[2].key, cards[0].key]
    assert q.repeats == [cards[1].key]
    assert q.new == [c.key for c in cards[3:]]
    assert q.cards == [cards[2].key, cards[0].key, cards[1].key, *(c.key for c in cards[3:])]
    assert len(q) == 6 and q.day == DAY


def test_repeats_are_in_deck_order_and_outside_the_limits() -> None:
    cards = refs("d", 4)
    states = {c.key: due(DAY + 1, last=DAY, pending=True) for c in reversed(cards)}
    q = build(cards, states, DailyLimits(new_per_day=0, reviews_per_day=0))
    assert q.repeats == [c.key for c in cards]


# -- what the summaries say -----------------------------------------------------------------
def test_inputs_from_summaries() -> None:
    k = [("d", f"k{i}") for i in range(6)]
    states = {
        k[0]: Summary(None, None, False, 0),  # new: not seen
        k[1]: Summary(DAY, DAY - 1, False, 2),  # due today
        k[2]: Summary(DAY + 1, DAY, False, 2),  # due tomorrow
        k[3]: Summary(DAY + 1, DAY, True, 2),  # a repeat pending today
        k[4]: Summary(DAY - 4, DAY - 5, True, 2),  # a repeat left from another day: due
        k[5]: Summary(DAY - 2, DAY - 3, False, 1),
    }
    facts = inputs_from_summaries(states, DAY)
    assert set(facts.seen) == set(k[1:])  # type: ignore[call-overload]
    assert facts.repeats == [k[3]]
    assert list(facts.due) == [(DAY - 4, k[4]), (DAY - 2, k[5]), (DAY, k[1])]


def test_a_repeat_is_not_also_a_review() -> None:
    cards = refs("d", 1)
    q = build(cards, {cards[0].key: due(DAY - 1, last=DAY, pending=True)}, DailyLimits())
    assert q.repeats == [cards[0].key] and q.reviews == []


# -- filters --------------------------------------------------------------------------------
def test_deck_and_tag_filters() -> None:
    a, b = refs("a", 2, frozenset({"x"})), refs("b", 2, frozenset({"y", "z"}))
    states = {a[0].key: due(), b[0].key: due()}
    q = build(a + b, states, DailyLimits(), decks=["b"])
    assert q.reviews == [b[0].key] and q.new == [b[1].key]
    q = build(a + b, states, DailyLimits(), tags=["z", "w"])
    assert q.reviews == [b[0].key] and q.new == [b[1].key]
    q = build(a + b, states, DailyLimits(), decks=[], tags=[])  # empty: no filter
    assert len(q) == 4


def test_suspended_and_buried_cards_are_left_out_for_their_day() -> None:
    cards = refs("d", 4)
    flags = {cards[0].key: Flags(suspended=True), cards[1].key: Flags(buried_day=DAY),
             cards[2].key: Flags(buried_day=DAY - 1), cards[3].key: Flags(leech=True)}
    q = build(cards, all_due(cards), DailyLimits(), flags=flags)
    assert q.reviews == [cards[2].key, cards[3].key]
    q = build(cards, {}, DailyLimits(), flags=flags)
    assert q.new == [cards[2].key, cards[3].key]


def test_cards_no_longer_in_a_deck_are_not_shown() -> None:
    cards = refs("d", 2)
    states = {("gone", "x"): due(DAY - 9), cards[0].key: due(),
              ("gone", "y"): due(DAY, last=DAY, pending=True)}
    q = build(cards, states, DailyLimits())
    assert q.reviews == [cards[0].key] and q.repeats == [] and q.new == [cards[1].key]


def test_filtered_out_cards_do_not_use_the_limit() -> None:
    a, b = refs("a", 3), refs("b", 3)
    flags = {c.key: Flags(suspended=True) for c in a}
    q = build(a + b, all_due(a + b), DailyLimits(reviews_per_day=2), flags=flags)
    assert q.reviews == [b[0].key, b[1].key]


def test_an_index_passed_in_is_used() -> None:
    cards = refs("d", 2)
    index = {c.key: (1 - i, c) for i, c in enumerate(cards)}  # the cache says: reversed
    q = build(cards, all_due(cards), DailyLimits(), index=index)
    assert q.reviews == [cards[1].key, cards[0].key]


def test_done_today_totals() -> None:
    done = DoneToday(new={"a": 2, "b": 3}, reviews={"a": 4})
    assert (done.total_new, done.total_reviews) == (5, 4)
    assert (DoneToday().total_new, DoneToday().total_reviews) == (0, 0)
    assert CardRef("d", "c").key == ("d", "c")


def test_per_deck_caps_hold_across_due_days() -> None:
    a, b = refs("a", 4), refs("b", 2)
    states = {a[0].key: due(DAY - 2), a[1].key: due(DAY - 1), a[2].key: due(DAY - 1),
              a[3].key: due(DAY), b[0].key: due(DAY - 2), b[1].key: due(DAY)}
    q = build(a + b, states, DailyLimits(per_deck={"a": (None, 2)}))
    assert q.reviews == [a[0].key, b[0].key, a[1].key, b[1].key]
