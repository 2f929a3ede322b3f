"""The stats queries that read only a window of the log (issue 15: at 1,000,000 answers a
window function over the whole log took 16 s) must give what the whole-log definitions give:
the reference queries below are the definitions they replaced."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.core.day import DayRule
from quizcards.store import stats
from quizcards.store.db import Answer, Store

RULE = DayRule(4, UTC)
START = datetime(2026, 1, 1, 12, tzinfo=UTC)

WHOLE_LOG_RECALLS = """
    SELECT deck_id, card_id, grade FROM (
        SELECT deck_id, card_id, grade, day,
               lag(day) OVER (PARTITION BY deck_id, card_id ORDER BY id) AS prev
        FROM live_reviews
    ) WHERE prev IS NOT NULL AND prev < day AND day > ?
"""

events = st.lists(st.tuples(
    st.sampled_from(["a", "b", "c"]),  # card
    st.integers(0, 5),                 # grade
    st.integers(0, 3),                 # days after the previous event
    st.sampled_from(["review", "review", "review", "exam", "undo"])), max_size=40)


def whole_log_streak(store: Store, today: int) -> int:
    days = {d for (d,) in store.conn.execute("SELECT DISTINCT day FROM live_reviews")}
    day = today if today in days else today - 1
    count = 0
    while day in days:
        count += 1
        day -= 1
    return count


@settings(max_examples=60, deadline=None)
@given(events, st.integers(1, 20))
def test_windowed_queries_equal_the_whole_log_definitions(
        log: list[tuple[str, int, int, str]], window: int) -> None:
    folder = tempfile.TemporaryDirectory()
    store = Store.open(Path(folder.name) / "q.sqlite3", "sm2", RULE)
    when = START
    try:
        for card, grade, gap, mode in log:
            when += timedelta(days=gap, minutes=1)
            if mode == "undo":
                store.undo_last()
            else:
                store.record(Answer("d", card, grade, mode=mode), when)
        today = RULE.day_of(when)
        expected = sorted(store.conn.execute(WHOLE_LOG_RECALLS, (today - window,)))
        assert sorted(stats.recalls(store, today, window)) == expected
        passed = sum(g >= 3 for _, _, g in expected)
        assert stats.retention(store, today, window) == (
            round(passed / len(expected), 4) if expected else None)
        for day in (today, today + 1, today + 2):
            assert stats.streak(store, day) == whole_log_streak(store, day)
    finally:
        store.close()
        folder.cleanup()
