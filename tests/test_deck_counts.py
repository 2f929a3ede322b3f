"""Per-deck counts for the home screen and `stats`, found in one pass (issue 15): they must
equal what one queue per deck gives, whatever the states, flags, limits and answers today."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.core.queue import (
    CardRef,
    DailyLimits,
    DeckToday,
    DoneToday,
    Flags,
    Key,
    Summary,
    build_queue,
    deck_counts,
    inputs_from_summaries,
)
from quizcards.library import Library

if TYPE_CHECKING:
    from quizcards.checker.client import Checker

DAY = 740_000
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DECKS = ["a", "b", "c"]


@st.composite
def days(draw: st.DrawFn) -> dict[str, object]:
    sizes = draw(st.lists(st.integers(0, 6), min_size=len(DECKS), max_size=len(DECKS)))
    cards = [CardRef(d, f"{d}{i}") for d, n in zip(DECKS, sizes, strict=True) for i in range(n)]
    states: dict[Key, Summary] = {}
    flags: dict[Key, Flags] = {}
    for ref in cards:
        if draw(st.booleans()):  # seen before
            states[ref.key] = Summary(
                due_day=draw(st.sampled_from([None, DAY - 3, DAY - 1, DAY, DAY + 2])),
                last_day=draw(st.sampled_from([DAY - 4, DAY])),
                repeat_pending=draw(st.booleans()), reviews=draw(st.integers(1, 3)))
        flag = draw(st.sampled_from([None, Flags(suspended=True), Flags(buried_day=DAY),
                                     Flags(buried_day=DAY - 1), Flags(leech=True)]))
        if flag is not None:
            flags[ref.key] = flag
    caps = st.one_of(st.none(), st.integers(0, 4))
    per_deck = {d: (draw(caps), draw(caps)) for d in DECKS if draw(st.booleans())}
    limits = DailyLimits(draw(st.integers(0, 8)), draw(st.integers(0, 8)), per_deck)
    counts = st.dictionaries(st.sampled_from(DECKS), st.integers(0, 4), max_size=3)
    done = DoneToday(draw(counts), draw(counts))
    return {"cards": cards, "states": states, "flags": flags, "limits": limits, "done": done}


@settings(max_examples=300, deadline=None)
@given(days())
def test_one_pass_counts_equal_one_queue_per_deck(case: dict) -> None:  # type: ignore[type-arg]
    cards, states, flags = case["cards"], case["states"], case["flags"]
    limits, done = case["limits"], case["done"]
    got = deck_counts(cards, inputs_from_summaries(states, DAY), flags, DAY, limits, done)
    assert set(got) == {ref.deck_id for ref in cards}
    for deck_id in got:
        queue = build_queue(cards, inputs_from_summaries(states, DAY), flags, DAY, limits,
                            done, decks=[deck_id])
        assert got[deck_id] == DeckToday(len(queue.new), len(queue.repeats),
                                         len(queue.reviews)), deck_id


def test_a_deck_cap_already_used_today_leaves_nothing_of_that_kind() -> None:
    cards = [CardRef("a", f"a{i}") for i in range(5)]
    limits = DailyLimits(20, 200, {"a": (2, None)})
    got = deck_counts(cards, inputs_from_summaries({}, DAY), {}, DAY, limits,
                      DoneToday(new={"a": 3}))
    assert got == {"a": DeckToday(0, 0, 0)}


def test_cards_outside_the_loaded_decks_are_not_counted() -> None:
    cards = [CardRef("a", "a0")]
    states = {("gone", "x"): Summary(DAY - 1, DAY - 3, False, 2),
              ("a", "a0"): Summary(DAY - 1, DAY - 3, False, 2)}
    got = deck_counts(cards, inputs_from_summaries(states, DAY), {}, DAY, DailyLimits())
    assert got == {"a": DeckToday(0, 0, 1)}


# -- home reads the counts once per showing ---------------------------------------------------
async def test_home_reads_the_store_once_at_start_and_again_when_it_comes_back(
        tmp_path: Path, checker: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 50,000 cards a read of today's counts takes a large part of a second; home read
    them three times before its first paint (mount, resume, resize)."""
    from quizcards.ui.app import create_app
    from quizcards.ui.home import HomeScreen

    (tmp_path / "d.yaml").write_text(
        "id: d\ntitle: D\ncards:\n  - id: r\n    kind: recall\n    prompt: p\n    answer: a\n")
    lib = Library.open([tmp_path / "d.yaml"], db_path=tmp_path / "db.sqlite3")
    reads: list[object] = []
    real = Library.stats

    def counting(self: Library, now: datetime | None = None) -> object:
        reads.append(now)
        return real(self, now)

    monkeypatch.setattr(Library, "stats", counting)
    app = create_app(lib, checker, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert len(reads) == 1
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert len(reads) == 1  # a resize redraws what was read
        assert "D" in str(app.screen.query_one("#decks").get_row_at(0)[0])
        await pilot.press("s")  # stats, then back home: read again (answers may have changed)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert len(reads) >= 2


def test_the_lint_summary_counts_in_words() -> None:
    from quizcards.decks.lint import LintReport

    one = LintReport(decks=1, cards=1, runs=1, executed=True)
    assert one.summary().startswith("lint: 1 deck, 1 card, 1 run: ok")
    many = LintReport(decks=2, cards=0, runs=3, executed=True)
    assert many.summary().startswith("lint: 2 decks, 0 cards, 3 runs: ok")
